"""The one configuration file: shipped defaults plus a user's TOML overrides, typed.

``gaitlab/config/defaults.toml`` holds every setting's value (thresholds with their source);
a user's ``--config FILE`` overrides only the keys it names. Both are read once, at the edge
(command line, web app, batch runner, :func:`gaitlab.analyze`), into a frozen
:class:`~gaitlab.config.settings.Settings` (one typed dataclass per section); stages receive
its sections (``settings.signals``), never the dict. How to add a setting or a section: see
:mod:`gaitlab.config.settings`.

>>> from gaitlab.config import load_defaults
>>> load_defaults().signals.max_gap_s
0.1
>>> load_defaults().with_overrides({"runner": {"height_m": 1.8}}).runner.height_m
1.8
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from gaitlab.config.load import build, merge
from gaitlab.config.settings import (
    ChecksSettings,
    EventSettings,
    FindingsSettings,
    HistoryMetricSettings,
    HistorySettings,
    MarkerColours,
    MarkerSettings,
    PatternSettings,
    PoseSettings,
    RhythmSettings,
    RunnerSettings,
    Settings,
    SideDifferenceSettings,
    SideEventSettings,
    SignalSettings,
    SignSettings,
    VideoSettings,
)
from gaitlab.errors import ConfigError
from gaitlab.words import say

__all__ = [
    "ChecksSettings",
    "EventSettings",
    "FindingsSettings",
    "HistoryMetricSettings",
    "HistorySettings",
    "MarkerColours",
    "MarkerSettings",
    "PatternSettings",
    "PoseSettings",
    "RhythmSettings",
    "RunnerSettings",
    "Settings",
    "SideDifferenceSettings",
    "SideEventSettings",
    "SignSettings",
    "SignalSettings",
    "VideoSettings",
    "as_settings",
    "default_table",
    "load_config",
    "load_defaults",
]

DEFAULTS_FILE = "defaults.toml"


def default_table() -> dict[str, Any]:
    """The shipped defaults as the nested dict the TOML file reads as (a fresh copy)."""
    text = resources.files("gaitlab.config").joinpath(DEFAULTS_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


@functools.cache
def load_defaults() -> Settings:
    """The shipped defaults (read once; the object is frozen, so it is shared)."""
    return build(Settings, default_table(), source=DEFAULTS_FILE)


def load_config(path: str | Path | None = None) -> Settings:
    """The defaults, overridden by the TOML file at ``path`` if given.

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML, names unknown settings or gives a value of
        the wrong type or range (one sentence naming the key, the value and what is expected).
    """
    if path is None:
        return load_defaults()
    path = Path(path)
    try:
        user = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(say("error.config.missing", path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(say("error.config.unreadable", path=path, problem=exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(say("error.config.not_toml", path=path, problem=exc)) from None
    source = str(path)
    return build(Settings, merge(default_table(), user, source=source), source=source)


def as_settings(config: Settings | Mapping[str, Any] | None) -> Settings:
    """Settings from what a caller of the Python API gave: settings as they are, None for the
    defaults, or a nested dict of overrides (checked as a ``--config`` file is).

    Raises
    ------
    ConfigError
        For an unknown key or a wrong value in a dict of overrides.
    """
    if config is None:
        return load_defaults()
    if isinstance(config, Settings):
        return config
    return load_defaults().with_overrides(dict(config))
