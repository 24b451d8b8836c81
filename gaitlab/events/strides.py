"""The stride table: one row per stride of one side, with its events, durations and quality.

A stride of a side runs from a foot strike of that foot to its next foot strike. Inside it lie
the foot's toe-off (ending its contact) and the other foot's strike (ending this foot's step).
Columns are the constants of :mod:`gaitlab.events.columns`.

Plausibility (running, flagged outside): step time 0.25-0.5 s (120-240 steps/min), stride
time 0.5-1.0 s, contact time 0.08-0.45 s. Strides whose foot landmarks are missing in some
frame (a gap too long to fill) are flagged ``gap``; a stride outside the analysed time range
``outside_range``. Only strides with quality ``ok`` count in the metrics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gaitlab.events import columns as C
from gaitlab.pose.landmarks import SIDES, side_index
from gaitlab.pose.tracks import PoseTracks

#: Plausible step time of running (s): 120-240 steps per minute.
STEP_TIME_RANGE_S: tuple[float, float] = (0.25, 0.5)
#: Plausible stride time of running (s).
STRIDE_TIME_RANGE_S: tuple[float, float] = (0.5, 1.0)

_FOOT_PARTS = ("ankle", "heel", "foot_index")


def stride_table(
    contacts: pd.DataFrame,
    tracks: PoseTracks,
    *,
    step_time_range_s: tuple[float, float] = STEP_TIME_RANGE_S,
    stride_time_range_s: tuple[float, float] = STRIDE_TIME_RANGE_S,
    time_range_s: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Build the stride table from the contacts of both feet.

    Parameters
    ----------
    contacts
        Output of :func:`gaitlab.events.detect.detect_contacts`.
    tracks
        The tracks the contacts come from (to find frames where the foot is missing).
    step_time_range_s, stride_time_range_s
        Plausible ranges; values outside are flagged.
    time_range_s
        Analysed part of the clip (start, end) in seconds; strides reaching outside are flagged
        ``outside_range``. None analyses the whole clip.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`gaitlab.events.columns.STRIDE_COLUMNS`, sorted by start time.
    """
    rows = []
    strikes = {
        side: contacts[(contacts[C.SIDE] == side) & np.isfinite(contacts[C.FOOT_STRIKE_S])]
        for side in SIDES
    }
    for side in SIDES:
        other = "right" if side == "left" else "left"
        own = strikes[side].sort_values(C.FOOT_STRIKE_S)
        other_times = strikes[other][C.FOOT_STRIKE_S].to_numpy()
        other_flags = strikes[other][C.QUALITY].to_numpy()
        missing = _foot_missing(tracks, side)
        for (_, first), (_, second) in zip(
            own.iloc[:-1].iterrows(), own.iloc[1:].iterrows(), strict=True
        ):
            rows.append(
                _stride_row(
                    side,
                    first,
                    second,
                    other_times,
                    other_flags,
                    missing,
                    step_time_range_s=step_time_range_s,
                    stride_time_range_s=stride_time_range_s,
                    time_range_s=time_range_s,
                )
            )
    table = pd.DataFrame(rows, columns=list(C.STRIDE_COLUMNS))
    table = table.astype(
        {
            C.START_FRAME: "Int64",
            C.END_FRAME: "Int64",
            C.FOOT_STRIKE_FRAME: "Int64",
            C.TOE_OFF_FRAME: "Int64",
            C.USABLE: bool,
        }
    )
    return table.sort_values(C.START_S, kind="stable").reset_index(drop=True)


def _stride_row(
    side: str,
    first: pd.Series,
    second: pd.Series,
    other_times: np.ndarray,
    other_flags: np.ndarray,
    missing: np.ndarray,
    *,
    step_time_range_s: tuple[float, float],
    stride_time_range_s: tuple[float, float],
    time_range_s: tuple[float, float] | None,
) -> dict:
    start, end = float(first[C.FOOT_STRIKE_S]), float(second[C.FOOT_STRIKE_S])
    toe_off = float(first[C.TOE_OFF_S])
    stride_s = end - start
    contact_s = toe_off - start
    inside = np.flatnonzero((other_times > start) & (other_times < end))
    opposite = float(other_times[inside[0]]) if inside.size else float("nan")
    flags = [f for f in str(first[C.QUALITY]).split(";") if f != C.QUALITY_OK]
    if C.FLAG_GAP in str(second[C.QUALITY]).split(";"):
        flags.append(C.FLAG_GAP)  # the stride's end (next strike) is not reliable
    start_frame, end_frame = int(first[C.FOOT_STRIKE_FRAME]), int(second[C.FOOT_STRIKE_FRAME])
    if missing[start_frame : end_frame + 1].any():
        flags.append(C.FLAG_GAP)
    if not stride_time_range_s[0] <= stride_s <= stride_time_range_s[1]:
        flags.append(C.FLAG_STRIDE_TIME)
    step_s = opposite - start
    if (
        inside.size != 1
        or not step_time_range_s[0] <= step_s <= step_time_range_s[1]
        or C.FLAG_GAP in str(other_flags[inside[0]]).split(";")
    ):
        flags.append(C.FLAG_STEP_TIME)
    if time_range_s is not None and (start < time_range_s[0] or end > time_range_s[1]):
        flags.append(C.FLAG_OUTSIDE)
    flags = list(dict.fromkeys(flags))
    return {
        C.SIDE: side,
        C.START_S: start,
        C.END_S: end,
        C.START_FRAME: start_frame,
        C.END_FRAME: end_frame,
        C.FOOT_STRIKE_S: start,
        C.TOE_OFF_S: toe_off,
        C.FOOT_STRIKE_FRAME: start_frame,
        C.TOE_OFF_FRAME: first[C.TOE_OFF_FRAME],
        C.OPPOSITE_FOOT_STRIKE_S: opposite,
        C.STRIDE_TIME_S: stride_s,
        C.CONTACT_TIME_S: contact_s,
        C.STEP_TIME_S: step_s,
        C.FLIGHT_TIME_S: opposite - toe_off,
        C.DUTY_FACTOR: contact_s / stride_s,
        C.QUALITY: ";".join(flags) if flags else C.QUALITY_OK,
        C.USABLE: not flags,
    }


def _foot_missing(tracks: PoseTracks, side: str) -> np.ndarray:
    """``(T,)`` True where any of the foot's landmarks is missing."""
    idx = [side_index(side, part) for part in _FOOT_PARTS]
    return np.isnan(tracks.image_xy_px[:, idx, 0]).any(axis=1)


#: Stride-table columns holding times (seconds) and frame indices, moved by :func:`shift_strides`.
TIME_COLUMNS: tuple[str, ...] = (
    C.FOOT_STRIKE_S, C.TOE_OFF_S, C.START_S, C.END_S, C.OPPOSITE_FOOT_STRIKE_S,
)  # fmt: skip
FRAME_COLUMNS: tuple[str, ...] = (
    C.FOOT_STRIKE_FRAME, C.TOE_OFF_FRAME, C.START_FRAME, C.END_FRAME,
)  # fmt: skip


def shift_strides(table: pd.DataFrame, *, time_s: float, frames: int) -> pd.DataFrame:
    """A copy of a stride table with every time moved by ``time_s`` and frame by ``frames``.

    Used to join the strides of several clips (:func:`gaitlab.signals.concat.concat_tracks`).
    """
    out = table.copy()
    for col in TIME_COLUMNS:
        if col in out:
            out[col] = out[col] + time_s
    for col in FRAME_COLUMNS:
        if col in out:
            out[col] = out[col] + frames
    return out
