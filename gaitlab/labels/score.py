"""Detected gait events scored against hand labels.

All comparisons are made on the clip's frame axis (:func:`gaitlab.labels.events.frame_position`),
so a variable frame rate is honoured and errors read in frames. A label's position is midway
between its ``prior_frame`` and its ``frame`` (usually ``frame - 0.5``: the event happened
between the last frame of the old state and the first of the new); a detection's is where its
time falls between the frames' timestamps.

Matching is per foot and kind, one to one: every pair of a labelled and a detected event closer
than ``window_frames`` is a candidate, and pairs are taken nearest first. Only labels inside the
steady-running ranges are scored. A detection inside the ranges that matches no label is a false
detection (``swapped`` when it would have matched an unmatched label of the other foot); one
outside the ranges is ignored.

Functions are pure: tables in, tables and dicts out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from gaitlab.events import columns as C
from gaitlab.labels.events import KINDS, SIDES, EventLabels, frame_position

#: Largest distance (frames) between a label and the detection matched to it. Beyond it the
#: detection is not that event (a miss and a false detection).
DEFAULT_WINDOW_FRAMES: float = 5.0

#: Rounding allowance of "within n frames" (timestamps are stored to a microsecond).
EPS_FRAMES: float = 1e-3

#: Columns of :func:`detected_events`.
DETECTED_COLUMNS: tuple[str, ...] = (
    "side",
    "kind",
    "time_s",
    "position_frames",
    "contact",
    "usable",
)
#: Columns of :func:`match_events`.
MATCH_COLUMNS: tuple[str, ...] = (
    "side",
    "kind",
    "foot",
    "status",
    "label_frame",
    "label_position",
    "detected_position",
    "error_frames",
    "contact",
    "confidence",
    "swapped",
)


def detected_events(contacts: pd.DataFrame, frame_times_s: np.ndarray) -> pd.DataFrame:
    """The events of a contact table, one row per strike or toe-off.

    Parameters
    ----------
    contacts
        :func:`gaitlab.events.detect.detect_contacts` output (or any table with its
        ``side``, ``foot_strike_s``, ``toe_off_s`` and ``usable`` columns).
    frame_times_s
        The clip's frame timestamps.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DETECTED_COLUMNS`; ``contact`` is the row of ``contacts`` the event comes
        from. Events without a time (a toe-off after the clip's end) are left out.
    """
    rows = []
    for i, row in enumerate(contacts.itertuples(index=False)):
        d = row._asdict()
        for kind, col in (("strike", C.FOOT_STRIKE_S), ("toe_off", C.TOE_OFF_S)):
            t = d.get(col)
            if t is None or not np.isfinite(t):
                continue
            rows.append(
                {
                    "side": d[C.SIDE],
                    "kind": kind,
                    "time_s": float(t),
                    "contact": i,
                    "usable": bool(d.get(C.USABLE, True)),
                }
            )
    table = pd.DataFrame(rows, columns=[c for c in DETECTED_COLUMNS if c != "position_frames"])
    table.insert(3, "position_frames", frame_position(table["time_s"].to_numpy(), frame_times_s))
    return table.astype({"contact": int, "usable": bool})


def match_events(
    labels: EventLabels, detected: pd.DataFrame, *, window_frames: float = DEFAULT_WINDOW_FRAMES
) -> pd.DataFrame:
    """Pair labelled and detected events one to one, per foot and kind, nearest first.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MATCH_COLUMNS`, one row per scored label (``status`` ``"matched"`` or
        ``"missed"``) and per unmatched detection (``"false"`` inside the steady ranges,
        ``"outside"`` beyond them). ``error_frames`` is detected minus labelled position.
    """
    table = labels.table()
    scored = table[table["steady"]].reset_index(drop=True)
    det = detected.reset_index(drop=True)
    used_label: set[int] = set()
    used_det: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for side in SIDES:
        for kind in KINDS:
            li = scored.index[(scored["side"] == side) & (scored["kind"] == kind)]
            di = det.index[(det["side"] == side) & (det["kind"] == kind)]
            cand = [
                (abs(det.at[d, "position_frames"] - scored.at[lab, "position_frames"]), lab, d)
                for lab in li
                for d in di
                if abs(det.at[d, "position_frames"] - scored.at[lab, "position_frames"])
                <= window_frames
            ]
            for _, lab, d in sorted(cand):
                if lab not in used_label and d not in used_det:
                    used_label.add(lab)
                    used_det.add(d)
                    pairs.append((lab, d))
    rows = []
    matched_det = dict((lab, d) for lab, d in pairs)
    for lab in scored.index:
        e = scored.loc[lab]
        d = matched_det.get(lab)
        rows.append(
            {
                "side": e["side"],
                "kind": e["kind"],
                "foot": e["foot"],
                "status": "matched" if d is not None else "missed",
                "label_frame": int(e["frame"]),
                "label_position": float(e["position_frames"]),
                "detected_position": float(det.at[d, "position_frames"])
                if d is not None
                else np.nan,
                "error_frames": float(det.at[d, "position_frames"] - e["position_frames"])
                if d is not None
                else np.nan,
                "contact": int(det.at[d, "contact"]) if d is not None else -1,
                "confidence": e["confidence"],
                "swapped": False,
            }
        )
    missed = scored.loc[[lab for lab in scored.index if lab not in used_label]]
    for d in det.index:
        if d in used_det:
            continue
        pos = float(det.at[d, "position_frames"])
        inside = bool(labels.in_steady(pos))
        other = missed[
            (missed["side"] != det.at[d, "side"]) & (missed["kind"] == det.at[d, "kind"])
        ]
        swapped = bool(inside and (np.abs(other["position_frames"] - pos) <= window_frames).any())
        rows.append(
            {
                "side": det.at[d, "side"],
                "kind": det.at[d, "kind"],
                "foot": labels.foot(det.at[d, "side"]),
                "status": "false" if inside else "outside",
                "label_frame": -1,
                "label_position": np.nan,
                "detected_position": pos,
                "error_frames": np.nan,
                "contact": int(det.at[d, "contact"]),
                "confidence": "",
                "swapped": swapped,
            }
        )
    return pd.DataFrame(rows, columns=list(MATCH_COLUMNS))


def summarize(matches: pd.DataFrame) -> dict[str, Any]:
    """Accuracy figures of a (subset of a) match table.

    Returns
    -------
    dict
        ``labelled`` (scored labels), ``detected`` (detections inside the steady ranges),
        ``matched``, ``within_1_frame`` and ``within_2_frames`` (shares of the labels, 0..1;
        None without labels), ``mean_error_frames`` (signed bias, detected minus labelled) and
        ``mean_abs_error_frames`` over matched events (None without), ``missed``, ``false`` and
        ``swapped`` (false detections that sit on an unmatched label of the other foot).
    """
    lab = matches[matches["status"].isin(["matched", "missed"])]
    hit = matches[matches["status"] == "matched"]
    false = matches[matches["status"] == "false"]
    err = hit["error_frames"].to_numpy(dtype=float)
    n = len(lab)
    return {
        "labelled": n,
        "detected": len(hit) + len(false),
        "matched": len(hit),
        "within_1_frame": float((np.abs(err) <= 1.0 + EPS_FRAMES).sum() / n) if n else None,
        "within_2_frames": float((np.abs(err) <= 2.0 + EPS_FRAMES).sum() / n) if n else None,
        "mean_error_frames": float(err.mean()) if err.size else None,
        "mean_abs_error_frames": float(np.abs(err).mean()) if err.size else None,
        "missed": int((lab["status"] == "missed").sum()),
        "false": len(false),
        "swapped": int(false["swapped"].sum()),
    }


def event_scores(matches: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """:func:`summarize` overall, per foot, per kind and per foot and kind."""
    out = {"all": summarize(matches)}
    for foot in sorted(matches["foot"].unique()):
        out[foot] = summarize(matches[matches["foot"] == foot])
    for kind in KINDS:
        out[kind] = summarize(matches[matches["kind"] == kind])
        for foot in sorted(matches["foot"].unique()):
            sub = matches[(matches["foot"] == foot) & (matches["kind"] == kind)]
            out[f"{foot}/{kind}"] = summarize(sub)
    return out


def labelled_contacts(labels: EventLabels) -> pd.DataFrame:
    """Each labelled contact: a strike and the same foot's next event, a toe-off, both scored.

    Returns
    -------
    pandas.DataFrame
        ``side``, ``foot``, ``strike_frame``, ``toe_off_frame`` and ``contact_time_s`` (between
        the two events' times).
    """
    table = labels.table()
    table = table[table["steady"]]
    rows = []
    for side in SIDES:
        mine = table[table["side"] == side].sort_values("frame")
        for a, b in zip(mine.itertuples(), mine.iloc[1:].itertuples(), strict=False):
            if a.kind == "strike" and b.kind == "toe_off":
                rows.append(
                    {
                        "side": side,
                        "foot": labels.foot(side),
                        "strike_frame": a.frame,
                        "toe_off_frame": b.frame,
                        "contact_time_s": b.time_s - a.time_s,
                    }
                )
    return pd.DataFrame(
        rows, columns=["side", "foot", "strike_frame", "toe_off_frame", "contact_time_s"]
    )


def contact_time_errors(
    labels: EventLabels, detected: pd.DataFrame, matches: pd.DataFrame
) -> pd.DataFrame:
    """Contact time of each labelled contact against the detected one.

    A labelled contact is compared when its strike and toe-off were both matched, to events of
    the same detected contact.

    Returns
    -------
    pandas.DataFrame
        :func:`labelled_contacts` plus ``detected_contact_time_s`` (NaN when not compared) and
        ``error_ms``.
    """
    contacts = labelled_contacts(labels)
    hit = matches[matches["status"] == "matched"].set_index(["side", "kind", "label_frame"])
    times = detected.groupby(["contact", "kind"])["time_s"].first()
    det_ct, err = [], []
    for c in contacts.itertuples():
        try:
            s = hit.loc[(c.side, "strike", c.strike_frame)]
            t = hit.loc[(c.side, "toe_off", c.toe_off_frame)]
        except KeyError:
            det_ct.append(np.nan)
            err.append(np.nan)
            continue
        if int(s["contact"]) != int(t["contact"]):
            det_ct.append(np.nan)
            err.append(np.nan)
            continue
        k = int(s["contact"])
        ct = float(times.loc[(k, "toe_off")] - times.loc[(k, "strike")])
        det_ct.append(ct)
        err.append(1000.0 * (ct - c.contact_time_s))
    return contacts.assign(detected_contact_time_s=det_ct, error_ms=err)


def contact_time_summary(errors: pd.DataFrame, fps: float) -> dict[str, Any]:
    """Mean labelled contact time and the detected one's error, in ms and frames."""
    e = errors["error_ms"].dropna().to_numpy(dtype=float)
    return {
        "labelled_contacts": len(errors),
        "compared": int(e.size),
        "labelled_mean_ms": float(1000 * errors["contact_time_s"].mean()) if len(errors) else None,
        "mean_error_ms": float(e.mean()) if e.size else None,
        "mean_abs_error_ms": float(np.abs(e).mean()) if e.size else None,
        "mean_error_frames": float(e.mean() * fps / 1000) if e.size else None,
        "mean_abs_error_frames": float(np.abs(e).mean() * fps / 1000) if e.size else None,
    }


def cadence_spm(strike_times_s: Sequence[float], ranges_s: Sequence[tuple[float, float]]) -> float:
    """Steps per minute from foot strikes of both feet, over the given time ranges.

    Within each range the strikes are sorted and counted as ``n - 1`` steps over the time from
    the first to the last; ranges are pooled. NaN with fewer than two strikes in every range.
    """
    t = np.sort(np.asarray(strike_times_s, dtype=float))
    steps, span = 0, 0.0
    for lo, hi in ranges_s:
        inside = t[(t >= lo) & (t <= hi)]
        if inside.size >= 2:
            steps += inside.size - 1
            span += float(inside[-1] - inside[0])
    return 60.0 * steps / span if span > 0 else float("nan")


def steady_ranges_s(labels: EventLabels) -> list[tuple[float, float]]:
    """The steady ranges as times: from half a frame before the first frame to half after the
    last."""
    t = labels.frame_times_s
    pos = np.array([[a - 0.5, b + 0.5] for a, b in labels.steady_ranges], dtype=float)
    times = np.interp(pos, np.arange(t.shape[0]), t, left=np.nan, right=np.nan)
    dt = float(np.median(np.diff(t)))
    out = []
    for (a, b), (ta, tb) in zip(labels.steady_ranges, times, strict=True):
        ta = ta if np.isfinite(ta) else float(t[a]) - dt / 2
        tb = tb if np.isfinite(tb) else float(t[b]) + dt / 2
        out.append((ta, tb))
    return out


def cadence_scores(
    labels: EventLabels, detected: pd.DataFrame, reported_spm: float | None = None
) -> dict[str, Any]:
    """Cadence from the labels, from the detected strikes, and as the pipeline reported it."""
    table = labels.table()
    ranges = steady_ranges_s(labels)
    lab = cadence_spm(table.loc[table["kind"] == "strike", "time_s"], ranges)
    det = cadence_spm(detected.loc[detected["kind"] == "strike", "time_s"], ranges)

    def pct(x: float | None) -> float | None:
        if x is None or not np.isfinite(x) or not np.isfinite(lab):
            return None
        return float(100.0 * (x - lab) / lab)

    rep = None if reported_spm is None or not np.isfinite(reported_spm) else float(reported_spm)
    return {
        "labels_spm": float(lab) if np.isfinite(lab) else None,
        "detected_spm": float(det) if np.isfinite(det) else None,
        "detected_error_pct": pct(det),
        "reported_spm": rep,
        "reported_error_pct": pct(rep),
    }


def stride_scores(
    labels: EventLabels,
    strides: pd.DataFrame | None,
    *,
    window_frames: float = DEFAULT_WINDOW_FRAMES,
) -> dict[str, Any]:
    """Labelled strides of steady running against the pipeline's usable strides.

    A labelled stride runs from a scored strike to the same foot's next scored strike (both in
    one steady range). A usable detected stride counts as a labelled one when both its strikes
    lie within ``window_frames`` of that stride's strikes.

    Returns
    -------
    dict
        ``labelled`` (total and per foot), ``usable_detected`` (usable strides starting in a
        steady range), ``usable_matching_labels`` and ``share_usable`` (matching / labelled).
    """
    table = labels.table()
    table = table[table["steady"] & (table["kind"] == "strike")]
    lab_strides = []
    for side in SIDES:
        mine = table[table["side"] == side].sort_values("frame")
        for a, b in zip(mine.itertuples(), mine.iloc[1:].itertuples(), strict=False):
            same_range = any(
                lo <= a.frame <= hi and lo <= b.frame <= hi for lo, hi in labels.steady_ranges
            )
            if same_range:
                lab_strides.append((side, a.position_frames, b.position_frames))
    per_foot: dict[str, int] = {}
    for side, _, _ in lab_strides:
        per_foot[labels.foot(side)] = per_foot.get(labels.foot(side), 0) + 1
    out: dict[str, Any] = {"labelled": len(lab_strides), "labelled_per_foot": per_foot}
    if strides is None or not len(strides):
        out.update(
            usable_detected=0, usable_matching_labels=0, share_usable=0.0 if lab_strides else None
        )
        return out
    usable = strides[strides[C.USABLE].astype(bool)]
    start = frame_position(usable[C.START_S].to_numpy(dtype=float), labels.frame_times_s)
    end = frame_position(usable[C.END_S].to_numpy(dtype=float), labels.frame_times_s)
    inside = labels.in_steady(start)
    matching = 0
    taken: set[int] = set()
    for side, a, b in lab_strides:
        for k, (s, e, sd) in enumerate(zip(start, end, usable[C.SIDE], strict=True)):
            if k in taken or sd != side:
                continue
            if abs(s - a) <= window_frames and abs(e - b) <= window_frames:
                taken.add(k)
                matching += 1
                break
    out.update(
        usable_detected=int(inside.sum()),
        usable_matching_labels=matching,
        share_usable=float(matching / len(lab_strides)) if lab_strides else None,
    )
    return out


def score_clip(
    labels: EventLabels,
    contacts: pd.DataFrame,
    strides: pd.DataFrame | None = None,
    *,
    reported_cadence_spm: float | None = None,
    window_frames: float = DEFAULT_WINDOW_FRAMES,
) -> dict[str, Any]:
    """Every score of one clip: events, contact times, cadence and strides.

    Parameters
    ----------
    labels
        The clip's labels.
    contacts
        The detector's contact table (:func:`gaitlab.events.detect.detect_contacts`).
    strides
        The stride table (:func:`gaitlab.events.strides.stride_table`), for the usable strides.
    reported_cadence_spm
        The cadence the pipeline reported (``metrics.cadence_spm``), if any.
    window_frames
        Matching window.
    """
    detected = detected_events(contacts, labels.frame_times_s)
    matches = match_events(labels, detected, window_frames=window_frames)
    errors = contact_time_errors(labels, detected, matches)
    contact_by_foot = {"all": contact_time_summary(errors, labels.fps)}
    for foot in sorted(errors["foot"].unique()):
        contact_by_foot[foot] = contact_time_summary(errors[errors["foot"] == foot], labels.fps)
    return {
        "clip": labels.clip,
        "view": labels.view,
        "fps": labels.fps,
        "near_foot": labels.near_foot,
        "window_frames": window_frames,
        "events": event_scores(matches),
        "contact_time": contact_by_foot,
        "cadence": cadence_scores(labels, detected, reported_cadence_spm),
        "strides": stride_scores(labels, strides, window_frames=window_frames),
    }


def matches_as_records(matches: pd.DataFrame) -> list[Mapping[str, Any]]:
    """The match table as JSON-ready records (NaN as None)."""
    clean = matches.astype(object).where(pd.notna(matches), None)
    return clean.to_dict(orient="records")
