"""The catalogue of words: every sentence a user reads lives in ``catalogue.toml``.

>>> from gaitlab.words import say
>>> say("finding.hip_tightness.not_assessed")
'Hip tightness was not assessed: it needs a clip filmed from the side.'
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any


@functools.cache
def catalogue() -> dict[str, Any]:
    """The whole catalogue as a nested dict (read once)."""
    text = resources.files("gaitlab.words").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def entry(key: str) -> Any:
    """The raw catalogue entry at a dotted ``key`` (a string, list or table).

    Raises
    ------
    KeyError
        Naming the missing key.
    """
    node: Any = catalogue()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"No entry '{key}' in the words catalogue.")
        node = node[part]
    return node


def say(key: str, **fields: Any) -> str:
    """The sentence at ``key`` with ``{fields}`` filled in."""
    text = entry(key)
    if not isinstance(text, str):
        raise KeyError(f"Catalogue entry '{key}' is not a sentence.")
    return text.format(**fields) if fields else text
