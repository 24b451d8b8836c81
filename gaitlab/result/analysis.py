"""The assembled result: one clip's analysis, pools of clips, and the whole assessment.

:class:`ClipAnalysis` (one clip), :class:`Pool` (clips of one view counted together) and
:class:`Analysis` (the assessment: clips, pools, merged metrics, findings, settings) hold what
the pipeline stages made; :meth:`Analysis.to_summary` turns them into ``summary.json`` and
:meth:`Analysis.save` writes it. They sit above the stages whose results they carry (pose,
signals, events, metrics, findings) and below everything that reads a result (quality checks,
report, API, batch, web), so none of those needs to import the API.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from gaitlab import __version__
from gaitlab.config import Settings
from gaitlab.events import columns as C
from gaitlab.io import atomic_path, write_json_atomic
from gaitlab.markers.model import MarkerTracks
from gaitlab.markers.standing import StandingPhase
from gaitlab.metrics import registry
from gaitlab.metrics.pelvis import PelvisMeasures
from gaitlab.pose.extract import PoseResult
from gaitlab.pose.tracks import PoseTracks
from gaitlab.result import SCHEMA_VERSION, Check, Finding, Metric
from gaitlab.schema import validation_errors
from gaitlab.signals.clean import CleanReport
from gaitlab.signals.view import ViewEstimate

__all__ = ["Analysis", "ClipAnalysis", "Pool"]


@dataclasses.dataclass(frozen=True)
class ClipAnalysis:
    """Everything gaitlab found in one clip.

    Attributes
    ----------
    name, path
        The clip's file name and path.
    pose
        The pose stage's result (raw tracks, video facts, model).
    view
        The camera view, running direction and setting.
    tracks
        The cleaned tracks every metric is computed from.
    cleaning
        What cleaning found and did.
    strides
        The stride table (columns in :mod:`gaitlab.events.columns`).
    metrics
        The clip's metrics by name.
    checks
        The clip's capture checks (view, whole body, frame rate, ...), see
        :mod:`gaitlab.quality`.
    markers
        The skin stickers found on the pelvis (:mod:`gaitlab.markers`), or None when they were
        not looked for (landmarks given, or ``[markers] enabled = false``).
    pelvis
        What the stickers gave (:func:`gaitlab.metrics.pelvis.measure_pelvis`), or None.
    standing
        The standing-still phase at the start of the clip, or None.
    """

    name: str
    path: Path
    pose: PoseResult
    view: ViewEstimate
    tracks: PoseTracks
    cleaning: CleanReport
    strides: pd.DataFrame
    metrics: Mapping[str, Metric]
    checks: tuple[Check, ...] = ()
    markers: MarkerTracks | None = None
    pelvis: PelvisMeasures | None = None
    standing: StandingPhase | None = None

    def usable_steps(self) -> dict[str, int]:
        """Usable strides per side (each stride starts with one step of that foot)."""
        ok = self.strides[self.strides[C.USABLE]] if len(self.strides) else self.strides
        return {side: int((ok[C.SIDE] == side).sum()) for side in ("left", "right")}

    def as_dict(self) -> dict[str, Any]:
        view = self.view.as_dict()
        return {
            "name": self.name,
            "path": str(self.path),
            "video": self.pose.video.as_dict(),
            "pose": self.pose.as_dict(),
            "view": view,
            "signals": self.cleaning.as_dict(),
            "strides": {
                "n_strides": len(self.strides),
                "usable_per_side": self.usable_steps(),
            },
            "checks": [c.as_dict() for c in self.checks],
            "standing": self.standing.as_dict() if self.standing is not None else None,
            "markers": self._markers_dict(),
        }

    def _markers_dict(self) -> dict[str, Any] | None:
        """The ``markers`` block: what stickers were found and where each angle's zero came from."""
        if self.markers is None:
            return None
        out = self.markers.as_dict()
        if self.pelvis is not None:
            out["reference"] = self.pelvis.reference
            out["camera_behind_side_deg"] = round(self.pelvis.behind_deg, 1)
        return out


@dataclasses.dataclass(frozen=True)
class Pool:
    """Clips of one view whose strides count together.

    Attributes
    ----------
    view
        The shared view (``side``, ``rear`` or ``front``).
    clips
        Names of the clips, in order.
    name
        The name every pooled number carries (the clip names joined by ``" + "``).
    strides
        The joined stride table (times on the joined time line).
    metrics
        Metrics over the strides of all the clips.
    """

    view: str
    clips: tuple[str, ...]
    name: str
    strides: pd.DataFrame
    metrics: Mapping[str, Metric]

    def usable_steps(self) -> dict[str, int]:
        """Usable strides per side, over all the clips."""
        ok = self.strides[self.strides[C.USABLE]] if len(self.strides) else self.strides
        return {side: int((ok[C.SIDE] == side).sum()) for side in ("left", "right")}

    def as_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "clips": list(self.clips),
            "name": self.name,
            "strides": {"n_strides": len(self.strides), "usable_per_side": self.usable_steps()},
        }


@dataclasses.dataclass(frozen=True)
class Analysis:
    """The result of one assessment (one or more clips of one session)."""

    clips: tuple[ClipAnalysis, ...]
    metrics: Mapping[str, Metric]
    findings: tuple[Finding, ...]
    settings: Settings
    pools: tuple[Pool, ...] = ()

    def to_summary(self) -> dict[str, Any]:
        """The ``summary.json`` content (validated against the shipped schema)."""
        clips = [c.as_dict() for c in self.clips]
        first = clips[0]
        return {
            "schema_version": SCHEMA_VERSION,
            "gaitlab_version": __version__,
            "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "video": first["video"],
            "pose": first["pose"],
            "view": {k: first["view"][k] for k in ("label", "facing", "confidence", "setting")},
            "clips": clips,
            "pools": [p.as_dict() for p in self.pools],
            "metrics": {name: m.as_dict() for name, m in self.metrics.items()},
            "findings": [f.as_dict() for f in self.findings],
            "settings": self.settings.to_dict(),
        }

    def strides_table(self) -> pd.DataFrame:
        """Every stride of every clip, with a ``clip`` column first."""
        tables = [c.strides.assign(clip=c.name) for c in self.clips]
        table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
        return table[["clip", *C.STRIDE_COLUMNS]] if len(table) else table

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``summary.json``, ``strides.csv`` and each clip's landmarks into ``out_dir``.

        Every file is written atomically; ``summary.json`` is written last, so a folder with a
        ``summary.json`` is complete.

        Returns
        -------
        dict
            What was written, by kind.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for clip in self.clips:
            stem = Path(clip.name).stem
            written[f"landmarks:{clip.name}"] = clip.pose.tracks.save_csv(
                out / f"{stem}.landmarks.csv"
            )
            clip.pose.tracks.save_npz(out / f"{stem}.landmarks.npz")
        with atomic_path(out / "strides.csv") as tmp:
            self.strides_table().to_csv(tmp, index=False, float_format="%.4f")
        written["strides"] = out / "strides.csv"
        summary = self.to_summary()
        problems = validation_errors(summary) + registry.summary_problems(summary)
        if problems:  # a bug, not a user error: never write a summary that breaks the schema
            raise RuntimeError("summary.json would break its schema: " + "; ".join(problems))
        written["summary"] = write_json_atomic(out / "summary.json", summary)
        return written
