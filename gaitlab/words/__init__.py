"""The catalogue of words: every sentence a user reads lives in ``catalogue.toml``.

>>> from gaitlab.words import say
>>> say("finding.hip_tightness.not_assessed")
'Hip tightness was not assessed: it needs a clip filmed from the side.'
>>> say("words.frames", n=1), say("words.frames", n=2)
('1 frame', '2 frames')

How to add a sentence
---------------------
Write it into ``catalogue.toml`` under a dotted key that says where it is used
(``error.video.too_short``, ``metric.<name>.accuracy``, ``cli.wrote``), with ``{fields}`` for
the values it names (format specs allowed: ``{duration_s:.1f}``), and use it as
``say("error.video.too_short", name=..., duration_s=...)``. Never write the sentence in the
code: a test fails on a literal passed to an error, ``print``/``echo`` or a ``reason=``,
``accuracy=``, ``message=`` argument.

Plurals
-------
A sentence that names a count is a table with a ``one`` and an ``other`` form (and, where it
reads better, a ``zero`` form); ``by`` names the field whose value picks the form (default
``n``)::

    frames = { one = "{n} frame", other = "{n} frames" }
    usable = { by = "fewest", one = "{fewest} usable step on one side", other = "..." }

``say("words.frames", n=3)`` gives ``"3 frames"``.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

#: The forms of a plural entry.
PLURAL_FORMS = ("zero", "one", "other")


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


def is_plural(node: Any) -> bool:
    """Whether a catalogue entry is a plural sentence (a table with ``one`` and ``other``)."""
    return (
        isinstance(node, dict)
        and "one" in node
        and "other" in node
        and set(node) <= {*PLURAL_FORMS, "by"}
    )


def say(key: str, /, **fields: Any) -> str:
    """The sentence at ``key`` with ``{fields}`` filled in.

    For a plural entry the field named by its ``by`` (default ``n``) picks the form: ``zero``
    (where given) for 0, ``one`` for 1, ``other`` otherwise.

    Raises
    ------
    KeyError
        When the entry is missing, is not a sentence, or a plural's count field is not given.
    """
    text = entry(key)
    if is_plural(text):
        by = text.get("by", "n")
        if by not in fields:
            raise KeyError(f"Catalogue entry '{key}' needs the count field '{by}'.")
        count = fields[by]
        form = "zero" if count == 0 and "zero" in text else "one" if count == 1 else "other"
        text = text[form]
    if not isinstance(text, str):
        raise KeyError(f"Catalogue entry '{key}' is not a sentence.")
    return text.format(**fields) if fields else text
