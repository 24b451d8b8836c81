"""Sticker colours: names people use, the hue each stands for, and the name of a measured colour."""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

#: Hue (degrees, 0-360) at the centre of each colour name a user may give, and how far from it
#: a sticker's hue may lie and still be called that.
COLOUR_HUES_DEG: dict[str, tuple[float, float]] = {
    "red": (0.0, 18.0),
    "orange": (28.0, 14.0),
    "yellow": (55.0, 15.0),
    "lime": (85.0, 18.0),
    "green": (125.0, 28.0),
    "cyan": (180.0, 22.0),
    "blue": (222.0, 26.0),
    "purple": (272.0, 22.0),
    "magenta": (305.0, 20.0),
    "pink": (330.0, 16.0),
}


def hue_distance_deg(a: float, b: float) -> float:
    """The distance between two hues on the colour circle (0-180 degrees)."""
    d = abs(float(a) - float(b)) % 360.0
    return min(d, 360.0 - d)


def hue_of_rgb(rgb: Sequence[float]) -> tuple[float, float, float]:
    """Hue (degrees), saturation and value (0-1) of one RGB colour given in 0-255."""
    r, g, b = (min(max(float(c) / 255.0, 0.0), 1.0) for c in rgb)
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    return h * 360.0, s, v


def colour_name(hue_deg: float) -> str:
    """The nearest colour name for a hue."""
    return min(COLOUR_HUES_DEG, key=lambda n: hue_distance_deg(hue_deg, COLOUR_HUES_DEG[n][0]))


def parse_colour(name: str) -> tuple[float, float]:
    """Hue centre and tolerance (degrees) of a colour a user named.

    Accepts a name from :data:`COLOUR_HUES_DEG` or a hue in degrees (``"140"``).

    Raises
    ------
    ValueError
        When the name is neither.
    """
    key = name.strip().lower()
    if key in COLOUR_HUES_DEG:
        return COLOUR_HUES_DEG[key]
    try:
        hue = float(key)
    except ValueError:
        raise ValueError(name) from None
    if not 0.0 <= hue <= 360.0:
        raise ValueError(name)
    return hue % 360.0, 20.0
