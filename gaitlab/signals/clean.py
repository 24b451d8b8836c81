"""The default cleaning of landmark tracks, composed from the single steps.

Order and why:

1. :func:`~gaitlab.signals.swaps.fix_swaps` first (in side views on image coordinates only:
   measured on the real clips and the renders, MediaPipe's world depth follows its own labels
   and kept swaps that the image shows): a swapped frame is a jump of a whole leg,
   which the outlier test would blank (losing both legs' data in those frames); undone first,
   the frame keeps its data. The swap fit caps each landmark's error, so the isolated outliers
   still present do not force swaps.
2. :func:`~gaitlab.signals.legs.drop_lost_leg`: where the model drew both legs on one leg (the
   swing leg lost behind the stance leg), blank the lost one, so that it is not taken for a
   second foot on the ground and no key frame shows it.
3. :func:`~gaitlab.signals.outliers.reject_outliers`: blank single-landmark glitches that are left.
4. :func:`~gaitlab.signals.gaps.fill_gaps`: interpolate the short gaps left by dropped frames
   and by step 2, so that the filter and the event fits see continuous runs.
5. :func:`~gaitlab.signals.filters.lowpass` last (it needs gap-free runs, and must not smear
   swaps or outliers into their neighbours). With the ``"auto"`` cut-off it is skipped at
   30 fps (see :mod:`gaitlab.signals.filters`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np

from gaitlab.config import SignalSettings, load_defaults
from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.filters import lowpass
from gaitlab.signals.gaps import GAIT_LANDMARKS, Gap, fill_gaps, find_gaps
from gaitlab.signals.legs import drop_lost_leg
from gaitlab.signals.outliers import reject_outliers
from gaitlab.signals.swaps import fix_swaps


@dataclasses.dataclass(frozen=True)
class CleanReport:
    """What cleaning found and did.

    Attributes
    ----------
    n_frames
        Frames in the clip.
    frames_with_pose
        Frames in which the pose model found a person.
    swapped_frames
        Indices of frames whose leg labels were exchanged back.
    lost_leg_frames
        Indices of frames where both skeleton legs lay on one leg (the lost one was blanked).
    outliers_removed
        Landmark samples blanked as implausible.
    samples_filled
        Landmark samples interpolated.
    frames_filled
        Frames in which at least one gait landmark was interpolated.
    long_gaps
        Gaps in the gait landmarks longer than ``max_gap_s`` (left missing).
    cutoff_hz
        Low-pass cut-off used, None when the filter was skipped.
    """

    n_frames: int
    frames_with_pose: int
    swapped_frames: tuple[int, ...]
    lost_leg_frames: tuple[int, ...]
    outliers_removed: int
    samples_filled: int
    frames_filled: int
    long_gaps: tuple[Gap, ...]
    cutoff_hz: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        d = dataclasses.asdict(self)
        d["swapped_frames"] = list(self.swapped_frames)
        d["lost_leg_frames"] = list(self.lost_leg_frames)
        d["long_gaps"] = [
            {**dataclasses.asdict(g), "duration_s": g.duration_s} for g in self.long_gaps
        ]
        return d


@dataclasses.dataclass(frozen=True)
class CleanResult:
    """Cleaned tracks and the report of what was done to them."""

    tracks: PoseTracks
    report: CleanReport


def clean(
    tracks: PoseTracks,
    settings: SignalSettings | None = None,
    *,
    view: Literal["side", "rear", "front"] | None = None,
    cadence_spm: float | None = None,
) -> CleanResult:
    """Fix swaps, drop outliers, fill short gaps and low-pass, in that order.

    Parameters
    ----------
    tracks
        Raw landmark tracks from the pose stage.
    settings
        The ``[signals]`` section: outlier settings (``max_speed_leg_per_s``,
        ``min_visibility``: :func:`~gaitlab.signals.outliers.reject_outliers`), the longest
        gap to interpolate (``max_gap_s``: :func:`~gaitlab.signals.gaps.fill_gaps`) and the
        low-pass (``cutoff_hz``, ``filter_order``: :func:`~gaitlab.signals.filters.lowpass`);
        None for the shipped defaults.
    view
        Camera view if known (:func:`~gaitlab.signals.swaps.fix_swaps`).
    cadence_spm
        Steps per minute, for the ``"auto"`` cut-off (None: typical running).

    Returns
    -------
    CleanResult
    """
    cfg = settings if settings is not None else load_defaults().signals
    max_gap_s = cfg.max_gap_s
    # side views: image coordinates only (MediaPipe's world depth follows its own labels, so a
    # mislabelled leg carries a consistent depth that argues for the mislabelling)
    out = fix_swaps(tracks, view=view, use_world=view != "side")
    swapped = out.meta["steps"][-1]["swapped_frames"]
    lost: list[int] = []
    # side views only: from behind or in front the knees and feet of a narrow or crossing gait
    # come as close as a lost leg's (0.02-0.08 leg lengths), so the test cannot tell them apart
    if cfg.lost_leg_max_distance_leg > 0 and view not in ("rear", "front"):
        out = drop_lost_leg(out, max_distance_leg=cfg.lost_leg_max_distance_leg)
        lost = out.meta["steps"][-1]["lost_leg_frames"]
    out = reject_outliers(
        out, max_speed_leg_per_s=cfg.max_speed_leg_per_s, min_visibility=cfg.min_visibility
    )
    n_outliers = out.meta["steps"][-1]["n_blanked"]
    before = np.isnan(out.image_xy_px[..., 0])
    out = fill_gaps(out, max_gap_s=max_gap_s)
    filled = before & ~np.isnan(out.image_xy_px[..., 0])
    gait_idx = [INDEX[n] for n in GAIT_LANDMARKS]
    out = lowpass(out, cutoff_hz=cfg.cutoff_hz, order=cfg.filter_order, cadence_spm=cadence_spm)
    report = CleanReport(
        n_frames=tracks.n_frames,
        frames_with_pose=int(tracks.has_pose.sum()),
        swapped_frames=tuple(int(i) for i in swapped),
        lost_leg_frames=tuple(int(i) for i in lost),
        outliers_removed=int(n_outliers),
        samples_filled=int(filled.sum()),
        frames_filled=int(filled[:, gait_idx].any(axis=1).sum()),
        long_gaps=tuple(find_gaps(out, longer_than_s=max_gap_s)),
        cutoff_hz=out.meta["steps"][-1].get("cutoff_hz"),
    )
    return CleanResult(out, report)
