"""Ground truth from real footage: hand-labelled gait events, contact sheets and scoring.

* :mod:`gaitlab.labels.events`: the label file format (``<clip>.events.json``), its loader
  :func:`load_events` and the agreement of the two labelling passes;
* :mod:`gaitlab.labels.sheet`: contact sheets of the feet for labelling by eye
  (``gaitlab labels sheet``);
* :mod:`gaitlab.labels.score`: detected events against the labels.

The labelling protocol is ``docs/labelling-protocol.md``.
"""

from gaitlab.labels.events import (
    EventLabels,
    LabelledEvent,
    event_time_s,
    frame_position,
    load_events,
    pass_agreement,
    save_events,
    validation_problems,
)

__all__ = [
    "EventLabels",
    "LabelledEvent",
    "event_time_s",
    "frame_position",
    "load_events",
    "pass_agreement",
    "save_events",
    "validation_problems",
]
