"""Cutting a clip into chunks that are tracked at the same time, one per core.

MediaPipe runs one model call on about one core, and its calls release the GIL, so two
landmarkers in two threads of one process track two parts of a clip at once. A VIDEO-mode
tracker started in the middle of a clip needs a few frames to settle (its first frame comes from
the person detector, later ones follow the previous frame's pose, and MediaPipe smooths the
landmarks over time), so every chunk after the first starts ``warmup_frames`` before its first
frame and drops what it tracked there; the chunks are joined end to end by time.

The chunks share the work evenly: the first tracks ``S`` frames, each later one ``S`` frames of
which ``warmup_frames`` are its warm-up, so that all finish together.
"""

from __future__ import annotations

import dataclasses
import math
import os


@dataclasses.dataclass(frozen=True)
class Chunk:
    """One part of a clip, tracked by its own landmarker.

    Attributes
    ----------
    index
        Position among the chunks (0 first).
    decode_from_s
        Where its reader starts: ``warmup_frames`` before ``start_s`` (0 for the first chunk).
    start_s
        First frame time it keeps (frames from here on are its own; -inf for the first).
    end_s
        Frame time from which the next chunk takes over (inf for the last).
    """

    index: int
    decode_from_s: float
    start_s: float
    end_s: float

    def keeps(self, time_s: float) -> bool:
        """True for the frames this chunk hands on (not its warm-up, not the next chunk's)."""
        return self.start_s <= time_s < self.end_s

    def as_dict(self) -> dict[str, float | None]:
        """For the tracks' metadata (None for an open end)."""

        def finite(x: float) -> float | None:
            return round(x, 4) if math.isfinite(x) else None

        return {
            "decode_from_s": finite(self.decode_from_s),
            "start_s": finite(self.start_s),
            "end_s": finite(self.end_s),
        }


#: The whole clip as one chunk: today's single pass.
WHOLE = Chunk(0, 0.0, -math.inf, math.inf)


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int) -> int:
    """Chunks tracked at once: ``workers``, or one per available core when 0."""
    return available_cores() if workers <= 0 else int(workers)


def plan_chunks(
    n_frames: int,
    fps: float,
    *,
    workers: int,
    warmup_frames: int,
    min_frames: int,
) -> tuple[Chunk, ...]:
    """Cut a clip of ``n_frames`` at ``fps`` into at most ``workers`` chunks of equal work.

    Fewer chunks are made when each would keep fewer than ``min_frames`` frames (one, the whole
    clip, for short clips or one worker). Boundaries fall half a frame before a frame's nominal
    time, so that every decoded frame belongs to exactly one chunk whatever its exact timestamp.

    Parameters
    ----------
    n_frames
        Frames in the clip.
    fps
        Nominal frame rate.
    workers
        Chunks tracked at the same time (threads).
    warmup_frames
        Frames each chunk after the first tracks before its own, then drops.
    min_frames
        Fewest frames a chunk keeps.
    """
    k = max(1, int(workers))
    w = max(0, int(warmup_frames))

    def share(k: int) -> float:
        return (n_frames + (k - 1) * w) / k

    while k > 1 and share(k) - w < max(min_frames, 1):
        k -= 1
    if k == 1 or not fps > 0:
        return (WHOLE,)
    s = share(k)
    bounds = [round(i * s - (i - 1) * w) for i in range(1, k)]  # first frame of chunks 1..k-1

    def at(frame: float) -> float:
        return max(0.0, (frame - 0.5) / fps)

    chunks = []
    for i in range(k):
        start = -math.inf if i == 0 else at(bounds[i - 1])
        end = math.inf if i == k - 1 else at(bounds[i])
        decode_from = 0.0 if i == 0 else at(bounds[i - 1] - w)
        chunks.append(Chunk(i, decode_from, start, end))
    return tuple(chunks)
