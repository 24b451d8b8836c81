"""Landmarks in, strides out: the one way strides are found and counted.

``gaitlab analyze`` (:func:`gaitlab.api.analyze_pose`) and ``gaitlab check`` (on a short burst
of frames) both call :func:`find_strides`, so that a clip ``check`` calls usable gives the
strides ``analyze`` finds: the view (unless given), cleaning with the ``[signals]`` settings,
the contacts (:func:`gaitlab.events.detect.detect_contacts`) and the stride table
(:func:`gaitlab.events.strides.stride_table`), restricted to the stretch of the clip that shows
the runner when the view found one.

>>> strides = find_strides(tracks)                        # doctest: +SKIP
>>> strides.usable_per_side()                             # doctest: +SKIP
{'left': 15, 'right': 16}
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from gaitlab.config import Settings, load_defaults
from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import stride_table
from gaitlab.pose.landmarks import SIDES
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.clean import CleanResult, clean
from gaitlab.signals.view import ViewEstimate, classify_view


@dataclasses.dataclass(frozen=True)
class Strides:
    """What :func:`find_strides` found.

    Attributes
    ----------
    view
        The camera view the strides were found for.
    cleaned
        The cleaned tracks and the cleaning report.
    contacts
        The contact table (one row per foot contact).
    table
        The stride table (one row per stride of one side).
    range_s
        The part of the clip analysed (start, end) in seconds, or None for the whole clip.
    """

    view: ViewEstimate
    cleaned: CleanResult
    contacts: pd.DataFrame
    table: pd.DataFrame
    range_s: tuple[float, float] | None

    def usable_per_side(self) -> dict[str, int]:
        """Usable strides of each side (the count the findings and checks need)."""
        usable = self.table[self.table[C.USABLE]] if len(self.table) else self.table
        return {side: int((usable[C.SIDE] == side).sum()) for side in SIDES}


def find_strides(
    tracks: PoseTracks, *, view: ViewEstimate | None = None, settings: Settings | None = None
) -> Strides:
    """Find the strides of a clip (or of a burst of its frames) from its raw landmarks.

    Parameters
    ----------
    tracks
        Raw landmark tracks from the pose stage (a whole clip or a burst of frames).
    view
        The view, if already classified; None classifies it here.
    settings
        The ``[signals]`` and ``[events]`` sections are used; None for the shipped defaults.
    """
    cfg = settings if settings is not None else load_defaults()
    view = view if view is not None else classify_view(tracks)
    cleaned = clean(tracks, cfg.signals, view=view.label if view.label != "unsuitable" else None)
    contacts = detect_contacts(cleaned.tracks, view=view, settings=cfg.events)
    range_s = analysed_range_s(tracks, view)
    table = stride_table(contacts, cleaned.tracks, time_range_s=range_s)
    return Strides(view, cleaned, contacts, table, range_s)


def analysed_range_s(tracks: PoseTracks, view: ViewEstimate) -> tuple[float, float] | None:
    """The part of the clip analysed: the stretch that shows the runner when the view found
    one (:attr:`gaitlab.signals.view.ViewEstimate.frames`), else None (the whole clip)."""
    if view.frames is None:
        return None
    start, stop = view.frames
    return float(tracks.time_s[start]), float(tracks.time_s[stop - 1])
