"""The sticker finder's settings, read once from the ``[markers]`` section of the configuration."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class MarkerSettings:
    """How stickers are looked for and kept (see ``[markers]`` in ``gaitlab/config/defaults.toml``).

    Attributes
    ----------
    enabled
        Look for stickers at all.
    colours
        Colours the user named, by sticker kind (``{"psis": "green", "asis": "orange"}``);
        empty: any saturated colour is considered.
    torso_mm
        Assumed distance between the shoulder and hip joint centres, which turns the pose's torso
        length in pixels into a scale for the expected sticker size.
    sticker_diameter_mm
        Smallest and largest sticker (or raised ball) looked for.
    min_radius_px
        Blobs smaller than this are not measured (their centre is not reliable).
    min_saturation, min_chroma
        A sticker pixel's HSV saturation and chroma (max - min of R, G, B; 0-1) at least: chroma
        leaves out dark shadows whose few levels of colour give a high saturation.
    max_hue_spread_deg
        A component whose hues spread wider than this mixes colours (a sticker on cloth of
        another strong colour) and is split into hue windows.
    hue_window_deg
        Width of each hue window in which blobs are grouped.
    max_elongation
        Longest over shortest axis of a blob (motion blur stretches a disc, an edge-on flat
        sticker is a sliver).
    fill_min, fill_max
        A blob's area over the area of the ellipse with the same second moments (1 for a full
        disc or ellipse; a crescent or a ragged patch is lower).
    min_contrast
        Distance between the blob's colour and the ring around it (RGB, 0-1).
    max_candidates
        At most this many blobs per frame are measured, the most disc-like first (keeps the time
        per frame bounded on a busy colourful print).
    centre_method
        How a blob's sub-pixel centre is read (:func:`gaitlab.markers.detect.subpixel_centre`).
    roi_side, roi_up, roi_down
        The search region around the pose's hip midpoint, in torso lengths: to each side, up,
        down.
    min_found_share
        A sticker is reported as found when seen in at least this share of frames with a pose.
    slot_gate_torso
        A blob farther than this (torso lengths) from the sticker's usual place on the body is
        not that sticker.
    max_jump_torso
        A centre farther than this (torso lengths) from the sticker's local path is dropped.
    min_area_share
        A blob smaller than this share of the sticker's usual area is partly hidden: dropped.
    cutoff_hz
        Zero-lag low-pass of the sticker centres before angles are read.
    min_coverage
        Share of a stance's or stride's frames that must see both stickers for it to count.
    standing_min_s, standing_max_start_s, standing_max_speed_leg_per_s
        The standing-still phase: at least this long, starting this early in the clip, ankles
        and hips slower than this (:func:`gaitlab.markers.standing.find_standing`).
    behind_min_deg
        A side camera turned less than this from square is treated as square (the estimate of
        the angle is no better).
    """

    enabled: bool = True
    colours: Mapping[str, str] = dataclasses.field(default_factory=dict)
    torso_mm: float = 500.0
    sticker_diameter_mm: tuple[float, float] = (14.0, 40.0)
    min_radius_px: float = 1.5
    min_saturation: float = 0.35
    min_chroma: float = 0.16
    max_hue_spread_deg: float = 14.0
    hue_window_deg: float = 44.0
    max_elongation: float = 3.0
    fill_min: float = 0.72
    fill_max: float = 1.3
    min_contrast: float = 0.15
    max_candidates: int = 30
    centre_method: str = "chroma"
    roi_side: float = 0.6
    roi_up: float = 0.5
    roi_down: float = 0.3
    min_found_share: float = 0.5
    slot_gate_torso: float = 0.12
    max_jump_torso: float = 0.06
    min_area_share: float = 0.55
    cutoff_hz: float = 8.0
    min_coverage: float = 0.8
    standing_min_s: float = 1.5
    standing_max_start_s: float = 4.0
    standing_max_speed_leg_per_s: float = 0.25
    behind_min_deg: float = 8.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MarkerSettings:
        """Settings from a configuration; defaults for what the ``[markers]`` section omits."""
        c = dict(config.get("markers", {}))
        fields = {f.name for f in dataclasses.fields(cls)}
        kw: dict[str, Any] = {}
        for key, value in c.items():
            if key not in fields:
                continue
            if key == "sticker_diameter_mm":
                value = (float(value[0]), float(value[1]))
            elif key == "colours":
                value = {str(k): str(v) for k, v in dict(value).items()}
            kw[key] = value
        return cls(**kw)
