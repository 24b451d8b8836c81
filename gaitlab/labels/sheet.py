"""Contact sheets: consecutive frames of a clip in a grid, cropped around the feet and zoomed.

They make frame-by-frame labelling of foot strikes and toe-offs practical: each tile is one
decoded frame (gaitlab's reader, so frame numbers and times are the pipeline's), cropped around
both feet, enlarged, and labelled with its frame number and time. A dashed reference line marks
the lowest foot points nearby, the same image row in every tile of a sheet, so a foot rising off
the ground shows against it. Dots mark the heel and toe of each foot in the pose model's colours
(blue left, orange right); the model can swap them, so the sheet says so, and the labeller tells
left from right by the body (a whole-body sheet, ``mode="body"``, shows the posture).

Where the feet are comes from landmark tracks (a file, or gaitlab's pose stage), and where the
model lost the runner from boxes the user gives (fixed, or key-framed and interpolated), or else
from the nearest frames with a pose.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from gaitlab.errors import InputError
from gaitlab.io import atomic_path, write_json_atomic
from gaitlab.pose.landmarks import INDEX, LANDMARK_NAMES
from gaitlab.pose.tracks import PoseTracks
from gaitlab.report.draw import LEFT, RIGHT
from gaitlab.video import iter_frames, probe
from gaitlab.words import say

Mode = Literal["feet", "body"]
RGB = tuple[int, int, int]

#: Landmarks that place the feet, and the ones marked with dots.
FOOT_PARTS: tuple[str, ...] = ("ankle", "heel", "foot_index")
MARKED_PARTS: tuple[str, ...] = ("heel", "foot_index")
#: Reference line colour (RGB), header and tile-bar colours.
REF_LINE: RGB = (240, 228, 66)
BAR: RGB = (30, 30, 30)
TEXT: RGB = (245, 245, 245)
BACKGROUND: RGB = (70, 70, 70)
#: Frames either side of a sheet whose foot points also set the reference line.
REF_CONTEXT_FRAMES = 15
#: Padding around the feet, in leg lengths: above, below (the ground under the foot matters),
#: and sideways.
FEET_PAD_LEG: tuple[float, float, float] = (0.12, 0.15, 0.12)
#: Smallest feet crop (leg lengths wide, high).
FEET_MIN_LEG: tuple[float, float] = (0.6, 0.4)
FOOT_MIN_LEG: tuple[float, float] = (0.4, 0.3)
#: Padding of the whole-body crop (share of the body's height).
BODY_PAD = 0.08
#: A sheet follows the feet sideways when their sideways sweep over the sheet is more than this
#: many times one frame's crop width (a runner crossing a still camera's view).
FOLLOW_SWEEP = 1.6
#: A frame repeats the picture before it when it changes less than this share of a new
#: picture's typical change (see :func:`repeated_pictures`), measured over this many frames
#: either side.
REPEAT_SHARE = 0.25
REPEAT_WINDOW = 15
REPEAT_TEXT: RGB = (255, 120, 120)
#: Pixel layout: gap between tiles, height of each tile's label bar, header line height.
GAP_PX, BAR_PX, LINE_PX = 6, 22, 20


@dataclasses.dataclass(frozen=True)
class Box:
    """A crop in pixels of the upright frame."""

    x: float
    y: float
    w: float
    h: float

    def clipped(self, width_px: int, height_px: int) -> Box:
        """The same size moved inside the frame (shrunk only when bigger than the frame)."""
        w, h = min(self.w, width_px), min(self.h, height_px)
        x = min(max(self.x, 0.0), width_px - w)
        y = min(max(self.y, 0.0), height_px - h)
        return Box(x, y, w, h)

    def as_list(self) -> list[int]:
        """``[x, y, w, h]`` rounded to pixels."""
        return [round(self.x), round(self.y), round(self.w), round(self.h)]


@dataclasses.dataclass(frozen=True)
class KeyBox:
    """A user-given crop at a frame (``frame`` None: every frame)."""

    frame: int | None
    box: Box


@dataclasses.dataclass(frozen=True)
class SheetOptions:
    """How sheets look.

    Attributes
    ----------
    mode
        ``"feet"`` (crop around both feet) or ``"body"`` (the whole runner).
    foot
        Feet mode: ``"both"``, or ``"left"``/``"right"`` for a tighter crop around the foot the
        pose model calls so (it can swap them: check the picture).
    tiles
        Frames per sheet.
    zoom
        Enlargement of the crop (the sheet lowers it to fit ``max_width_px`` and
        ``max_height_px``, and says so).
    step
        Show every ``step``-th frame.
    overlap
        Frames shared by consecutive sheets (so an event at a sheet's edge shows both of its
        frames on one sheet).
    max_width_px, max_height_px
        Largest sheet.
    marks
        Draw the pose model's heel and toe dots.
    distinct
        Show only the first frame of each picture (leave out frames that repeat the picture
        before them; ``step`` is then ignored).
    """

    mode: Mode = "feet"
    foot: str = "both"
    tiles: int = 12
    zoom: float = 3.0
    step: int = 1
    overlap: int = 2
    max_width_px: int = 1200
    max_height_px: int = 1500
    marks: bool = True
    distinct: bool = False


@dataclasses.dataclass(frozen=True)
class SheetPlan:
    """One sheet to draw: its frames and the crop of each."""

    name: str
    frames: tuple[int, ...]
    boxes: tuple[Box, ...]
    ref_line_y_px: float | None
    follows: bool
    source: str  # "pose", "boxes" or "frame"


@dataclasses.dataclass(frozen=True)
class SheetInfo:
    """What was written for one sheet."""

    path: Path
    frames: tuple[int, ...]
    times_s: tuple[float, ...]
    zoom: float
    plan: SheetPlan
    repeat_of: Mapping[int, int] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The sheet's entry of ``sheets.json``."""
        return {
            "file": self.path.name,
            "frames": list(self.frames),
            "times_s": [round(t, 6) for t in self.times_s],
            "zoom": round(self.zoom, 3),
            "crop_source": self.plan.source,
            "follows_feet": self.plan.follows,
            "boxes_px": [b.as_list() for b in self.plan.boxes],
            "repeats_picture_of": {str(f): s for f, s in sorted(self.repeat_of.items())},
            "ref_line_y_px": None
            if self.plan.ref_line_y_px is None
            else round(self.plan.ref_line_y_px, 1),
        }


# ---------------------------------------------------------------------------- parsing


def parse_frames(text: str, n_frames: int) -> tuple[int, int]:
    """``"A:B"`` (frames A to B-1; either may be left out) as a checked ``(start, stop)``.

    Raises
    ------
    InputError
        When the text is not of that form or the range is empty or outside the clip.
    """
    m = re.fullmatch(r"\s*(\d*)\s*:\s*(\d*)\s*", text)
    if not m:
        raise InputError(say("labels.error.frames_form", text=text))
    start = int(m.group(1)) if m.group(1) else 0
    stop = int(m.group(2)) if m.group(2) else n_frames
    stop = min(stop, n_frames)
    if start >= stop:
        raise InputError(say("labels.error.frames_range", text=text, n_frames=n_frames))
    return start, stop


def parse_box(text: str) -> KeyBox:
    """``"X,Y,W,H"`` (every frame) or ``"F:X,Y,W,H"`` (a key frame) in pixels.

    Raises
    ------
    InputError
        When the text is not of that form or the box is empty.
    """
    m = re.fullmatch(r"\s*(?:(\d+)\s*:)?\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*", text)
    if not m or int(m.group(4)) < 4 or int(m.group(5)) < 4:
        raise InputError(say("labels.error.box_form", text=text))
    frame = int(m.group(1)) if m.group(1) is not None else None
    return KeyBox(frame, Box(*(float(m.group(i)) for i in range(2, 6))))


def read_centres(path: str | Path) -> list[int]:
    """Frames to centre sheets on, from a label file, a CSV or a JSON list.

    Accepted: a gaitlab label file (every event's frame); a CSV with ``foot_strike_frame``
    and/or ``toe_off_frame`` columns (``strides.csv`` of ``gaitlab analyze``, a contacts table)
    or a ``frame`` column; a JSON list of frame numbers or an object with a ``frames`` list.

    Raises
    ------
    InputError
        When the file is missing or holds none of these.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(say("labels.error.around_missing", name=str(p)))
    frames: list[float] = []
    if p.suffix.lower() == ".csv":
        import pandas as pd

        try:
            table = pd.read_csv(p)
        except (ValueError, OSError) as exc:
            raise InputError(
                say("labels.error.around_form", name=p.name, reason=str(exc))
            ) from None
        cols = [c for c in ("foot_strike_frame", "toe_off_frame", "frame") if c in table.columns]
        for c in cols:
            frames.extend(pd.to_numeric(table[c], errors="coerce").dropna().tolist())
        if not cols:
            raise InputError(
                say(
                    "labels.error.around_form",
                    name=p.name,
                    reason=say("labels.problem.no_frame_column"),
                )
            )
    else:
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise InputError(
                say("labels.error.around_form", name=p.name, reason=str(exc))
            ) from None
        if isinstance(doc, dict) and isinstance(doc.get("events"), list):
            frames = [e["frame"] for e in doc["events"] if isinstance(e, dict) and "frame" in e]
        elif isinstance(doc, dict) and isinstance(doc.get("frames"), list):
            frames = doc["frames"]
        elif isinstance(doc, list):
            frames = doc
        if not all(isinstance(f, int | float) for f in frames):
            frames = []
    if not frames:
        raise InputError(
            say("labels.error.around_form", name=p.name, reason=say("labels.problem.no_frames"))
        )
    return sorted({round(f) for f in frames})


# ---------------------------------------------------------------------------- planning


def plan_frames(
    start: int, stop: int, *, tiles: int, step: int = 1, overlap: int = 0
) -> list[tuple[int, ...]]:
    """Consecutive sheets over frames ``start:stop``: ``tiles`` frames each, ``step`` apart,
    consecutive sheets sharing ``overlap`` frames."""
    shown = list(range(start, stop, step))
    if not shown:
        return []
    advance = max(1, tiles - max(0, min(overlap, tiles - 1)))
    sheets = []
    for i in range(0, len(shown), advance):
        sheets.append(tuple(shown[i : i + tiles]))
        if i + tiles >= len(shown):
            break
    return sheets


def plan_around(
    centres: Iterable[int], n_frames: int, *, tiles: int, step: int = 1
) -> list[tuple[int, ...]]:
    """One sheet per centre frame: ``tiles`` frames ``step`` apart with the centre in the middle
    (the centre is the ``tiles // 2``-th tile), moved inside the clip."""
    sheets = []
    for c in sorted(set(centres)):
        if not 0 <= c < n_frames:
            continue
        first = c - (tiles // 2) * step
        first = min(max(first, 0), max(0, n_frames - 1 - (tiles - 1) * step))
        frames = tuple(f for f in range(first, first + tiles * step, step) if f < n_frames)
        sheets.append(frames)
    return sheets


def _points(tracks: PoseTracks, names: Sequence[str], frames: Sequence[int]) -> np.ndarray:
    """``(len(frames), len(names), 2)`` image points (NaN where missing or out of range)."""
    idx = np.asarray(frames, dtype=int)
    out = np.full((idx.size, len(names), 2), np.nan)
    ok = (idx >= 0) & (idx < tracks.n_frames)
    cols = [INDEX[n] for n in names]
    out[ok] = tracks.image_xy_px[idx[ok]][:, cols, :]
    return out


def _foot_names(foot: str = "both") -> list[str]:
    sides = ("left", "right") if foot == "both" else (foot,)
    return [f"{side}_{part}" for side in sides for part in FOOT_PARTS]


def _fill_nan(values: np.ndarray) -> np.ndarray:
    """Interpolate NaN entries from their finite neighbours (constant beyond the ends)."""
    v = np.asarray(values, dtype=float).copy()
    ok = np.isfinite(v)
    if ok.any() and not ok.all():
        i = np.arange(v.size)
        v[~ok] = np.interp(i[~ok], i[ok], v[ok])
    return v


def user_box_at(keys: Sequence[KeyBox], frame: int) -> Box | None:
    """The user's crop at ``frame``: a fixed box, or key boxes interpolated (held at the ends)."""
    if not keys:
        return None
    fixed = [k.box for k in keys if k.frame is None]
    keyed = sorted((k for k in keys if k.frame is not None), key=lambda k: k.frame or 0)
    if not keyed:
        return fixed[-1]
    frames = np.array([k.frame for k in keyed], dtype=float)
    values = np.array([[k.box.x, k.box.y, k.box.w, k.box.h] for k in keyed])
    return Box(*(float(np.interp(frame, frames, values[:, j])) for j in range(4)))


def plan_sheet(
    name: str,
    frames: Sequence[int],
    *,
    mode: Mode,
    frame_size_px: tuple[int, int],
    tracks: PoseTracks | None,
    leg_px: float,
    user_boxes: Sequence[KeyBox] = (),
    foot: str = "both",
) -> SheetPlan:
    """Crops of one sheet's frames: around the feet (or body) from the tracks, from the user's
    boxes where the tracks have too little, else the whole frame.

    The vertical extent is shared by every tile (so the reference line is one image row); the
    horizontal one too, unless the feet sweep across more than :data:`FOLLOW_SWEEP` crop widths
    over the sheet (a runner crossing a still camera's view), when each tile is centred on its
    frame's feet.
    """
    width, height = frame_size_px
    frames = tuple(int(f) for f in frames)
    names = _foot_names(foot) if mode == "feet" else list(LANDMARK_NAMES)
    pts = (
        _points(tracks, names, frames)
        if tracks is not None and np.isfinite(leg_px)
        else np.full((len(frames), len(names), 2), np.nan)
    )
    posed = np.isfinite(pts[:, :, 0]).any(axis=1)
    if posed.sum() < max(1, len(frames) // 3):
        user = [user_box_at(user_boxes, f) for f in frames]
        if all(b is not None for b in user):
            boxes = tuple(b.clipped(width, height) for b in user if b is not None)
            return SheetPlan(
                name, frames, boxes, None, len({b.as_list()[0] for b in boxes}) > 1, "boxes"
            )
        whole = Box(0.0, 0.0, float(width), float(height))
        return SheetPlan(name, frames, (whole,) * len(frames), None, False, "frame")
    x, y = pts[:, :, 0], pts[:, :, 1]
    with warnings.catch_warnings():  # frames without a pose have no median: filled below
        warnings.simplefilter("ignore", RuntimeWarning)
        centre_x = _fill_nan(np.nanmedian(x, axis=1))
    if mode == "feet":
        top, bottom, side = (leg_px * p for p in FEET_PAD_LEG)
        spread = float(np.nanmax(np.abs(x - centre_x[:, None])))
        min_w, min_h = FEET_MIN_LEG if foot == "both" else FOOT_MIN_LEG
        half_w = max(spread + side, 0.5 * min_w * leg_px)
        y0, y1 = float(np.nanmin(y)) - top, float(np.nanmax(y)) + bottom
        if y1 - y0 < min_h * leg_px:
            mid = 0.5 * (y0 + y1)
            y0, y1 = mid - 0.5 * min_h * leg_px, mid + 0.5 * min_h * leg_px
    else:
        body_h = float(np.nanmax(y) - np.nanmin(y))
        pad = BODY_PAD * body_h
        half_w = float(np.nanmax(np.abs(x - centre_x[:, None]))) + pad
        y0, y1 = float(np.nanmin(y)) - 1.5 * pad, float(np.nanmax(y)) + pad
    spread = float(np.nanmax(np.abs(x - centre_x[:, None])))
    x0 = float(np.nanmin(x)) - (half_w - spread)
    x1 = float(np.nanmax(x)) + (half_w - spread)
    follows = (x1 - x0) > FOLLOW_SWEEP * 2 * half_w
    if follows:
        boxes = tuple(
            Box(float(cx) - half_w, y0, 2 * half_w, y1 - y0).clipped(width, height)
            for cx in centre_x
        )
    else:
        boxes = (Box(x0, y0, x1 - x0, y1 - y0).clipped(width, height),) * len(frames)
    ref = reference_line_y(tracks, frames) if mode == "feet" and tracks is not None else None
    return SheetPlan(name, frames, boxes, ref, follows, "pose")


def reference_line_y(tracks: PoseTracks, frames: Sequence[int]) -> float | None:
    """Image row of the lowest foot points around the sheet's frames (95th percentile of the
    heel and toe rows over the frames and :data:`REF_CONTEXT_FRAMES` either side)."""
    lo, hi = min(frames) - REF_CONTEXT_FRAMES, max(frames) + REF_CONTEXT_FRAMES
    names = [f"{s}_{p}" for s in ("left", "right") for p in MARKED_PARTS]
    y = _points(tracks, names, range(lo, hi + 1))[:, :, 1]
    y = y[np.isfinite(y)]
    return float(np.percentile(y, 95)) if y.size >= 4 else None


# ---------------------------------------------------------------------------- repeated pictures


def picture_changes(video: str | Path, stop: int | None = None) -> np.ndarray:
    """``(n,)`` mean absolute grey-level change of each frame from the one before (frame 0: NaN),
    on a picture shrunk four times (cheap; decodes frames ``0:stop``)."""
    changes: list[float] = []
    prev = None
    with iter_frames(video) as stream:
        for frame in stream:
            if stop is not None and frame.index >= stop:
                break
            grey = frame.rgb[::4, ::4].astype(np.float32).mean(axis=2)
            changes.append(float("nan") if prev is None else float(np.abs(grey - prev).mean()))
            prev = grey
    return np.asarray(changes, dtype=float)


def repeated_pictures(
    changes: np.ndarray, *, share: float = REPEAT_SHARE, window: int = REPEAT_WINDOW
) -> np.ndarray:
    """``(n,)`` bool: True where a frame repeats the picture before it.

    A frame repeats when it changes less than ``share`` of the typical change of a new
    picture: the larger of the 75th percentile of the changes within ``window`` frames and the
    clip's median change. Clips that hold each picture for several frames (a 10 fps recording
    stored at 30 fps, a 25 fps video screen-recorded at 30 fps, a paused player) show it.
    """
    c = np.asarray(changes, dtype=float)
    out = np.zeros(c.shape, dtype=bool)
    finite = c[np.isfinite(c)]
    if finite.size < 3:
        return out
    floor = float(np.median(finite))
    for i in range(1, c.size):
        near = c[max(1, i - window) : i + window + 1]
        near = near[np.isfinite(near)]
        typical = max(float(np.percentile(near, 75)), floor) if near.size else floor
        out[i] = bool(np.isfinite(c[i]) and c[i] < share * typical)
    return out


def picture_starts(repeats: np.ndarray) -> np.ndarray:
    """``(n,)`` for every frame, the first frame of the picture it shows."""
    starts = np.arange(repeats.shape[0])
    for i in range(1, repeats.shape[0]):
        if repeats[i]:
            starts[i] = starts[i - 1]
    return starts


# ---------------------------------------------------------------------------- drawing


def fit_zoom(
    box_w: float, box_h: float, n_tiles: int, options: SheetOptions, header_px: int
) -> tuple[float, int]:
    """The zoom actually used (at most the one asked) and the number of columns, so the sheet
    fits ``max_width_px`` x ``max_height_px``."""
    zoom = float(options.zoom)
    for _ in range(60):
        tile_w, tile_h = box_w * zoom, box_h * zoom + BAR_PX
        cols = max(1, min(n_tiles, int((options.max_width_px - GAP_PX) // (tile_w + GAP_PX))))
        rows = math.ceil(n_tiles / cols)
        fits_w = cols * (tile_w + GAP_PX) + GAP_PX <= options.max_width_px
        fits_h = header_px + rows * (tile_h + GAP_PX) + GAP_PX <= options.max_height_px
        if fits_w and fits_h:
            return zoom, cols
        zoom *= 0.92
    return zoom, cols


def _text(
    img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.5, colour: RGB = TEXT
) -> None:
    import cv2

    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def _text_width(text: str, scale: float) -> int:
    import cv2

    return int(cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0])


def _dashed_hline(img: np.ndarray, y: int, colour: RGB, dash: int = 8) -> None:
    if 0 <= y < img.shape[0]:
        for x in range(0, img.shape[1], 2 * dash):
            img[y, x : x + dash] = colour


def render_tile(
    crop: np.ndarray,
    origin_px: tuple[float, float],
    zoom: float,
    *,
    frame: int,
    time_s: float,
    tracks: PoseTracks | None,
    ref_line_y_px: float | None,
    marks: bool,
    repeat_of: int | None = None,
) -> np.ndarray:
    """One tile: a crop (whose top-left corner is ``origin_px`` in the frame) enlarged, its
    label bar above (frame number and time), the reference line and the pose model's heel/toe
    dots (``ref_line_y_px`` and the tracks in frame pixels). ``repeat_of``: the frame whose
    picture this frame repeats (shown in the bar)."""
    import cv2

    x0, y0 = origin_px
    size = (max(1, round(crop.shape[1] * zoom)), max(1, round(crop.shape[0] * zoom)))
    interp = cv2.INTER_CUBIC if zoom > 1 else cv2.INTER_AREA
    big = cv2.resize(np.ascontiguousarray(crop), size, interpolation=interp)

    def to_tile(p: np.ndarray) -> tuple[int, int]:
        return round((p[0] - x0) * zoom), round((p[1] - y0) * zoom)

    if ref_line_y_px is not None:
        _dashed_hline(big, round((ref_line_y_px - y0) * zoom), REF_LINE)
    if marks and tracks is not None and 0 <= frame < tracks.n_frames:
        radius = max(2, round(min(big.shape[:2]) / 90))
        for side, colour in (("left", LEFT), ("right", RIGHT)):
            for part in MARKED_PARTS:
                p = tracks.image_xy_px[frame, INDEX[f"{side}_{part}"]]
                if np.all(np.isfinite(p)):
                    cv2.circle(big, to_tile(p), radius + 1, (0, 0, 0), -1, cv2.LINE_AA)
                    cv2.circle(big, to_tile(p), radius, colour, -1, cv2.LINE_AA)
    tile = np.full((big.shape[0] + BAR_PX, big.shape[1], 3), BAR, dtype=np.uint8)
    tile[BAR_PX:] = big
    label = say("labels.sheet.tile", frame=frame, time_s=time_s)
    _text(tile, label, (4, BAR_PX - 6))
    if repeat_of is not None:
        x = 4 + _text_width(label, 0.5) + 10
        _text(tile, say("labels.sheet.repeat", frame=repeat_of), (x, BAR_PX - 6), 0.45, REPEAT_TEXT)
    return tile


def compose_sheet(
    tiles: Sequence[np.ndarray], header: Sequence[str], cols: int, width_px: int | None = None
) -> np.ndarray:
    """Tiles in a grid (row by row) under a few header lines."""
    tile_w = max(t.shape[1] for t in tiles)
    tile_h = max(t.shape[0] for t in tiles)
    rows = math.ceil(len(tiles) / cols)
    header_px = LINE_PX * len(header) + GAP_PX
    text_w = max((_text_width(line, 0.45) for line in header), default=0) + 2 * GAP_PX
    width = max(width_px or 0, text_w, cols * (tile_w + GAP_PX) + GAP_PX)
    sheet = np.full((header_px + rows * (tile_h + GAP_PX) + GAP_PX, width, 3), BACKGROUND, np.uint8)
    sheet[:header_px] = BAR
    for i, line in enumerate(header):
        _text(sheet, line, (GAP_PX, LINE_PX * (i + 1) - 5), 0.45)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, cols)
        y = header_px + GAP_PX + r * (tile_h + GAP_PX)
        x = GAP_PX + c * (tile_w + GAP_PX)
        sheet[y : y + tile.shape[0], x : x + tile.shape[1]] = tile
    return sheet


def sheet_header(
    clip: str, plan: SheetPlan, times_s: Sequence[float], zoom: float, asked: float, mode: Mode
) -> list[str]:
    """The header lines of a sheet (from the words catalogue)."""
    lines = [
        say(
            "labels.sheet.title",
            clip=clip,
            first=plan.frames[0],
            last=plan.frames[-1],
            start_s=times_s[0],
            end_s=times_s[-1],
            mode=mode,
            zoom=zoom,
        ),
    ]
    if zoom < asked - 1e-6:
        lines[0] += "  " + say("labels.sheet.zoom_lowered", asked=asked)
    if plan.source == "pose":
        lines.append(say("labels.sheet.colours"))
        if plan.ref_line_y_px is not None:
            lines.append(say("labels.sheet.ref_line"))
    else:
        lines.append(say(f"labels.sheet.crop_{plan.source}"))
    if plan.follows:
        lines.append(say("labels.sheet.follows"))
    return lines


def write_png(path: Path, rgb: np.ndarray) -> Path:
    """Write an RGB picture as PNG, atomically."""
    import cv2

    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 RGB
        raise RuntimeError(f"could not encode {path.name} as PNG")
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.tobytes())
    return path


# ---------------------------------------------------------------------------- the whole job


def load_tracks_for(video: Path, tracks_path: Path | None, n_frames: int) -> PoseTracks | None:
    """Tracks from ``tracks_path`` (``.npz`` or ``.csv``), or ``<video stem>.tracks.npz`` beside
    the video; None when neither exists.

    Raises
    ------
    InputError
        When the tracks do not have one row per frame of the video.
    """
    path = tracks_path
    if path is None:
        beside = video.with_name(f"{video.stem}.tracks.npz")
        path = beside if beside.is_file() else None
    if path is None:
        return None
    if not Path(path).is_file():
        raise InputError(say("labels.error.tracks_missing", name=str(path)))
    loader = PoseTracks.load_csv if Path(path).suffix.lower() == ".csv" else PoseTracks.load_npz
    tracks = loader(path)
    if tracks.n_frames != n_frames:
        raise InputError(
            say(
                "labels.error.tracks_frames",
                name=Path(path).name,
                tracks=tracks.n_frames,
                video=video.name,
                frames=n_frames,
            )
        )
    return tracks


def write_sheets(
    video: str | Path,
    out_dir: str | Path,
    *,
    tracks: PoseTracks | None,
    frames: tuple[int, int] | None = None,
    centres: Sequence[int] | None = None,
    options: SheetOptions | None = None,
    user_boxes: Sequence[KeyBox] = (),
    progress: Callable[[int, int], None] | None = None,
) -> list[SheetInfo]:
    """Decode a clip once and write its contact sheets (PNG) and ``sheets.json`` into ``out_dir``.

    Parameters
    ----------
    video
        The clip.
    out_dir
        Folder for the sheets (created).
    tracks
        Landmarks with one row per decoded frame (None: crops from ``user_boxes`` or whole
        frames).
    frames
        ``(start, stop)``: consecutive sheets over these frames (default: the whole clip).
    centres
        Instead of ``frames``: one sheet centred on each of these frames.
    options
        Layout.
    user_boxes
        Crops for frames without a pose (a fixed box, or key boxes interpolated by frame).
    progress
        Called with ``(sheets_done, sheets_total)``.

    Returns
    -------
    list of SheetInfo
        The sheets written, in order.
    """
    opts = options or SheetOptions()
    path = Path(video)
    out = Path(out_dir)
    info = probe(path)
    n = info.n_frames
    starts: np.ndarray | None = None
    if opts.distinct:  # the pictures first: frames that repeat one are left out of the sheets
        starts = picture_starts(repeated_pictures(picture_changes(path)))
        shown = np.flatnonzero(starts == np.arange(starts.shape[0]))
        if centres is not None:
            groups = [_around_in(shown, c, opts.tiles) for c in sorted(set(centres)) if 0 <= c < n]
        else:
            start, stop = frames if frames is not None else (0, n)
            inside = [int(f) for f in shown if start <= f < stop]
            groups = [
                tuple(inside[i] for i in g)
                for g in plan_frames(0, len(inside), tiles=opts.tiles, overlap=opts.overlap)
            ]
    elif centres is not None:
        groups = plan_around(centres, n, tiles=opts.tiles, step=opts.step)
    else:
        start, stop = frames if frames is not None else (0, n)
        groups = plan_frames(start, stop, tiles=opts.tiles, step=opts.step, overlap=opts.overlap)
    groups = [g for g in groups if g]
    if not groups:
        raise InputError(say("labels.error.frames_range", text=f"{frames}", n_frames=n))
    from gaitlab.pose.body import leg_length_px

    leg_px = leg_length_px(tracks) if tracks is not None else float("nan")
    plans = []
    for g in groups:
        kind = "around" if centres is not None else "frames"
        name = f"{path.stem}_{_what(opts)}_{kind}_f{g[0]:05d}-{g[-1]:05d}.png"
        plans.append(
            plan_sheet(
                name,
                g,
                mode=opts.mode,
                frame_size_px=(info.width_px, info.height_px),
                tracks=tracks,
                leg_px=leg_px,
                user_boxes=user_boxes,
                foot=opts.foot,
            )
        )
    needed: dict[int, list[int]] = {}
    for k, plan in enumerate(plans):
        for f in plan.frames:
            needed.setdefault(f, []).append(k)
    last_needed = max(needed)
    if starts is None:
        changes = picture_changes(path, stop=min(n, last_needed + REPEAT_WINDOW + 1))
        starts = picture_starts(repeated_pictures(changes))
    pending: dict[int, dict[int, tuple[np.ndarray, float]]] = {k: {} for k in range(len(plans))}
    written: list[SheetInfo] = []
    with iter_frames(path) as stream:
        for frame in stream:
            for k in needed.get(frame.index, ()):
                plan = pending[k]
                i = plans[k].frames.index(frame.index)
                box = plans[k].boxes[i]
                plan[frame.index] = (_cut(frame.rgb, box), frame.time_s)
                if len(plan) == len(plans[k].frames):
                    written.append(_finish(path, out, plans[k], plan, tracks, opts, starts))
                    pending[k] = {}
                    if progress:
                        progress(len(written), len(plans))
            if frame.index >= last_needed:
                break
    for k, got in pending.items():  # frames the decoder did not deliver (a short file)
        if got:
            present = [f for f in plans[k].frames if f in got]
            keep = dataclasses.replace(
                plans[k],
                frames=tuple(present),
                boxes=tuple(
                    b for f, b in zip(plans[k].frames, plans[k].boxes, strict=True) if f in got
                ),
            )
            written.append(_finish(path, out, keep, got, tracks, opts, starts))
    written.sort(key=lambda s: s.frames[0])
    index = {
        "video": path.name,
        "n_frames": n,
        "fps": info.fps,
        "mode": opts.mode,
        "sheets": [s.as_dict() for s in written],
    }
    write_json_atomic(out / index_name(path, opts), index)
    return written


def _around_in(shown: np.ndarray, centre: int, tiles: int) -> tuple[int, ...]:
    """``tiles`` of the ``shown`` frames with the one at or before ``centre`` in the middle."""
    k = int(np.searchsorted(shown, centre, side="right")) - 1
    first = min(max(k - tiles // 2, 0), max(0, shown.shape[0] - tiles))
    return tuple(int(f) for f in shown[first : first + tiles])


def _what(opts: SheetOptions) -> str:
    return opts.mode if opts.foot == "both" or opts.mode == "body" else opts.foot


def index_name(video: str | Path, options: SheetOptions) -> str:
    """File name of the index :func:`write_sheets` writes beside the sheets."""
    return f"{Path(video).stem}_{_what(options)}_sheets.json"


def _cut(rgb: np.ndarray, box: Box) -> np.ndarray:
    """Keep only the crop's pixels (memory stays flat however long the clip)."""
    return np.ascontiguousarray(
        rgb[round(box.y) : round(box.y + box.h), round(box.x) : round(box.x + box.w)]
    )


def _finish(
    video: Path,
    out: Path,
    plan: SheetPlan,
    crops: Mapping[int, tuple[np.ndarray, float]],
    tracks: PoseTracks | None,
    opts: SheetOptions,
    starts: np.ndarray,
) -> SheetInfo:
    times = [crops[f][1] for f in plan.frames]
    repeat_of = {f: int(starts[f]) for f in plan.frames if f < starts.shape[0] and starts[f] != f}
    box_w = max(b.w for b in plan.boxes)
    box_h = max(b.h for b in plan.boxes)
    header_lines = 5 if plan.follows else 4
    zoom, cols = fit_zoom(box_w, box_h, len(plan.frames), opts, LINE_PX * header_lines + GAP_PX)
    tiles = [
        render_tile(
            crops[f][0],
            (round(box.x), round(box.y)),
            zoom,
            frame=f,
            time_s=crops[f][1],
            tracks=tracks,
            ref_line_y_px=plan.ref_line_y_px,
            marks=opts.marks and plan.source == "pose",
            repeat_of=repeat_of.get(f),
        )
        for f, box in zip(plan.frames, plan.boxes, strict=True)
    ]
    header = sheet_header(video.name, plan, times, zoom, opts.zoom, opts.mode)
    if repeat_of:
        header.append(say("labels.sheet.repeats_note"))
    sheet = compose_sheet(tiles, header, cols, width_px=None)
    path = write_png(out / plan.name, sheet)
    return SheetInfo(path, plan.frames, tuple(times), zoom, plan, repeat_of)
