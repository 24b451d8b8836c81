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
            raise ConfigError(
                f"Setting '{path}' must be a {kind} as in the defaults; fix it in your config file."
            )
        else:
            out[key] = value
    if unknown:
        allowed = ", ".join(sorted(base))
        raise ConfigError(
            f"Unknown setting(s) {', '.join(unknown)} in the config file; allowed at this level: "
            f"{allowed}."
        )
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
        raise ConfigError(f"Config file {path} does not exist; check the --config path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Config file {path} cannot be read ({exc}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Config file {path} is not valid TOML ({exc}); fix the line named."
        ) from None
    return merge(config, user)
