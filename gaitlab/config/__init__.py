"""The one configuration file: shipped defaults plus a user's TOML overrides.

Parsed at the edges (CLI, web, batch) into a plain nested dict; stages receive plain keyword
arguments taken from it, never the dict itself.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from gaitlab.errors import ConfigError
from gaitlab.words import say

DEFAULTS_FILE = "defaults.toml"


def load_defaults() -> dict[str, Any]:
    """The shipped defaults as a nested dict."""
    text = resources.files("gaitlab.config").joinpath(DEFAULTS_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def merge(base: Mapping[str, Any], override: Mapping[str, Any], *, where: str = "") -> dict:
    """``base`` with ``override`` applied key by key; unknown keys are an error.

    Raises
    ------
    ConfigError
        Naming every unknown key and the allowed ones.
    """
    out = copy.deepcopy(dict(base))
    unknown: list[str] = []
    for key, value in override.items():
        path = f"{where}.{key}" if where else key
        if key not in base:
            unknown.append(path)
        elif isinstance(base[key], Mapping) and isinstance(value, Mapping):
            out[key] = merge(base[key], value, where=path)
        elif isinstance(base[key], Mapping) != isinstance(value, Mapping):
            kind = "table" if isinstance(base[key], Mapping) else "value"
            raise ConfigError(say("error.config.wrong_kind", path=path, kind=kind))
        else:
            out[key] = value
    if unknown:
        allowed = ", ".join(sorted(base))
        raise ConfigError(say("error.config.unknown", names=", ".join(unknown), allowed=allowed))
    return out


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """Defaults, overridden by the TOML file at ``path`` if given.

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML or names unknown settings.
    """
    config = load_defaults()
    if path is None:
        return config
    path = Path(path)
    try:
        user = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(say("error.config.missing", path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(say("error.config.unreadable", path=path, problem=exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(say("error.config.not_toml", path=path, problem=exc)) from None
    return merge(config, user)
