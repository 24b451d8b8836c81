"""The standing-still phase: a few seconds at the start of a clip that set the stickers' zero.

A sticker put 10 mm higher on one side than the other reads as about 6 degrees of pelvic drop
on its own, and the ASIS-PSIS angle differs by up to 23 degrees between pelves. Every 3D
protocol therefore subtracts a standing trial. gaitlab asks for 3-5 s of standing still, feet
apart at hip width, facing the way the runner will run, at the start of the clip (or as a
separate short clip); :func:`find_standing` finds that phase from the pose alone: no steps, the
ankles and hips nearly still.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gaitlab.pose.landmarks import INDEX

_ANKLES = (INDEX["left_ankle"], INDEX["right_ankle"])
_HIPS = (INDEX["left_hip"], INDEX["right_hip"])


@dataclasses.dataclass(frozen=True)
class StandingPhase:
    """Frames of the clip where the runner stands still.

    Attributes
    ----------
    start, stop
        Frame slice ``[start, stop)`` (stop excludes the last second's ramp into running).
    start_s, stop_s
        The same as times.
    """

    start: int
    stop: int
    start_s: float
    stop_s: float

    @property
    def duration_s(self) -> float:
        """How long the runner stood still."""
        return self.stop_s - self.start_s

    @property
    def frames(self) -> slice:
        """The frames as a slice."""
        return slice(self.start, self.stop)

    def as_dict(self) -> dict[str, float]:
        """JSON-ready."""
        return {
            "start_s": round(self.start_s, 3),
            "stop_s": round(self.stop_s, 3),
            "duration_s": round(self.duration_s, 3),
        }


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving average over ``n`` frames along axis 0, NaN-aware."""
    if n <= 1:
        return x
    ok = np.isfinite(x)
    xs = np.where(ok, x, 0.0)
    k = np.ones(n)
    num = np.apply_along_axis(lambda c: np.convolve(c, k, mode="same"), 0, xs)
    den = np.apply_along_axis(lambda c: np.convolve(c, k, mode="same"), 0, ok.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[den < n / 2] = np.nan
    return out


def stillness_leg_per_s(time_s: np.ndarray, image_px: np.ndarray) -> np.ndarray:
    """``(T,)`` fastest of the ankles and the hip midpoint, in leg lengths per second.

    Positions are averaged over 0.2 s and differenced over 0.2 s, so landmark jitter does not
    read as motion; NaN where the pose is missing.
    """
    time_s = np.asarray(time_s, dtype=float)
    lm = np.asarray(image_px, dtype=float)
    dt = float(np.median(np.diff(time_s))) if time_s.size > 1 else 1 / 30
    n = max(1, round(0.2 / dt))
    hip = lm[:, _HIPS].mean(axis=1)
    ankles = lm[:, _ANKLES]
    leg = np.nanmedian(np.linalg.norm(ankles - hip[:, None], axis=2))
    if not np.isfinite(leg) or leg <= 0:
        return np.full(time_s.size, np.nan)
    pts = np.concatenate([hip[:, None], ankles], axis=1).reshape(time_s.size, -1)
    pts = _smooth(pts, n)
    lag = max(1, n // 2)
    v = np.full_like(pts, np.nan)
    v[lag:-lag] = (pts[2 * lag :] - pts[: -2 * lag]) / (time_s[2 * lag :] - time_s[: -2 * lag])[
        :, None
    ]
    speed = np.linalg.norm(v.reshape(time_s.size, 3, 2), axis=2) / leg
    any_seen = np.isfinite(speed).any(axis=1)
    out = np.full(time_s.size, np.nan)
    out[any_seen] = np.nanmax(speed[any_seen], axis=1)
    return out


def find_standing(
    time_s: np.ndarray,
    image_px: np.ndarray,
    *,
    min_duration_s: float,
    max_start_s: float,
    max_speed_leg_per_s: float,
    margin_s: float = 0.3,
) -> StandingPhase | None:
    """The standing-still phase at the start of a clip, or None.

    Parameters
    ----------
    time_s
        ``(T,)`` frame times.
    image_px
        ``(T, 33, 2)`` image landmarks (NaN where no pose).
    min_duration_s
        Shortest stillness that counts.
    max_start_s
        The stillness must begin this early in the clip (the guide asks for it at the start).
    max_speed_leg_per_s
        Ankles and hips slower than this (leg lengths per second) are still.
    margin_s
        Trimmed from each end of the still run (stepping into place, starting to run).
    """
    time_s = np.asarray(time_s, dtype=float)
    speed = stillness_leg_per_s(time_s, image_px)
    still = np.isfinite(speed) & (speed <= max_speed_leg_per_s)
    best = None
    i = 0
    n = time_s.size
    while i < n:
        if not still[i]:
            i += 1
            continue
        j = i
        while j < n and still[j]:
            j += 1
        if time_s[i] - time_s[0] <= max_start_s:
            start_s, stop_s = time_s[i] + margin_s, time_s[j - 1] - margin_s
            if stop_s - start_s >= min_duration_s and (
                best is None or stop_s - start_s > best.duration_s
            ):
                a = int(np.searchsorted(time_s, start_s))
                b = int(np.searchsorted(time_s, stop_s, side="right"))
                best = StandingPhase(a, b, float(time_s[a]), float(time_s[b - 1]))
        i = j
    return best
