"""A lost swing leg: both skeleton legs drawn on one leg, and the repair that blanks one of them.

On real footage the pose model sometimes loses the swing leg when it passes behind the stance
leg (or into the shadow behind it) and draws *both* of its legs on the leg it can see: the left
and right knee, ankle, heel and toe landmarks then coincide for a frame or a few. Left as they
are, these frames make the swing foot seem to stand on the stance foot for a moment (a false
contact), and a key frame drawn there shows one leg. A swap fix cannot help (exchanging two
identical legs changes nothing).

Detection (:func:`lost_leg_mask`): the mean image distance between the left and right knee,
ankle, heel and toe is below ``max_distance_leg`` leg lengths. In running the two legs are never
that close at once: when the feet pass each other in a side view the swing foot is well above
the stance foot, and when the knees pass each other the feet are apart. On the sample treadmill
clip (``male_side.mp4``) the lost frames measure 0.02-0.08 leg lengths and the closest real
crossing about 0.15.

Repair (:func:`drop_lost_leg`): in each run of lost frames, the label whose lower-leg landmarks
jump onto the shared leg (the larger jump between the run and its neighbouring frames) is the
lost swing leg; its knee, ankle, heel and toe are blanked there (the other label keeps the leg
it is on). When neither neighbour exists both are blanked. Gap filling later interpolates the
blanked swing leg over short runs, as for any dropped landmark.
"""

from __future__ import annotations

import numpy as np

from gaitlab.pose.body import leg_length_px
from gaitlab.pose.landmarks import side_index
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.runs import true_runs

#: The leg landmarks compared (and blanked): the hip is left alone (in a side view the two hip
#: landmarks nearly coincide in every frame).
LOWER_LEG: tuple[str, ...] = ("knee", "ankle", "heel", "foot_index")


def leg_distance_leg(tracks: PoseTracks) -> np.ndarray:
    """``(T,)`` mean image distance between the left and right knee, ankle, heel and toe.

    In leg lengths (:func:`gaitlab.pose.body.leg_length_px`); NaN where no pair is present.
    """
    leg_px = leg_length_px(tracks)
    dists = []
    for part in LOWER_LEG:
        left = tracks.image_xy_px[:, side_index("left", part)]
        right = tracks.image_xy_px[:, side_index("right", part)]
        dists.append(np.linalg.norm(left - right, axis=1))
    stacked = np.stack(dists)
    out = np.full(tracks.n_frames, np.nan)
    some = np.isfinite(stacked).any(axis=0)
    if np.isfinite(leg_px) and leg_px > 0:
        out[some] = np.nanmean(stacked[:, some], axis=0) / leg_px
    return out


def lost_leg_mask(tracks: PoseTracks, *, max_distance_leg: float) -> np.ndarray:
    """``(T,)`` True in frames where both skeleton legs lie on one leg.

    Parameters
    ----------
    tracks
        Landmark tracks (after the swap fix).
    max_distance_leg
        Largest mean distance (leg lengths) between the two legs' knee, ankle, heel and toe.
    """
    d = leg_distance_leg(tracks)
    with np.errstate(invalid="ignore"):
        return d < max_distance_leg


def drop_lost_leg(tracks: PoseTracks, *, max_distance_leg: float) -> PoseTracks:
    """Blank the lost swing leg's knee, ankle, heel and toe where both legs lie on one.

    Parameters
    ----------
    tracks
        Landmark tracks (after the swap fix, before gap filling).
    max_distance_leg
        See :func:`lost_leg_mask`.

    Returns
    -------
    PoseTracks
        The tracks with the lost leg blanked; the step ``drop_lost_leg`` records the lost frames
        (``lost_leg_frames``) and how many samples were blanked.
    """
    lost = lost_leg_mask(tracks, max_distance_leg=max_distance_leg)
    xy = tracks.image_xy_px.copy()
    world = tracks.world_xyz_m.copy()
    n = tracks.n_frames
    blanked = 0
    for start, stop in true_runs(lost):
        for side in _lost_sides(xy, lost, int(start), int(stop), n):
            idx = [side_index(side, part) for part in LOWER_LEG]
            blanked += int(np.isfinite(xy[start:stop][:, idx, 0]).sum())
            xy[start:stop, idx] = np.nan
            world[start:stop, idx] = np.nan
    out = tracks.replace(image_xy_px=xy, world_xyz_m=world)
    return out.with_step(
        "drop_lost_leg",
        max_distance_leg=max_distance_leg,
        lost_leg_frames=np.flatnonzero(lost).tolist(),
        n_blanked=blanked,
    )


def _lost_sides(xy: np.ndarray, lost: np.ndarray, start: int, stop: int, n: int) -> list[str]:
    """The label(s) that jumped onto the shared leg in frames ``start:stop``."""
    jumps = {}
    for side in ("left", "right"):
        idx = [side_index(side, part) for part in LOWER_LEG]
        steps = []
        if start > 0 and not lost[start - 1]:
            steps.append(np.linalg.norm(xy[start, idx] - xy[start - 1, idx], axis=1))
        if stop < n and not lost[stop]:
            steps.append(np.linalg.norm(xy[stop - 1, idx] - xy[stop, idx], axis=1))
        means = [float(d[np.isfinite(d)].mean()) for d in steps if np.isfinite(d).any()]
        jumps[side] = float(np.mean(means)) if means else float("nan")
    if not (np.isfinite(jumps["left"]) and np.isfinite(jumps["right"])):
        return ["left", "right"]
    return ["left" if jumps["left"] > jumps["right"] else "right"]
