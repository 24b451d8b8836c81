"""Landmarks in, strides out: the one way strides are found and counted.

``gaitlab analyze`` (:func:`gaitlab.api.analyze_pose`) and ``gaitlab check`` (on a short burst
of frames) both call :func:`find_strides`, so that a clip ``check`` calls usable gives the
strides ``analyze`` finds: the view (unless given), cleaning with the ``[signals]`` settings,
the contacts (:func:`gaitlab.events.detect.detect_contacts`) and the stride table
(:func:`gaitlab.events.strides.stride_table`), restricted to the stretch of the clip that shows
the runner when the view found one.

>>> strides = find_strides(tracks)                        # doctest: +SKIP
>>> strides.usable_per_side()                             # doctest: +SKIP
{'left': 15, 'right': 16}
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from gaitlab.config import Settings, load_defaults
from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import STRIDE_TIME_RANGE_S, stride_table
from gaitlab.pose.landmarks import SIDES
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.clean import CleanResult, clean
from gaitlab.signals.runs import true_runs
from gaitlab.signals.view import ViewEstimate, classify_view
from gaitlab.words import say


@dataclasses.dataclass(frozen=True)
class Strides:
    """What :func:`find_strides` found.

    Attributes
    ----------
    view
        The camera view the strides were found for.
    cleaned
        The cleaned tracks and the cleaning report.
    contacts
        The contact table (one row per foot contact).
    table
        The stride table (one row per stride of one side).
    range_s
        The part of the clip analysed (start, end) in seconds, or None for the whole clip.
    """

    view: ViewEstimate
    cleaned: CleanResult
    contacts: pd.DataFrame
    table: pd.DataFrame
    range_s: tuple[float, float] | None

    def usable_per_side(self) -> dict[str, int]:
        """Usable strides of each side (the count the findings and checks need)."""
        usable = self.table[self.table[C.USABLE]] if len(self.table) else self.table
        return {side: int((usable[C.SIDE] == side).sum()) for side in SIDES}


def find_strides(
    tracks: PoseTracks,
    *,
    view: ViewEstimate | None = None,
    settings: Settings | None = None,
    start_s: float | None = None,
) -> Strides:
    """Find the strides of a clip (or of a burst of its frames) from its raw landmarks.

    Parameters
    ----------
    tracks
        Raw landmark tracks from the pose stage (a whole clip or a burst of frames).
    view
        The view, if already classified; None classifies it here.
    settings
        The ``[signals]`` and ``[events]`` sections are used; None for the shipped defaults.
    start_s
        Strides starting before this time are left out (a standing-still phase at the start
        of the clip); None: none are.
    """
    cfg = settings if settings is not None else load_defaults()
    view = view if view is not None else classify_view(tracks)
    cleaned = clean(tracks, cfg.signals, view=view.label if view.label != "unsuitable" else None)
    contacts = detect_contacts(cleaned.tracks, view=view, settings=cfg.events)
    range_s = analysed_range_s(tracks, view)
    if start_s is not None and tracks.n_frames:
        first_s, last_s = range_s if range_s is not None else (start_s, float(tracks.time_s[-1]))
        range_s = (max(first_s, start_s), last_s + 1.0)
    table = stride_table(contacts, cleaned.tracks, time_range_s=range_s)
    return Strides(view, cleaned, contacts, table, range_s)


#: A clip has changed playback speed when at least this many consecutive strides are longer
#: than a running stride can be (``STRIDE_TIME_RANGE_S``) while others are not, and the long
#: ones last this factor longer than the normal ones.
SPEED_CHANGE_MIN_RUN: int = 3
SPEED_CHANGE_RATIO: float = 1.6
#: A clip whose runner is in view for less than this (s) is too short to give enough strides.
MIN_STRETCH_FOR_STRIDES_S: float = 6.0
#: Held pictures: the landmarks move in one frame of every ``k`` (2-4) at least this many times
#: as much (median step) as in the other frames. Measured: 7.5 at k = 3 on side_track_far.mp4
#: (a 3x slow motion made by repeating pictures); at most 1.2 on the other labelled real clips
#: and 1.4 on 27 rendered clips (25-120 fps).
HELD_PICTURE_RATIO: float = 3.0


def shortfall_cause(table: pd.DataFrame, tracks: PoseTracks, view: ViewEstimate) -> str | None:
    """Why a clip gave too few usable strides, when the strides show it (a catalogue sentence
    naming the cause and how to film instead), else None.

    * a run of :data:`SPEED_CHANGE_MIN_RUN` or more consecutive strides too long for running,
      :data:`SPEED_CHANGE_RATIO` times longer than the clip's plausible ones (slow motion
      switched on or off part-way);
    * most strides are flagged for frames without the feet (``gap``);
    * each picture is held for several frames (:func:`held_pictures`);
    * the runner is in view for a stretch shorter than :data:`MIN_STRETCH_FOR_STRIDES_S`.
    """
    if len(table) >= SPEED_CHANGE_MIN_RUN + 1:
        times = table.sort_values(C.START_S)[C.STRIDE_TIME_S].to_numpy(float)
        long = times > STRIDE_TIME_RANGE_S[1]
        normal = (times >= STRIDE_TIME_RANGE_S[0]) & ~long
        runs = true_runs(long)
        longest_run = int((runs[:, 1] - runs[:, 0]).max()) if len(runs) else 0
        if longest_run >= SPEED_CHANGE_MIN_RUN and normal.any():
            slow, fast = float(np.median(times[long])), float(np.median(times[normal]))
            if slow > SPEED_CHANGE_RATIO * fast:
                return say("timing.cause_speed_change", shortest=fast, longest=slow)
        gap = table[C.QUALITY].astype(str).str.split(";").map(lambda f: C.FLAG_GAP in f)
        if gap.mean() > 0.5:
            return say("timing.cause_feet_missing")
    repeat = held_pictures(tracks)
    if repeat is not None:
        return say("timing.cause_held_pictures", repeat=repeat)
    if view.frames is not None:
        seconds = (view.frames[1] - view.frames[0]) / tracks.fps
        if seconds < MIN_STRETCH_FOR_STRIDES_S:
            return say("timing.cause_short_stretch", seconds=seconds)
    return None


def held_pictures(tracks: PoseTracks) -> int | None:
    """How many frames each picture is held for, when the clip repeats its pictures (a slow
    motion made by repeating frames), else None.

    The body's landmarks then move in one frame of every ``k`` and barely in the others: the
    median step (median landmark displacement from the frame before) of the moving phase is
    at least :data:`HELD_PICTURE_RATIO` times the median step of the other phases.
    """
    xy = tracks.image_xy_px
    if len(xy) < 30:
        return None
    steps = np.linalg.norm(np.diff(xy, axis=0), axis=2)
    ok = np.isfinite(steps).any(axis=1)
    step = np.full(len(steps), np.nan)
    step[ok] = np.nanmedian(steps[ok], axis=1)
    best, best_ratio = None, HELD_PICTURE_RATIO
    for k in (2, 3, 4):
        phases = [step[j::k] for j in range(k)]
        medians = np.array([np.nanmedian(p) if np.isfinite(p).any() else np.nan for p in phases])
        if not np.isfinite(medians).all():
            continue
        moving = int(np.argmax(medians))
        if not medians[moving] > 0:
            continue
        rest = float(np.median(np.delete(medians, moving)))
        ratio = float(medians[moving]) / rest if rest > 0 else float("inf")
        if ratio > best_ratio or (best is None and ratio >= best_ratio):
            best, best_ratio = k, ratio
    return best


def analysed_range_s(tracks: PoseTracks, view: ViewEstimate) -> tuple[float, float] | None:
    """The part of the clip analysed: the stretch that shows the runner when the view found
    one (:attr:`gaitlab.signals.view.ViewEstimate.frames`), else None (the whole clip)."""
    if view.frames is None:
        return None
    start, stop = view.frames
    return float(tracks.time_s[start]), float(tracks.time_s[stop - 1])
