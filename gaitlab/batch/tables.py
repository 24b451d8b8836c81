"""The batch's tables: ``summary.csv`` (one row per video) and ``strides.csv`` (every stride).

Columns are derived from ``summary.json`` (schema ``gaitlab/schema/summary-1.schema.json``) by
flattening, not re-invented:

* first ``video``, ``status``, ``error``, ``view`` (``view.label``), ``cadence_spm``,
  ``hip_tightness`` and ``hip_weakness`` (the findings' ``status``);
* the quality figures: the scalars of ``video``, ``pose`` and ``view`` and of the clip's
  ``signals`` and ``strides``, named by their JSON path (``video.fps``, ``pose.detection_rate``,
  ``strides.usable_per_side.left``), and each capture check as ``check.<name>`` (its status);
* every metric, in the order of :data:`gaitlab.metrics.registry.METRICS`: ``<name>`` is its
  value (the name carries the unit), then ``<name>.left``,
  ``<name>.right``, ``<name>.asymmetry_pct``, ``<name>.sd``, ``<name>.n_strides`` (and
  ``<name>.label`` for metrics that have a category);
* the batch's own: ``attempts``, ``elapsed_s``, ``content_sha256``, ``settings_sha256``,
  ``gaitlab_version``.

Where the schema's name has no unit, the column adds it (``video.width`` -> ``video.width_px``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from gaitlab.batch.plan import RECORD_FILE
from gaitlab.io import atomic_path
from gaitlab.metrics import registry

LEAD_COLUMNS: tuple[str, ...] = (
    "video",
    "status",
    "error",
    "view",
    "cadence_spm",
    "hip_tightness",
    "hip_weakness",
)
#: Metric fields that become ``<metric>.<field>`` columns (``value`` is the bare name).
METRIC_FIELDS: tuple[str, ...] = ("left", "right", "asymmetry_pct", "sd", "n_strides", "label")
#: Columns whose schema name has no unit: the unit is added.
UNIT_NAMES: dict[str, str] = {
    "video.width": "video.width_px",
    "video.height": "video.height_px",
}
#: Record fields that end each row.
RECORD_COLUMNS: tuple[str, ...] = (
    "attempts",
    "elapsed_s",
    "content_sha256",
    "settings_sha256",
    "gaitlab_version",
)
#: Scalars of the summary that are not quality figures (said elsewhere in the row).
_NOT_QUALITY = {"view.label", "video.file"}


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    """Scalars of a nested dict as ``prefix.key.key`` (lists are left out)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}", item, out)
    elif not isinstance(value, list):
        name = UNIT_NAMES.get(prefix, prefix)
        if name not in _NOT_QUALITY:
            out[name] = value


def metric_order(name: str) -> int:
    """A metric's place among the columns: the registry's order, unknown names last."""
    order = list(registry.METRICS)
    return order.index(name) if name in registry.METRICS else len(order)


def summary_row(video: str, record: Mapping[str, Any], summary: Mapping[str, Any] | None) -> dict:
    """One ``summary.csv`` row from a video's record and (for ``ok``) its ``summary.json``."""
    row: dict[str, Any] = {
        "video": video,
        "status": record.get("status"),
        "error": record.get("error"),
    }
    if summary is not None:
        findings = {f["pattern"]: f["status"] for f in summary.get("findings", [])}
        metrics = summary.get("metrics", {})
        row["view"] = summary["view"]["label"]
        row["cadence_spm"] = metrics.get("cadence_spm", {}).get("value")
        row["hip_tightness"] = findings.get("hip_tightness")
        row["hip_weakness"] = findings.get("hip_weakness")
        clip = summary["clips"][0] if summary.get("clips") else {}
        for section in ("video", "pose"):
            _flatten(section, summary.get(section, {}), row)
        _flatten("view", clip.get("view", summary.get("view", {})), row)
        for section in ("signals", "strides"):
            _flatten(section, clip.get(section, {}), row)
        for check in clip.get("checks", []):
            row[f"check.{check['name']}"] = check["status"]
        for name, metric in sorted(metrics.items(), key=lambda kv: metric_order(kv[0])):
            row[name] = metric.get("value")
            for field in METRIC_FIELDS:
                if field == "label" and metric.get("label") is None:
                    continue
                row[f"{name}.{field}"] = metric.get(field)
    for name in RECORD_COLUMNS:
        row[name] = record.get(name)
    return row


def ordered_columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The lead columns, every other column in first-seen order, the record columns last."""
    seen: dict[str, None] = dict.fromkeys(LEAD_COLUMNS)
    for row in rows:
        for name in row:
            if name not in RECORD_COLUMNS:
                seen.setdefault(name)
    return [*seen, *RECORD_COLUMNS]


def read_result(folder: Path) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A result folder's record and summary (each None when absent)."""
    try:
        record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    summary = None
    if record.get("status") == "ok":
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return record, summary


def summary_table(out: Path, videos: Iterable[str]) -> pd.DataFrame:
    """The ``summary.csv`` table of ``videos`` (paths relative to the batch folder)."""
    rows = []
    for video in sorted(videos):
        record, summary = read_result(Path(out) / video)
        if record is None:  # never reached in a finished run: every video gets a record
            record = {"status": "error", "error": "no result was written"}
        rows.append(summary_row(video, record, summary))
    return pd.DataFrame(rows, columns=ordered_columns(rows))


def strides_table(out: Path, videos: Iterable[str]) -> pd.DataFrame:
    """Every stride of every ``ok`` video, with the ``video`` column first."""
    tables = []
    for video in sorted(videos):
        path = Path(out) / video / "strides.csv"
        record, _ = read_result(Path(out) / video)
        if record is None or record.get("status") != "ok" or not path.is_file():
            continue
        table = pd.read_csv(path)
        table = table.drop(columns=["clip"], errors="ignore")
        table.insert(0, "video", video)
        tables.append(table)
    if not tables:
        return pd.DataFrame(columns=["video"])
    return pd.concat([t for t in tables if len(t)] or tables[:1], ignore_index=True)


def write_table(table: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV atomically (six significant digits)."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
    return Path(path)


def load_summary(out: str | Path) -> pd.DataFrame:
    """``OUT/summary.csv`` as a DataFrame: one row per video.

    >>> table = load_summary("batch-out")                              # doctest: +SKIP
    >>> table[table.status == "ok"][["video", "view", "cadence_spm"]]   # doctest: +SKIP
    """
    return pd.read_csv(Path(out) / "summary.csv", dtype={"error": "string"})


def load_strides(out: str | Path) -> pd.DataFrame:
    """``OUT/strides.csv`` as a DataFrame: every stride of every video."""
    return pd.read_csv(Path(out) / "strides.csv")


def load_run(out: str | Path) -> dict[str, Any]:
    """``OUT/run.json``: the settings, versions and counts of the last run."""
    return json.loads((Path(out) / "run.json").read_text(encoding="utf-8"))


def left_right(summary: pd.DataFrame) -> pd.DataFrame:
    """The per-side values of every metric, one row per video and metric (long format).

    Columns ``video``, ``metric``, ``left``, ``right``, ``asymmetry_pct``; only metrics with at
    least one side measured.
    """
    metrics = [c[: -len(".left")] for c in summary.columns if c.endswith(".left")]
    parts = []
    for name in metrics:
        part = pd.DataFrame(
            {
                "video": summary["video"],
                "metric": name,
                "left": summary[f"{name}.left"],
                "right": summary[f"{name}.right"],
                "asymmetry_pct": summary.get(f"{name}.asymmetry_pct"),
            }
        )
        parts.append(part.dropna(subset=["left", "right"], how="all"))
    if not parts:
        return pd.DataFrame(columns=["video", "metric", "left", "right", "asymmetry_pct"])
    return pd.concat(parts, ignore_index=True)
