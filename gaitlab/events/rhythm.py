"""The running rhythm: the step period from the feet's alternation, without timing any event.

When strides cannot be timed (the feet are too unsteady, the clip too short for enough usable
strides) the runner's cadence is still in the picture: the two feet take turns, once per step.
How far apart they are, along the running direction in a side view (ahead of / behind the
pelvis) or up and down the picture in a rear or front view, rises and falls once per step
whichever foot leads, so left/right swaps do not change it
(:func:`gaitlab.events.frame.step_time_s`).

The timing metrics cross-check this period against the pelvis's bounce
(:func:`gaitlab.metrics.timing.spectral_cadence_spm`).
"""

from __future__ import annotations

import numpy as np

from gaitlab.events.frame import foot_point_px, forward_leg, leg_scale_px, step_time_s
from gaitlab.pose.landmarks import SIDES
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.view import ViewEstimate

#: Rolling window of the body scale (s), as for the side-view events.
SCALE_WINDOW_S: float = 1.0


def feet_step_time_s(
    tracks: PoseTracks, view: ViewEstimate, *, step_time_range_s: tuple[float, float]
) -> float:
    """The step period (s) from the feet's alternation, or NaN when none is found.

    Parameters
    ----------
    tracks
        Cleaned tracks (of the analysed stretch).
    view
        The view: side views use the feet's distance ahead of the pelvis, rear and front views
        their height in the picture, both in leg lengths of the moment.
    step_time_range_s
        Step periods searched.
    """
    if view.label == "unsuitable" or tracks.n_frames < 10:
        return float("nan")
    scale = leg_scale_px(tracks, window_s=SCALE_WINDOW_S)
    if view.label == "side" and view.facing is not None:
        feet = {s: forward_leg(tracks, s, facing=view.facing, scale_px=scale) for s in SIDES}
    else:
        feet = {s: foot_point_px(tracks, s)[:, 1] / scale for s in SIDES}
    if not all(np.isfinite(v).sum() >= 10 for v in feet.values()):
        return float("nan")
    return step_time_s(tracks.time_s, feet, range_s=step_time_range_s)
