"""Hand-labelled gait events of a clip: the file format, its loader and validator.

A label file (``<clip>.events.json``, schema ``events-1.schema.json`` beside this module) holds
every foot strike and toe-off of both feet that a person labelled frame by frame, following
``docs/labelling-protocol.md``. Its frame numbers are those of gaitlab's own reader
(:func:`gaitlab.video.iter_frames`: presentation order from 0), and it stores the reader's
timestamp of every frame, so a variable-frame-rate clip keeps its real times.

What a label means. The label of an event is the *first frame that shows the new state* (the
first frame with the foot on the ground for a strike, the first with it off for a toe-off). The
event happened between that frame and the one before it, so its best time is their midpoint;
in frame units its position is ``frame - 0.5``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitlab.errors import InputError
from gaitlab.io import write_json_atomic
from gaitlab.words import say

FORMAT = "gaitlab.event_labels"
FORMAT_VERSION = 1
KINDS: tuple[str, ...] = ("strike", "toe_off")
SIDES: tuple[str, ...] = ("left", "right")
CONFIDENCES: tuple[str, ...] = ("clear", "partly_hidden", "hidden")
SETTLED_BY: tuple[str, ...] = ("pass1_only", "agreement", "relook", "pass2_only")
#: Tolerance between a stored event time and the midpoint computed from the frame times (s).
TIME_TOLERANCE_S = 1e-3

#: Columns of :meth:`EventLabels.table`.
EVENT_COLUMNS: tuple[str, ...] = (
    "side",
    "kind",
    "frame",
    "prior_frame",
    "position_frames",
    "time_s",
    "pass1",
    "pass2",
    "settled_by",
    "confidence",
    "uncertainty_frames",
    "foot",
    "steady",
    "note",
)


@dataclasses.dataclass(frozen=True)
class LabelledEvent:
    """One labelled foot strike or toe-off.

    Attributes
    ----------
    side
        The runner's foot, ``"left"`` or ``"right"`` (judged from the body, not the pose model).
    kind
        ``"strike"`` or ``"toe_off"``.
    frame
        The settled label: the first frame showing the new state.
    time_s
        The event's time: midpoint between the timestamps of ``frame - 1`` and ``frame``.
    pass1, pass2
        The frame each labelling pass gave (None: that pass did not label the event, or pass 2
        has not been done).
    settled_by
        ``"pass1_only"`` (no second pass yet), ``"agreement"`` (both passes gave ``frame``),
        ``"relook"`` (the passes differed; both candidate frames were looked at again),
        ``"pass2_only"`` (only the second pass found the event).
    confidence
        ``"clear"``, ``"partly_hidden"`` or ``"hidden"`` (the foot itself not visible at the
        event: judged from the shank and the body).
    uncertainty_frames
        How many frames either way the true event may lie from ``frame``.
    note
        Free text (what was hard, how it was judged).
    prior_frame
        The frame whose picture last shows the old state: ``frame - 1`` (None means that),
        or, where the clip repeats pictures, the first frame of the repeated picture before
        ``frame``. The event lies between the two.
    """

    side: str
    kind: str
    frame: int
    time_s: float
    pass1: int | None
    pass2: int | None
    settled_by: str
    confidence: str
    uncertainty_frames: int
    note: str = ""
    prior_frame: int | None = None

    @property
    def prior(self) -> int:
        """The frame whose picture last shows the old state (``frame - 1`` unless given)."""
        return self.frame - 1 if self.prior_frame is None else int(self.prior_frame)

    def as_dict(self) -> dict[str, Any]:
        """The event as stored in the file."""
        return {
            "side": self.side,
            "kind": self.kind,
            "frame": int(self.frame),
            "prior_frame": self.prior,
            "time_s": round(float(self.time_s), 6),
            "pass1": self.pass1,
            "pass2": self.pass2,
            "settled_by": self.settled_by,
            "confidence": self.confidence,
            "uncertainty_frames": int(self.uncertainty_frames),
            "note": self.note,
        }


@dataclasses.dataclass(frozen=True)
class EventLabels:
    """The labelled events of one clip and the facts they depend on.

    Attributes
    ----------
    clip
        The video's file name.
    video_file
        Its path relative to the repository top.
    fps
        Nominal frame rate of the clip (the reader's).
    frame_times_s
        ``(n_frames,)`` the reader's timestamp of every frame.
    variable_frame_rate
        Whether the reader found the frame intervals uneven.
    view
        ``"side"``, ``"rear"`` or ``"front"``.
    runner_faces
        ``"image-left"``, ``"image-right"``, ``"away"`` or ``"toward"``.
    near_foot
        Side views: the runner's foot nearer the camera; None for rear and front views.
    steady_ranges
        Inclusive ``(first, last)`` frame ranges of steady running, the frames that are scored.
    labellers
        Who did each pass (``pass2`` None until the blind second pass is done).
    events
        Every labelled event, sorted by frame.
    protocol_version
        Version of the labelling protocol followed.
    near_foot_how, notes
        Free text.
    """

    clip: str
    video_file: str
    fps: float
    frame_times_s: np.ndarray
    variable_frame_rate: bool
    view: str
    runner_faces: str
    near_foot: str | None
    steady_ranges: tuple[tuple[int, int], ...]
    labellers: Mapping[str, str | None]
    events: tuple[LabelledEvent, ...]
    protocol_version: str = "1.0"
    near_foot_how: str = ""
    notes: str = ""
    steady_notes: tuple[str, ...] = ()

    @property
    def n_frames(self) -> int:
        """Number of frames of the clip."""
        return int(self.frame_times_s.shape[0])

    def foot(self, side: str) -> str:
        """``"near"`` or ``"far"`` for a side view; the side itself otherwise."""
        if self.near_foot is None:
            return side
        return "near" if side == self.near_foot else "far"

    def in_steady(self, position_frames: float | np.ndarray) -> np.ndarray:
        """Whether a frame position lies inside a steady-running range.

        A range ``(first, last)`` covers positions ``first - 0.5`` to ``last + 0.5``.
        """
        pos = np.asarray(position_frames, dtype=float)
        inside = np.zeros(pos.shape, dtype=bool)
        for first, last in self.steady_ranges:
            inside |= (pos >= first - 0.5) & (pos <= last + 0.5)
        return inside

    def table(self) -> pd.DataFrame:
        """The events as a table, columns :data:`EVENT_COLUMNS`, sorted by frame.

        ``position_frames`` is midway between ``prior_frame`` and ``frame`` (usually
        ``frame - 0.5``: the event lies between two frames); ``foot`` is
        near/far (side views) or the side; ``steady`` whether the event is in a steady range.
        """
        rows = [
            {
                **e.as_dict(),
                "position_frames": 0.5 * (e.prior + e.frame),
                "foot": self.foot(e.side),
                "steady": bool(self.in_steady(e.frame)),
            }
            for e in self.events
        ]
        table = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
        return table.sort_values(["frame", "side", "kind"], kind="stable").reset_index(drop=True)

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of the file."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "protocol_version": self.protocol_version,
            "clip": self.clip,
            "video_file": self.video_file,
            "fps": float(self.fps),
            "n_frames": self.n_frames,
            "variable_frame_rate": bool(self.variable_frame_rate),
            "frame_times_s": [round(float(t), 6) for t in self.frame_times_s],
            "view": self.view,
            "runner_faces": self.runner_faces,
            "near_foot": self.near_foot,
            "near_foot_how": self.near_foot_how,
            "steady_ranges": [
                {"first": int(a), "last": int(b), **({"note": n} if n else {})}
                for (a, b), n in zip(
                    self.steady_ranges,
                    list(self.steady_notes) + [""] * len(self.steady_ranges),
                    strict=False,
                )
            ],
            "labellers": dict(self.labellers),
            "notes": self.notes,
            "events": [
                e.as_dict() for e in sorted(self.events, key=lambda e: (e.frame, e.side, e.kind))
            ],
        }


# ---------------------------------------------------------------------------- times


def event_time_s(frame: int, frame_times_s: np.ndarray, prior_frame: int | None = None) -> float:
    """Time of an event labelled at ``frame``: the midpoint of ``prior_frame`` (default
    ``frame - 1``) and ``frame``.

    For frame 0 the interval before it is taken equal to the one after it.
    """
    t = np.asarray(frame_times_s, dtype=float)
    prior = frame - 1 if prior_frame is None else prior_frame
    if frame <= 0 or prior < 0:
        return float(t[0] - 0.5 * (t[1] - t[0]))
    return float(0.5 * (t[prior] + t[frame]))


def frame_position(time_s: float | np.ndarray, frame_times_s: np.ndarray) -> np.ndarray:
    """Where a time lies on the clip's frame axis (fractional frame index).

    Linear between the frames' timestamps (so a variable frame rate is honoured) and beyond the
    ends at the first or last frame interval.
    """
    t = np.asarray(frame_times_s, dtype=float)
    x = np.asarray(time_s, dtype=float)
    idx = np.arange(t.shape[0], dtype=float)
    pos = np.interp(x, t, idx)
    before, after = x < t[0], x > t[-1]
    pos = np.where(before, (x - t[0]) / (t[1] - t[0]), pos)
    return np.where(after, idx[-1] + (x - t[-1]) / (t[-1] - t[-2]), pos)


# ---------------------------------------------------------------------------- loading


@functools.cache
def labels_schema() -> dict[str, Any]:
    """The JSON Schema of label files."""
    text = resources.files("gaitlab.labels").joinpath("events-1.schema.json").read_text("utf-8")
    return json.loads(text)


def validation_problems(doc: Mapping[str, Any]) -> list[str]:
    """Every way a label document breaks the schema or the rules of the protocol (empty: valid).

    Beyond the schema: frame times increase and match ``n_frames``; frames and steady ranges
    lie inside the clip; each event's time is its midpoint; ``settled_by`` agrees with the
    passes; a hidden event has an uncertainty; no event is labelled twice; a side view names
    its near foot; and within each steady range each foot's strikes and toe-offs alternate.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(labels_schema())
    problems = [
        say(
            "labels.problem.schema",
            where="/".join(str(p) for p in e.absolute_path) or say("labels.problem.schema_top"),
            message=e.message,
        )
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        return problems
    return _rule_problems(doc)


def _rule_problems(doc: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    n = int(doc["n_frames"])
    times = np.asarray(doc["frame_times_s"], dtype=float)
    if times.shape[0] != n:
        problems.append(say("labels.problem.times_count", count=times.shape[0], n_frames=n))
        return problems
    if not np.all(np.diff(times) > 0):
        problems.append(say("labels.problem.times_order"))
        return problems
    if doc["view"] == "side" and doc["near_foot"] is None:
        problems.append(say("labels.problem.near_foot_missing"))
    if doc["view"] != "side" and doc["near_foot"] is not None:
        problems.append(say("labels.problem.near_foot_extra", view=doc["view"]))
    ranges = sorted((r["first"], r["last"]) for r in doc["steady_ranges"])
    for first, last in ranges:
        if not 0 <= first <= last < n:
            problems.append(say("labels.problem.range", first=first, last=last, n_frames=n))
    for (_, last), (first, _) in itertools.pairwise(ranges):
        if first <= last:
            problems.append(say("labels.problem.range_overlap", first=first, last=last))
    seen: set[tuple[str, str, int]] = set()
    for i, e in enumerate(doc["events"]):
        problems.extend(_event_problems(i, e, times, doc["labellers"]["pass2"] is None))
        key = (e["side"], e["kind"], e["frame"])
        if key in seen:
            problems.append(
                say("labels.problem.duplicate", side=e["side"], kind=e["kind"], frame=e["frame"])
            )
        seen.add(key)
    if not problems:
        problems.extend(_alternation_problems(doc["events"], ranges))
    return problems


def _event_problems(i: int, e: Mapping[str, Any], times: np.ndarray, no_pass2: bool) -> list[str]:
    n = times.shape[0]
    where = f"events/{i} ({e['side']} {e['kind']} at frame {e['frame']})"
    out = []
    for key in ("frame", "pass1", "pass2"):
        value = e[key]
        if value is not None and not 0 <= value < n:
            out.append(say("labels.problem.frame", where=where, field=key, value=value, last=n - 1))
    if out:
        return out
    prior = e["prior_frame"]
    if not 0 <= prior < e["frame"]:
        out.append(say("labels.problem.prior", where=where, prior=prior))
        return out
    expected = event_time_s(e["frame"], times, prior)
    if abs(e["time_s"] - expected) > TIME_TOLERANCE_S:
        out.append(say("labels.problem.time", where=where, time_s=e["time_s"], expected=expected))
    p1, p2, frame, how = e["pass1"], e["pass2"], e["frame"], e["settled_by"]
    consistent = {
        "pass1_only": p1 == frame and p2 is None,
        "agreement": p1 == frame and p2 == frame,
        "relook": p1 != p2,
        "pass2_only": p1 is None and p2 == frame,
    }[how]
    if not consistent:
        out.append(say("labels.problem.settled", where=where, settled_by=how))
    if no_pass2 and (p2 is not None or how not in ("pass1_only",)):
        out.append(say("labels.problem.no_pass2", where=where))
    if e["confidence"] == "hidden" and e["uncertainty_frames"] < 1:
        out.append(say("labels.problem.hidden", where=where))
    return out


def _alternation_problems(
    events: Sequence[Mapping[str, Any]], ranges: Sequence[tuple[int, int]]
) -> list[str]:
    out = []
    for first, last in ranges:
        for side in SIDES:
            mine = sorted(
                (e["frame"], e["kind"])
                for e in events
                if e["side"] == side and first <= e["frame"] <= last
            )
            for (f0, k0), (f1, k1) in itertools.pairwise(mine):
                if k0 == k1:
                    out.append(
                        say("labels.problem.alternation", side=side, kind=k0, first=f0, second=f1)
                    )
    return out


def labels_from_dict(doc: Mapping[str, Any]) -> EventLabels:
    """Build :class:`EventLabels` from a document already validated."""
    times = np.asarray(doc["frame_times_s"], dtype=float)
    ranges = tuple((int(r["first"]), int(r["last"])) for r in doc["steady_ranges"])
    events = tuple(
        LabelledEvent(
            side=e["side"],
            kind=e["kind"],
            frame=int(e["frame"]),
            time_s=float(e["time_s"]),
            pass1=e["pass1"],
            pass2=e["pass2"],
            settled_by=e["settled_by"],
            confidence=e["confidence"],
            uncertainty_frames=int(e["uncertainty_frames"]),
            note=e.get("note", ""),
            prior_frame=int(e["prior_frame"]),
        )
        for e in doc["events"]
    )
    return EventLabels(
        clip=doc["clip"],
        video_file=doc["video_file"],
        fps=float(doc["fps"]),
        frame_times_s=times,
        variable_frame_rate=bool(doc["variable_frame_rate"]),
        view=doc["view"],
        runner_faces=doc["runner_faces"],
        near_foot=doc["near_foot"],
        steady_ranges=ranges,
        labellers=dict(doc["labellers"]),
        events=tuple(sorted(events, key=lambda e: (e.frame, e.side, e.kind))),
        protocol_version=doc["protocol_version"],
        near_foot_how=doc.get("near_foot_how", ""),
        notes=doc.get("notes", ""),
        steady_notes=tuple(r.get("note", "") for r in doc["steady_ranges"]),
    )


def load_events(path: str | Path) -> EventLabels:
    """Read and validate a label file.

    Raises
    ------
    InputError
        One sentence naming the file and its first problem (and how many more there are) when
        the file is missing, not JSON, or breaks the format or the protocol's rules.
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(say("labels.error.missing", name=str(p))) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(say("labels.error.not_json", name=p.name, reason=str(exc))) from None
    if not isinstance(doc, dict):
        raise InputError(
            say("labels.error.not_json", name=p.name, reason=say("labels.problem.not_object"))
        )
    problems = validation_problems(doc)
    if problems:
        more = say("labels.error.more", count=len(problems) - 1) if len(problems) > 1 else ""
        raise InputError(say("labels.error.invalid", name=p.name, problem=problems[0], more=more))
    return labels_from_dict(doc)


def save_events(labels: EventLabels, path: str | Path) -> Path:
    """Validate and write a label file atomically.

    Raises
    ------
    ValueError
        When the labels break the format (a bug in the caller: nothing is written).
    """
    doc = labels.as_dict()
    problems = validation_problems(doc)
    if problems:
        raise ValueError("; ".join(problems))
    return write_json_atomic(path, doc)


# ---------------------------------------------------------------------------- agreement


def pass_agreement(labels: EventLabels) -> dict[str, Any]:
    """How well the two labelling passes agree, per foot (near/far or left/right) and overall.

    Only events inside the steady ranges that both passes labelled are compared; events one
    pass missed are counted apart.

    Returns
    -------
    dict
        Per group (``"all"`` and each foot): ``compared`` (events both passes labelled),
        ``equal`` and ``within_1_frame`` (shares of those, 0..1, None when nothing compared),
        ``mean_abs_diff_frames`` and ``only_one_pass`` (events only one pass labelled). Empty
        groups have ``compared = 0``. The dict is empty when pass 2 has not been done.
    """
    if labels.labellers.get("pass2") is None:
        return {}
    table = labels.table()
    table = table[table["steady"]]
    groups = {"all": table}
    for foot in sorted(table["foot"].unique()):
        groups[foot] = table[table["foot"] == foot]
    out: dict[str, Any] = {}
    for name, t in groups.items():
        both = t[t["pass1"].notna() & t["pass2"].notna()]
        diff = (both["pass1"].astype(float) - both["pass2"].astype(float)).abs()
        n = len(both)
        out[name] = {
            "compared": n,
            "equal": float((diff == 0).mean()) if n else None,
            "within_1_frame": float((diff <= 1).mean()) if n else None,
            "mean_abs_diff_frames": float(diff.mean()) if n else None,
            "only_one_pass": int(len(t) - n),
        }
    return out


# ---------------------------------------------------------------------------- building a file

#: Columns of a pass's event CSV (the last three optional).
CSV_COLUMNS: tuple[str, ...] = (
    "side",
    "kind",
    "frame",
    "prior_frame",
    "confidence",
    "uncertainty_frames",
    "note",
)


def read_event_rows(path: str | Path) -> list[dict[str, Any]]:
    """One labelling pass's events from a CSV with columns :data:`CSV_COLUMNS`.

    ``prior_frame`` defaults to ``frame - 1``, ``confidence`` to ``clear``,
    ``uncertainty_frames`` to 0 (1 for ``hidden``), ``note`` to empty. Lines starting with
    ``#`` are comments.

    Raises
    ------
    InputError
        When the file is missing or a row is not a side, kind and frame.
    """
    import csv

    p = Path(path)
    if not p.is_file():
        raise InputError(say("labels.error.missing", name=str(p)))
    with open(p, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    rows = []
    for i, row in enumerate(csv.DictReader(lines), start=1):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        try:
            side, kind, frame = row["side"], row["kind"], int(row["frame"])
        except (KeyError, ValueError):
            raise InputError(say("labels.error.csv_row", name=p.name, row=i)) from None
        confidence = row.get("confidence") or "clear"
        unc = row.get("uncertainty_frames") or ("1" if confidence == "hidden" else "0")
        if side not in SIDES or kind not in KINDS or confidence not in CONFIDENCES:
            raise InputError(say("labels.error.csv_row", name=p.name, row=i))
        try:
            uncertainty = int(unc)
            prior = int(row.get("prior_frame") or frame - 1)
        except ValueError:
            raise InputError(say("labels.error.csv_row", name=p.name, row=i)) from None
        rows.append(
            {
                "side": side,
                "kind": kind,
                "frame": frame,
                "confidence": confidence,
                "uncertainty_frames": uncertainty,
                "prior_frame": prior,
                "note": row.get("note", ""),
            }
        )
    return rows


def _row_time_s(row: Mapping[str, Any], times: np.ndarray) -> float:
    frame = int(row["frame"])
    prior = row.get("prior_frame")
    prior = frame - 1 if prior is None else int(prior)
    if not (0 <= frame < len(times) and prior < frame and prior < len(times)):
        return float("nan")  # the validator names the problem
    return event_time_s(frame, times, prior)


def single_pass_labels(
    rows: Sequence[Mapping[str, Any]],
    *,
    clip: str,
    video_file: str,
    fps: float,
    frame_times_s: np.ndarray,
    variable_frame_rate: bool,
    view: str,
    runner_faces: str,
    near_foot: str | None,
    steady_ranges: Sequence[tuple[int, int]],
    labeller: str,
    near_foot_how: str = "",
    notes: str = "",
    steady_notes: Sequence[str] = (),
) -> EventLabels:
    """Labels of one pass (stored as pass 1, ``settled_by = "pass1_only"``); a blind second
    pass is stored the same way in a file of its own and merged later."""
    times = np.asarray(frame_times_s, dtype=float)
    events = tuple(
        LabelledEvent(
            side=r["side"],
            kind=r["kind"],
            frame=int(r["frame"]),
            time_s=_row_time_s(r, times),
            pass1=int(r["frame"]),
            pass2=None,
            settled_by="pass1_only",
            confidence=r.get("confidence", "clear"),
            uncertainty_frames=int(r.get("uncertainty_frames", 0)),
            note=r.get("note", ""),
            prior_frame=r.get("prior_frame"),
        )
        for r in rows
    )
    return EventLabels(
        clip=clip,
        video_file=video_file,
        fps=float(fps),
        frame_times_s=times,
        variable_frame_rate=bool(variable_frame_rate),
        view=view,
        runner_faces=runner_faces,
        near_foot=near_foot,
        steady_ranges=tuple((int(a), int(b)) for a, b in steady_ranges),
        labellers={"pass1": labeller, "pass2": None},
        events=tuple(sorted(events, key=lambda e: (e.frame, e.side, e.kind))),
        near_foot_how=near_foot_how,
        notes=notes,
        steady_notes=tuple(steady_notes),
    )


# ---------------------------------------------------------------------------- two passes

#: Largest distance (frames) between the two passes' frames of one event.
PAIR_WINDOW_FRAMES = 4


@dataclasses.dataclass(frozen=True)
class PassPair:
    """One event as two labelling passes saw it (either may be missing)."""

    side: str
    kind: str
    first: LabelledEvent | None
    second: LabelledEvent | None

    @property
    def agree(self) -> bool:
        """Both passes gave the same frame."""
        return (
            self.first is not None
            and self.second is not None
            and self.first.frame == self.second.frame
        )

    @property
    def key(self) -> tuple[str, str, int | None, int | None]:
        """``(side, kind, pass-1 frame, pass-2 frame)``."""
        return (
            self.side,
            self.kind,
            None if self.first is None else self.first.frame,
            None if self.second is None else self.second.frame,
        )


def pair_passes(
    first: EventLabels, second: EventLabels, *, window_frames: int = PAIR_WINDOW_FRAMES
) -> list[PassPair]:
    """Pair the events of two single-pass label sets of one clip, per foot and kind, one to one,
    nearest first (within ``window_frames``); unpaired events come alone. Sorted by frame."""
    pairs: list[PassPair] = []
    for side in SIDES:
        for kind in KINDS:
            a = [e for e in first.events if e.side == side and e.kind == kind]
            b = [e for e in second.events if e.side == side and e.kind == kind]
            cand = sorted(
                (abs(x.frame - y.frame), i, j)
                for i, x in enumerate(a)
                for j, y in enumerate(b)
                if abs(x.frame - y.frame) <= window_frames
            )
            used_a: set[int] = set()
            used_b: set[int] = set()
            for _, i, j in cand:
                if i not in used_a and j not in used_b:
                    used_a.add(i)
                    used_b.add(j)
                    pairs.append(PassPair(side, kind, a[i], b[j]))
            pairs += [PassPair(side, kind, x, None) for i, x in enumerate(a) if i not in used_a]
            pairs += [PassPair(side, kind, None, y) for j, y in enumerate(b) if j not in used_b]
    return sorted(pairs, key=lambda p: min(e.frame for e in (p.first, p.second) if e))


@dataclasses.dataclass(frozen=True)
class Settlement:
    """How a disagreement was settled after looking again at both candidate frames."""

    frame: int | None  # None: the event is not there (both passes' candidates rejected)
    prior_frame: int | None = None
    confidence: str | None = None
    uncertainty_frames: int | None = None
    note: str = ""


def merge_passes(
    first: EventLabels,
    second: EventLabels,
    settled: Mapping[tuple[str, str, int | None, int | None], Settlement],
    *,
    window_frames: int = PAIR_WINDOW_FRAMES,
) -> EventLabels:
    """One label file from two blind passes: equal frames are kept (``agreement``), every other
    event takes its settled frame (``relook``, or ``pass2_only`` when only pass 2 had it and it
    stands). Both passes' frames are kept.

    Raises
    ------
    KeyError
        Naming the pairs without a settlement.
    """
    merged: list[LabelledEvent] = []
    pending = []
    for p in pair_passes(first, second, window_frames=window_frames):
        base = p.first or p.second
        assert base is not None
        p1 = None if p.first is None else p.first.frame
        p2 = None if p.second is None else p.second.frame
        if p.agree:
            merged.append(dataclasses.replace(base, pass1=p1, pass2=p2, settled_by="agreement"))
            continue
        s = settled.get(p.key)
        if s is None:
            pending.append(p.key)
            continue
        if s.frame is None:
            continue
        how = "pass2_only" if p1 is None and s.frame == p2 else "relook"
        note = "; ".join(x for x in (base.note, s.note) if x)
        merged.append(
            dataclasses.replace(
                base,
                frame=s.frame,
                prior_frame=s.prior_frame,
                time_s=event_time_s(s.frame, first.frame_times_s, s.prior_frame),
                pass1=p1,
                pass2=p2,
                settled_by=how,
                confidence=s.confidence or base.confidence,
                uncertainty_frames=base.uncertainty_frames
                if s.uncertainty_frames is None
                else s.uncertainty_frames,
                note=note,
            )
        )
    if pending:
        raise KeyError(f"no settlement for {pending}")
    return dataclasses.replace(
        first,
        labellers={"pass1": first.labellers["pass1"], "pass2": second.labellers["pass1"]},
        events=tuple(sorted(merged, key=lambda e: (e.frame, e.side, e.kind))),
    )
