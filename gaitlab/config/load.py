"""Reading settings tables into the typed classes of :mod:`gaitlab.config.settings`, and back.

:func:`merge` lays a user's table over the defaults (unknown keys are an error);
:func:`build` turns the merged table into frozen settings objects, checking each value against
its field's type and range; :func:`to_table` is the way back (``Settings.to_dict``). Every
problem is one :class:`~gaitlab.errors.ConfigError` sentence from the words catalogue naming
the key, the value and what is expected.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import json
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union

from gaitlab.errors import ConfigError
from gaitlab.words import say

T = TypeVar("T")


def merge(
    base: Mapping[str, Any], override: Mapping[str, Any], *, source: str = "", where: str = ""
) -> dict[str, Any]:
    """``base`` with ``override`` applied key by key; unknown keys are an error.

    Parameters
    ----------
    base
        The full table (the defaults).
    override
        The keys to change, nested like ``base``.
    source
        Where ``override`` comes from (a file name), for the error sentence.
    where
        The dotted path of ``base`` in the whole configuration.

    Raises
    ------
    ConfigError
        Naming the unknown keys and the allowed ones, or a table given where a value belongs
        (or the other way round).
    """
    out = copy.deepcopy(dict(base))
    unknown: list[str] = []
    for key, value in override.items():
        path = f"{where}.{key}" if where else key
        if key not in base:
            unknown.append(f"{path} = {show(value)}")
        elif isinstance(base[key], Mapping) and isinstance(value, Mapping):
            out[key] = merge(base[key], value, source=source, where=path)
        elif isinstance(base[key], Mapping) != isinstance(value, Mapping):
            kind = "table" if isinstance(base[key], Mapping) else "value"
            raise ConfigError(
                say(
                    "error.config.wrong_kind",
                    path=path,
                    value=show(value),
                    expected=say(f"config.expected.{kind}"),
                    source=source_name(source),
                )
            )
        else:
            out[key] = value
    if unknown:
        raise ConfigError(
            say(
                "error.config.unknown",
                names=", ".join(unknown),
                source=source_name(source),
                allowed=", ".join(sorted(base)),
            )
        )
    return out


def build(cls: type[T], table: Mapping[str, Any], *, source: str = "", where: str = "") -> T:
    """A settings object of class ``cls`` from its table, every value checked.

    Raises
    ------
    ConfigError
        For a missing or unknown key, or a value of the wrong type or out of range.
    """
    hints = _hints(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    known = {f.name for f in fields}
    extra = [k for k in table if k not in known]
    if extra:
        names = ", ".join(f"{_join(where, k)} = {show(table[k])}" for k in extra)
        allowed = ", ".join(sorted(known))
        raise ConfigError(
            say("error.config.unknown", names=names, source=source_name(source), allowed=allowed)
        )
    values = {}
    for f in fields:
        path = _join(where, f.name)
        if f.name not in table:
            if f.default is not dataclasses.MISSING:
                continue
            raise ConfigError(
                say("error.config.missing_key", path=path, source=source_name(source))
            )
        values[f.name] = _convert(hints[f.name], table[f.name], f.metadata, source, path)
    return cls(**values)


def to_table(obj: Any) -> Any:
    """A settings object as plain nested dicts and lists (keys left out when None)."""
    if not dataclasses.is_dataclass(obj):
        return obj
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None and f.default is None:
            continue
        key_field = f.metadata.get("keyed_by")
        if key_field:
            out[f.name] = {
                getattr(item, key_field): {
                    k: v for k, v in to_table(item).items() if k != key_field
                }
                for item in value
            }
        elif isinstance(value, tuple):
            out[f.name] = [to_table(v) for v in value]
        else:
            out[f.name] = to_table(value)
    return out


def show(value: Any) -> str:
    """A value as written in TOML (short), for an error sentence."""
    if isinstance(value, Mapping):
        return say("config.expected.table")
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def source_name(source: str) -> str:
    """``source`` for a sentence: the file name, or the words for settings given otherwise."""
    return source or say("config.source_default")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


class _MismatchError(Exception):
    """A value that does not fit a type; carries what was expected."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _convert(tp: Any, value: Any, meta: Mapping[str, Any], source: str, path: str) -> Any:
    try:
        return _fit(tp, value, meta, source, path)
    except _MismatchError as m:
        raise ConfigError(
            say(
                "error.config.wrong_type",
                path=path,
                value=show(value),
                expected=m.expected,
                source=source_name(source),
            )
        ) from None


def _fit(tp: Any, value: Any, meta: Mapping[str, Any], source: str, path: str) -> Any:
    """``value`` as type ``tp``, or :class:`_MismatchError` naming what was expected."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise _MismatchError(expected(tp, meta))
        return build(tp, value, source=source, where=path)  # type: ignore[arg-type]
    if origin in (Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            with contextlib.suppress(_MismatchError):
                return _fit(option, value, meta, source, path)
        raise _MismatchError(expected(tp, meta))
    if origin is Literal:
        if any(value == c and type(value) is type(c) for c in typing.get_args(tp)):
            return value
        raise _MismatchError(expected(tp, meta))
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        key_field = meta.get("keyed_by")
        if key_field:
            if not isinstance(value, Mapping) or not all(
                isinstance(v, Mapping) for v in value.values()
            ):
                raise _MismatchError(expected(tp, meta))
            return tuple(
                build(item_tp, {key_field: k, **v}, source=source, where=_join(path, k))
                for k, v in value.items()
            )
        if not isinstance(value, list):
            raise _MismatchError(expected(tp, meta))
        return tuple(_convert(item_tp, v, {}, source, f"{path}[{i}]") for i, v in enumerate(value))
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _MismatchError(expected(tp, meta))
    if tp is str:
        if isinstance(value, str):
            return value
        raise _MismatchError(expected(tp, meta))
    if tp in (int, float):
        ok = isinstance(value, int) if tp is int else isinstance(value, int | float)
        if not ok or isinstance(value, bool) or not _in_range(value, meta):
            raise _MismatchError(expected(tp, meta))
        return value if tp is int else float(value)
    raise TypeError(f"settings field type {tp!r} at {path} is not supported")  # a bug


def expected(tp: Any, meta: Mapping[str, Any] | None = None) -> str:
    """What a value of type ``tp`` (with the range in ``meta``) must be, in words."""
    meta = meta or {}
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return say("config.expected.table")
    if origin in (Union, types.UnionType):
        words = [expected(t, meta) for t in typing.get_args(tp) if t is not type(None)]
        return functools.reduce(lambda a, b: say("config.expected.either", a=a, b=b), words)
    if origin is Literal:
        choices = typing.get_args(tp)
        shown = ", ".join(show(c) for c in choices)
        return shown if len(choices) == 1 else say("config.expected.one_of", choices=shown)
    if origin is tuple:
        if meta.get("keyed_by"):
            return say("config.expected.table_of_tables")
        return say("config.expected.list_of", item=expected(typing.get_args(tp)[0]))
    if tp is bool:
        return say("config.expected.true_false")
    if tp is str:
        return say("config.expected.text")
    kind = say("config.expected.whole_number" if tp is int else "config.expected.number")
    return _with_range(kind, meta)


def _in_range(x: float, meta: Mapping[str, Any]) -> bool:
    if x != x:  # NaN (TOML's nan)
        return False
    if "ge" in meta and not x >= meta["ge"]:
        return False
    if "gt" in meta and not x > meta["gt"]:
        return False
    return not ("le" in meta and not x <= meta["le"])


def _with_range(kind: str, meta: Mapping[str, Any]) -> str:
    lo = meta.get("ge", meta.get("gt"))
    hi = meta.get("le")
    lo = None if lo is None else format(lo, "g")
    hi = None if hi is None else format(hi, "g")
    if lo is not None and hi is not None:
        return say("config.expected.from_to", kind=kind, lo=lo, hi=hi)
    if "gt" in meta:
        return say("config.expected.above", kind=kind, lo=lo)
    if "ge" in meta:
        return say("config.expected.at_least", kind=kind, lo=lo)
    return kind
