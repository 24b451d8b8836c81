"""Capture checks: will this clip do, and how to film a better one?

Each check gives ``pass``, ``warn`` (usable, with a limit) or ``fail`` (the clip cannot serve),
a one-line message and a one-line fix (:class:`gaitlab.result.Check`). Two entry points:

* :func:`preflight`: a quick look at a video file before analysing it (``gaitlab check``);
* :func:`clip_checks`: the same checks from a finished clip analysis (report, ``summary.json``).

The thresholds are the ``[checks]`` section of the configuration (:class:`CheckSettings`); the
sentences are the ``[check.*]`` sections of the words catalogue.
"""

from __future__ import annotations

from gaitlab.quality.checks import (
    check_frame_rate,
    check_lighting,
    check_people,
    check_resolution,
    check_shake,
    check_strides,
    check_tilt,
    check_view,
    check_whole_body,
)
from gaitlab.quality.preflight import Preflight, assemble_checks, clip_checks, preflight
from gaitlab.quality.settings import CheckSettings

#: Check names in the order they are reported.
CHECK_NAMES: tuple[str, ...] = (
    "view",
    "whole_body",
    "frame_rate",
    "resolution",
    "lighting",
    "shake",
    "tilt",
    "people",
    "strides",
    "markers",
)

__all__ = [
    "CHECK_NAMES",
    "CheckSettings",
    "Preflight",
    "assemble_checks",
    "check_frame_rate",
    "check_lighting",
    "check_people",
    "check_resolution",
    "check_shake",
    "check_strides",
    "check_tilt",
    "check_view",
    "check_whole_body",
    "clip_checks",
    "preflight",
]
