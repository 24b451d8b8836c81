"""Pelvis angles from sticker centres: obliquity (rear/front) and anterior tilt (side).

Pure functions of the sticker tracks; units in the names. Angles of lines in the picture follow
:mod:`gaitlab.metrics.frontal`: positive = turned counter-clockwise, from the image-left end to
the image-right end.

Obliquity (rear or front view)
    The line between the two PSIS (rear) or the two ASIS (front), in the runner's terms:
    positive when the runner's *right* side is higher. The camera's roll is subtracted.
    During a stance on the right foot a positive obliquity is a drop of the left (swing) side:
    the contralateral pelvic drop of the clinical 2D method (Souza 2016; Bramah 2018).

Anterior tilt (side view)
    The line from the PSIS to the ASIS against the horizontal: positive when the ASIS is lower
    than the PSIS (anterior tilt). A camera set some degrees behind the side shortens the
    horizontal part of the line by the cosine of that angle; :func:`tilt_deg` takes the angle
    and corrects it. The absolute value depends on each person's bone shape (the ASIS-PSIS
    angle varies by 0-23 degrees between pelves, Preece 2008), so its change from standing and
    its range over a stride say more.
"""

from __future__ import annotations

import numpy as np

from gaitlab.markers.model import MarkerTracks, marker_id


def line_angle_deg(a_px: np.ndarray, b_px: np.ndarray) -> np.ndarray:
    """Angle in the picture of the line through ``a`` and ``b`` (``(T, 2)`` each), degrees.

    Measured from the image-left end to the image-right end, positive counter-clockwise (the
    right end higher); NaN where either point is missing.
    """
    a = np.asarray(a_px, dtype=float)
    b = np.asarray(b_px, dtype=float)
    left = np.where((a[:, :1] <= b[:, :1]), a, b)
    right = np.where((a[:, :1] <= b[:, :1]), b, a)
    d = right - left
    return np.degrees(np.arctan2(-d[:, 1], d[:, 0]))


def obliquity_deg(markers: MarkerTracks, roll_deg: float = 0.0) -> np.ndarray:
    """``(T,)`` pelvic obliquity from the two PSIS (rear) or two ASIS (front), degrees.

    Positive when the runner's right side is higher. NaN in frames where either sticker is
    missing, and everywhere for a side layout.

    Parameters
    ----------
    markers
        The clip's sticker tracks.
    roll_deg
        Camera roll to remove (:func:`gaitlab.metrics.frontal.camera_roll_deg`; positive =
        picture turned counter-clockwise).
    """
    n = markers.n_frames
    if markers.layout not in ("rear", "front"):
        return np.full(n, np.nan)
    point = "psis" if markers.layout == "rear" else "asis"
    left = markers.centre(marker_id(point, "left"))
    right = markers.centre(marker_id(point, "right"))
    angle = line_angle_deg(left, right) - (roll_deg if np.isfinite(roll_deg) else 0.0)
    # rear: the runner's right is on image-right, so counter-clockwise lifts the right side;
    # front: the runner's right is on image-left
    return angle if markers.layout == "rear" else -angle


def tilt_deg(
    markers: MarkerTracks, facing: int, roll_deg: float = 0.0, behind_deg: float = 0.0
) -> np.ndarray:
    """``(T,)`` anterior pelvic tilt from the ASIS and PSIS of the side facing the camera.

    Parameters
    ----------
    markers
        The clip's sticker tracks (side layout).
    facing
        +1 when the runner faces image-right, -1 image-left.
    roll_deg
        Camera roll to remove (positive = picture turned counter-clockwise).
    behind_deg
        How far the camera is turned from a square side view (toward the runner's back or
        front, either way): the forward-backward line is shortened by ``cos(behind_deg)`` in the
        picture, a vertical one is not, so ``tan(tilt) = tan(seen) * cos(behind_deg)``.

    Returns
    -------
    numpy.ndarray
        Degrees, positive = anterior tilt (ASIS lower than PSIS); NaN where either sticker is
        missing, and everywhere for a rear or front layout.
    """
    n = markers.n_frames
    if markers.layout != "side" or markers.near_side is None:
        return np.full(n, np.nan)
    asis = markers.centre(marker_id("asis", markers.near_side))
    psis = markers.centre(marker_id("psis", markers.near_side))
    d = asis - psis
    r = np.radians(roll_deg if np.isfinite(roll_deg) else 0.0)
    # turn the picture back by the roll (counter-clockwise roll: rotate the vector clockwise)
    dx = d[:, 0] * np.cos(r) - d[:, 1] * np.sin(r)
    dy = d[:, 0] * np.sin(r) + d[:, 1] * np.cos(r)
    forward = dx * (1.0 if facing >= 0 else -1.0)
    down = dy  # image y grows downward: ASIS below PSIS is positive
    seen = np.degrees(np.arctan2(down, forward))
    if behind_deg:
        seen = np.degrees(np.arctan(np.tan(np.radians(seen)) * np.cos(np.radians(behind_deg))))
    return seen


def drop_toward_swing_deg(obliquity: np.ndarray, stance_side: str) -> np.ndarray:
    """Obliquity signed so that, in a stance on ``stance_side``, a swing-side drop is positive."""
    return np.asarray(obliquity, dtype=float) * (1.0 if stance_side == "right" else -1.0)
