"""Every sentence a user reads comes from the words catalogue, through ``say()``.

``say`` fills fields in and picks plural forms; the scan below reads the package's source
(AST) and fails on a sentence written inline where a user reads it: the message of one of
gaitlab's errors, what ``print``/``typer.echo``/``click.echo``/``sys.stderr.write`` show, the
``reason=``, ``accuracy=``, ``message=``, ``summary=``, ``fix=`` and ``note=`` arguments (and
assignments to variables of those names), and what is appended to a list of ``reasons``.
A string there must come from ``say()`` (or ``entry()``); literal text anywhere in the
expression, an f-string included, is a finding.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import gaitlab
import gaitlab.errors
from gaitlab.words import catalogue, entry, is_plural, say

PACKAGE = Path(gaitlab.__file__).parent

#: Keyword arguments (and variables) that hold a sentence for the user.
SENTENCE_NAMES = {"reason", "accuracy", "message", "summary", "fix", "note"}
#: Lists of sentences for the user: what ``<name>.append(...)`` adds is checked.
SENTENCE_LISTS = {"reasons", "notes", "messages"}
#: Calls that show text to the user.
ECHO_CALLS = {"print", "echo", "secho", "_err"}
#: Calls whose string arguments are catalogue keys, not sentences (``registry.accuracy``
#: reads ``metric.<name>.accuracy_<variant>``).
WORD_CALLS = {"say", "entry", "accuracy"}

#: Inline text allowed where the scan looks, with the reason: (file, line text fragment).
ALLOWED: dict[tuple[str, str], str] = {}


def _error_classes() -> set[str]:
    """Names of gaitlab's error classes: those in gaitlab.errors and their subclasses defined
    anywhere in the package."""
    names = {
        n
        for n, obj in vars(gaitlab.errors).items()
        if isinstance(obj, type) and issubclass(obj, gaitlab.errors.GaitlabError)
    }
    changed = True
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")]
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        changed = True
    return names


ERROR_CLASSES = _error_classes()


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _literal_text(expr: ast.AST | None) -> bool:
    """Whether ``expr`` (a value shown to the user) holds literal text: a string with words,
    in an f-string, a concatenation, a conditional or ``"...".join(...)``; not a catalogue key
    given to say(), and not a value of another call, a name, an attribute or an index."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str) and bool(re.search(r"[A-Za-z]{2}", expr.value))
    if isinstance(expr, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _literal_text(v) for v in expr.values) or any(
            _literal_text(v.value) for v in expr.values if isinstance(v, ast.FormattedValue)
        )
    if isinstance(expr, ast.BinOp):
        return _literal_text(expr.left) or _literal_text(expr.right)
    if isinstance(expr, ast.IfExp):
        return _literal_text(expr.body) or _literal_text(expr.orelse)
    if isinstance(expr, ast.BoolOp):
        return any(_literal_text(v) for v in expr.values)
    if (  # "...".join(parts), "...{}".format(x)
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr in ("join", "format")
    ):
        return _literal_text(expr.func.value) or any(_literal_text(a) for a in expr.args)
    return False


def _shows_text(node: ast.Call) -> bool:
    """print(), typer/click echo, the CLI's _err(), sys.stderr/stdout.write()."""
    callee = _callee(node)
    if callee in ECHO_CALLS:
        return True
    func = node.func
    return (
        callee == "write"
        and isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Attribute)
        and func.value.attr in ("stderr", "stdout")
    )


def inline_sentences(source: str, name: str) -> list[str]:
    """Where ``source`` writes a user-facing sentence inline."""
    found: list[tuple[int, str]] = []
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        hits: list[ast.AST] = []
        if isinstance(node, ast.Call):
            func = node.func
            adds_sentence = (
                isinstance(func, ast.Attribute)
                and func.attr in ("append", "extend", "insert")
                and isinstance(func.value, ast.Name)
                and func.value.id in SENTENCE_LISTS
            )
            if _callee(node) in ERROR_CLASSES or _shows_text(node) or adds_sentence:
                hits += [
                    *node.args,
                    *(k.value for k in node.keywords if k.arg in (None, "message")),
                ]
            if _callee(node) not in WORD_CALLS:  # say(key, reason=...) is checked as a value
                hits += [k.value for k in node.keywords if k.arg in SENTENCE_NAMES]
            else:
                hits += [k.value for k in node.keywords]
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None and any(
                isinstance(t, ast.Name) and t.id in SENTENCE_NAMES for t in targets
            ):
                hits.append(node.value)
        for expr in hits:
            if _literal_text(expr):
                text = lines[expr.lineno - 1].strip()
                if not any(f == name and frag in text for (f, frag) in ALLOWED):
                    found.append((expr.lineno, f"{name}:{expr.lineno}: {text[:90]}"))
    return [text for _, text in sorted(set(found))]


def test_no_user_facing_sentence_is_written_inline():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += inline_sentences(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert found == [], "\n".join(found)


def test_every_allowed_inline_sentence_still_exists():
    for (name, fragment), reason in ALLOWED.items():
        text = (PACKAGE / name).read_text(encoding="utf-8")
        assert fragment in text, f"{name}: {fragment!r} is gone ({reason}): drop the exception"


def test_the_scan_finds_inline_sentences():
    source = """
raise InputError(f"the file {path} is empty")
raise ConfigError("Unknown setting.")
print("wrote the report")
typer.echo(f"{n} videos done")
m = Metric(name="x", reason="too few strides")
reason = "neither line was seen"
raise InputError(say("error.video.empty", path=path))
print(json.dumps(result))
print(say("cli.wrote", path=out))
raise ValueError(f"bug: {x!r}")
reason = say("metric.reason.lines_not_seen")
summary = json.loads(path.read_text(encoding="utf-8"))
message = say("check.view.unsuitable", reason=reason or "no clear view")
fix = f" {check['fix']}" if check.get("fix") else ""
sys.stderr.write("gaitlab: done\\n")
reasons.append(f"facing {facing}")
"""
    found = inline_sentences(source, "x.py")
    lines = [int(f.split(":")[1]) for f in found]
    assert lines == [2, 3, 4, 5, 6, 7, 14, 16, 17], found


def test_every_literal_catalogue_key_in_the_package_exists():
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and _callee(node) in ("say", "entry")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                try:
                    entry(node.args[0].value)
                except KeyError:
                    missing.append(f"{path.name}:{node.lineno} {node.args[0].value}")
    assert missing == []


def test_say_fills_fields_and_picks_plural_forms():
    assert say("words.frames", n=1) == "1 frame"
    assert say("words.frames", n=2) == "2 frames"
    assert say("words.frames", n=0) == "0 frames"
    assert say("words.usable_steps", n=1) == "1 usable step"
    assert say("words.usable_steps", n=7) == "7 usable steps"
    assert say("metric.how.cadence", n=1).endswith("of 1 usable stride")
    with pytest.raises(KeyError, match="count field 'n'"):
        say("words.frames", count=3)
    with pytest.raises(KeyError, match="No entry"):
        say("words.no_such_sentence")


def test_plural_entries_are_well_formed():
    def walk(node, where=""):
        if is_plural(node):
            by = node.get("by", "n")
            for form in ("one", "other"):
                assert "{" + by in node[form], f"{where}.{form} does not name {{{by}}}"
            return
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{where}.{k}" if where else k)

    walk(catalogue())
