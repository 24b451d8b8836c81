"""Join the tracks of several clips of one view end to end, so their strides count together.

Two side clips (or two rear clips) of one session give more strides than either alone. Every
metric is computed per stride from the tracks and the stride table, so the clips are joined in
time, each after the previous one plus a gap of missing frames (filters and peak searches work
on runs of finite samples, so nothing crosses from one clip to the next), and each clip's image
coordinates are scaled so that the runner's leg has the same length in pixels in all of them
(angles and leg-normalised distances do not change under that scaling).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gaitlab.pose.tracks import PoseTracks


def concat_tracks(
    parts: Sequence[PoseTracks],
    *,
    scales: Sequence[float],
    gap_frames: int = 2,
    min_gaps_s: Sequence[float] | None = None,
) -> tuple[PoseTracks, list[float], list[int]]:
    """Join tracks end to end, each scaled, with ``gap_frames`` missing frames between them.

    Parameters
    ----------
    parts
        Tracks of the clips, in order; all must share one frame rate (within 2%).
    scales
        Factor applied to each part's image coordinates (1 for the first, typically).
    gap_frames
        Missing frames inserted between parts (at least 1).
    min_gaps_s
        For each part after the first, the least time from the previous part's last frame to
        its first frame (e.g. to keep foot strikes a whole number of strides apart); the gap
        holds ``gap_frames`` missing frames, spread evenly.

    Returns
    -------
    tracks
        The joined tracks, at the first part's frame rate and size (grown to hold every part).
    time_offsets_s, frame_offsets
        What was added to each part's times and frame indices.

    Raises
    ------
    ValueError
        If the parts are empty, the scales do not match them or the frame rates differ.
    """
    if not parts or len(scales) != len(parts):
        raise ValueError("concat_tracks needs one scale per part and at least one part.")
    fps = float(parts[0].fps)
    if any(abs(p.fps - fps) > 0.02 * fps for p in parts):
        raise ValueError("concat_tracks needs parts with one frame rate.")
    gap_frames = max(1, int(gap_frames))
    dt = 1.0 / fps
    times, images, worlds, vis, pres = [], [], [], [], []
    time_offsets: list[float] = []
    frame_offsets: list[int] = []
    t_next, f_next, last = 0.0, 0, 0.0
    extra = [0.0, *(min_gaps_s or [0.0] * (len(parts) - 1))]
    if len(extra) != len(parts):
        raise ValueError("concat_tracks needs one minimum gap per part after the first.")
    for k, (part, scale) in enumerate(zip(parts, scales, strict=True)):
        if k:
            t_next = max(t_next, last + float(extra[k]))
        offset = t_next - float(part.time_s[0]) if part.n_frames else t_next
        time_offsets.append(offset)
        frame_offsets.append(f_next)
        times.append(part.time_s + offset)
        images.append(part.image_xy_px * float(scale))
        worlds.append(part.world_xyz_m)
        vis.append(part.visibility)
        pres.append(part.presence)
        last = float(times[-1][-1]) if part.n_frames else t_next - dt
        gap_t = last + dt * np.arange(1, gap_frames + 1)
        if k + 1 < len(parts) and extra[k + 1] > (gap_frames + 1) * dt:
            gap_t = np.linspace(last, last + float(extra[k + 1]), gap_frames + 2)[1:-1]
        times.append(gap_t)
        images.append(np.full((gap_frames, *part.image_xy_px.shape[1:]), np.nan))
        worlds.append(np.full((gap_frames, *part.world_xyz_m.shape[1:]), np.nan))
        vis.append(np.zeros((gap_frames, *part.visibility.shape[1:])))
        pres.append(np.zeros((gap_frames, *part.presence.shape[1:])))
        t_next = float(gap_t[-1]) + dt
        last = float(times[-2][-1]) if part.n_frames else last
        f_next += part.n_frames + gap_frames
    width = max(round(p.width_px * s) for p, s in zip(parts, scales, strict=True))
    height = max(round(p.height_px * s) for p, s in zip(parts, scales, strict=True))
    joined = parts[0].replace(
        time_s=np.concatenate(times[:-1]),
        image_xy_px=np.concatenate(images[:-1]),
        world_xyz_m=np.concatenate(worlds[:-1]),
        visibility=np.concatenate(vis[:-1]),
        presence=np.concatenate(pres[:-1]),
        width_px=width,
        height_px=height,
    )
    return (
        joined.with_step("concat", n_parts=len(parts), scales=[float(s) for s in scales]),
        time_offsets,
        frame_offsets,
    )
