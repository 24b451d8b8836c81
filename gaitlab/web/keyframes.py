"""An analysis's key frames, read from the index the report writes beside them.

``<analysis folder>/keyframes/index.json``::

    {"schema": 1, "frames": [{"file": "keyframes/<name>.png", "clip": "side.mp4",
      "moment": "toe_off", "side": "left", "frame": 281, "time_s": 9.367,
      "caption": "...", "metric": "hip_extension_deg", "value": 13.1, "unit": "deg"}]}

``file`` is relative to the analysis folder. The web app shows the pictures (compare), and
jumps the annotated video to each ``time_s`` (video review). An analysis without an index (made
before the report wrote one) has no key frames here; an entry that is malformed, or names a
file outside ``keyframes/`` or one that is missing, is left out.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

#: The index format this reader understands.
SCHEMA = 1
INDEX = Path("keyframes") / "index.json"


@dataclasses.dataclass(frozen=True)
class KeyFrame:
    """One key frame: its picture (``file``, relative to the analysis folder), the clip and
    moment it shows, the side (``left``/``right``/None), where it is in the clip (``frame``,
    ``time_s``), its caption, and the number it documents (or None)."""

    file: str
    clip: str
    moment: str
    side: str | None
    frame: int
    time_s: float
    caption: str
    metric: str | None = None
    value: float | None = None
    unit: str | None = None


def read_index(folder: Path) -> list[KeyFrame]:
    """The key frames listed in ``folder/keyframes/index.json``, in its order (none when the
    index is missing, unreadable or of another schema)."""
    try:
        index = json.loads((folder / INDEX).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(index, dict) or index.get("schema") != SCHEMA:
        return []
    frames = index.get("frames")
    if not isinstance(frames, list):
        return []
    out = []
    for entry in frames:
        frame = parse_entry(entry)
        if frame is not None and (folder / frame.file).is_file():
            out.append(frame)
    return out


def parse_entry(entry: Any) -> KeyFrame | None:
    """One index entry as a :class:`KeyFrame`, or None when it is malformed or names a file
    outside ``keyframes/``."""
    if not isinstance(entry, dict):
        return None
    file = entry.get("file")
    texts = [entry.get(k) for k in ("clip", "moment", "caption")]
    if not isinstance(file, str) or not all(isinstance(t, str) for t in texts):
        return None
    parts = Path(file).parts
    if len(parts) != 2 or parts[0] != "keyframes" or parts[1].startswith("."):
        return None
    frame, time_s = entry.get("frame"), _number(entry.get("time_s"))
    if not isinstance(frame, int) or isinstance(frame, bool) or time_s is None or time_s < 0:
        return None
    side = entry.get("side") if entry.get("side") in ("left", "right") else None
    metric, unit = entry.get("metric"), entry.get("unit")
    return KeyFrame(
        file, *texts[:2], side, frame, time_s, texts[2],  # type: ignore[arg-type]
        metric=metric if isinstance(metric, str) else None,
        value=_number(entry.get("value")),
        unit=unit if isinstance(unit, str) else None,
    )  # fmt: skip


def _number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)
