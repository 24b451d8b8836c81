"""Every figure in the README's accuracy table agrees with the results file or test it names.

The table sits between two marker lines in ``README.md``::

    <!-- accuracy-table: checked by tests/test_readme_claims.py -->
    | metric | measured on | figure | value | source |
    |---|---|---|---|---|
    | `step_length_leg` | synthetic | 95 % within (leg lengths) | 0.013 | `R.json#/errors/x/p95` |
    <!-- /accuracy-table -->

How to add a row
----------------
Write the figure in ``value`` as a number, optionally followed by a unit (``0.84 deg``,
``-0.14 %``, ``42 ms``). It must equal its source rounded to the decimals written: ``0.013``
passes for 0.0132 and fails for 0.0138; ``1.10`` needs 1.095 to 1.105. The ``source`` cell is
one code span, either

* a results JSON file and an expression: ``FILE.json#EXPR``. ``EXPR`` is a JSON Pointer
  (RFC 6901: keys split by ``/``; a ``/`` inside a key is written ``~1``; list items by
  number), e.g. ``#/clips/male_side.mp4/cadence/reported_error_pct``, or an aggregate over the
  items a ``*`` stands for: ``AGG(POINTER)`` or ``AGG(POINTER - POINTER)`` (measured minus
  truth, item by item; both pointers share the part before the ``*``), where ``AGG`` is
  ``min``, ``max``, ``mean``, ``mean_abs``, ``max_abs`` or ``count``. Items whose value is
  null (a clip without a value) are left out. The file must name the command that writes it
  (a ``command`` key, or a ``Command:`` line or ``sh`` block in the ``.md`` of the same name),
  and that script must exist; or
* a test and a key: ``tests/test_x.py::test_name#key``. The test module defines a
  ``README_FIGURES = {"key": value, ...}`` dict of literals, and ``test_name`` asserts with
  ``README_FIGURES["key"]`` (a bound it checks, e.g. a tolerance against the truth).

Only the ``value`` column is checked; keep numbers out of the ``figure`` words except those
that define the figure (``95 %`` of runners, ``at 30 fps``).
"""

from __future__ import annotations

import ast
import json
import math
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
START = "<!-- accuracy-table: checked by tests/test_readme_claims.py -->"
END = "<!-- /accuracy-table -->"
COLUMNS = ["metric", "measured on", "figure", "value", "source"]
AGGREGATES = ("min", "max", "mean", "mean_abs", "max_abs", "count")
NUMBER = re.compile(r"^([+\-\u2212]?)(\d+)(?:\.(\d+))?(?:\s+\S.*)?$")
CODE = re.compile(r"^`([^`]+)`$")


@dataclass(frozen=True)
class Row:
    """One row of the accuracy table."""

    line: int
    metric: str
    value: str
    source: str

    def __str__(self) -> str:
        return f"README line {self.line} ({self.metric}, {self.value})"


def table_rows(text: str) -> list[Row]:
    """The rows between the markers; raises ValueError when the table is not in the format."""
    lines = text.splitlines()
    if lines.count(START) != 1 or lines.count(END) != 1:
        raise ValueError(f"the README needs exactly one {START!r} and one {END!r} line")
    first, last = lines.index(START), lines.index(END)
    body = [(n + 1, ln) for n, ln in enumerate(lines[first + 1 : last], start=first + 1)]
    body = [(n, ln) for n, ln in body if ln.strip()]
    cells = [(n, [c.strip() for c in ln.strip().strip("|").split("|")]) for n, ln in body]
    if len(cells) < 3 or cells[0][1] != COLUMNS or set("".join(cells[1][1])) - set("-: "):
        raise ValueError(f"the accuracy table must start with the header | {' | '.join(COLUMNS)} |")
    rows = []
    for n, row in cells[2:]:
        if len(row) != len(COLUMNS):
            raise ValueError(f"README line {n}: {len(row)} cells, expected {len(COLUMNS)}")
        rows.append(Row(n, row[0], row[3], row[4]))
    return rows


def written_number(value: str) -> tuple[float, float]:
    """The figure as written and the half-unit of its last decimal."""
    match = NUMBER.match(value.strip())
    if not match:
        raise ValueError(f"value {value!r} is not a number (with an optional unit)")
    sign, whole, decimals = match.groups()
    number = float(f"{whole}.{decimals or '0'}") * (-1.0 if sign in "-\u2212" and sign else 1.0)
    return number, 0.5 * 10.0 ** -len(decimals or "")


def _pointer_tokens(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} must start with '/'")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _step(node: object, token: str, where: str) -> object:
    if isinstance(node, list):
        if not token.isdigit() or int(token) >= len(node):
            raise ValueError(f"{where}: no list item {token!r}")
        return node[int(token)]
    if isinstance(node, dict):
        if token not in node:
            raise ValueError(f"{where}: no key {token!r} (keys: {', '.join(list(node)[:12])})")
        return node[token]
    raise ValueError(f"{where}: {token!r} asked of a {type(node).__name__}")


def resolve(document: object, tokens: list[str], where: str = "") -> object:
    """The value at a pointer without wildcards."""
    node = document
    for i, token in enumerate(tokens):
        node = _step(node, token, where + "/" + "/".join(tokens[:i]))
    return node


def _items(document: object, pointer: str) -> tuple[list[str], dict[str, object]]:
    """``(prefix, {item key: value after the *})`` for a pointer with one ``*``."""
    tokens = _pointer_tokens(pointer)
    if tokens.count("*") != 1:
        raise ValueError(f"an aggregate needs exactly one '*' in {pointer!r}")
    star = tokens.index("*")
    parent = resolve(document, tokens[:star])
    keyed = parent.items() if isinstance(parent, dict) else enumerate(parent)
    values = {}
    for key, item in keyed:
        try:
            values[str(key)] = resolve(item, tokens[star + 1 :], f"{pointer} item {key}")
        except ValueError:
            values[str(key)] = None  # an item without this value (e.g. a clip not measured)
    return tokens[:star], values


def evaluate(document: object, expression: str) -> float:
    """The number a source expression stands for in a results document."""
    expression = expression.strip()
    match = re.fullmatch(r"(\w+)\((.+)\)", expression)
    if not match:
        value = resolve(document, _pointer_tokens(expression))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{expression} is {value!r}, not a number")
        return float(value)
    aggregate, inner = match.groups()
    if aggregate not in AGGREGATES:
        raise ValueError(f"unknown aggregate {aggregate!r}; use one of {', '.join(AGGREGATES)}")
    parts = [p.strip() for p in inner.split(" - ")]
    if len(parts) > 2:
        raise ValueError(f"at most one difference in {expression!r}")
    prefix, values = _items(document, parts[0])
    if len(parts) == 2:
        prefix_b, truth = _items(document, parts[1])
        if prefix_b != prefix:
            raise ValueError(f"both pointers of {expression!r} must share the part before '*'")
        values = {
            k: v - truth[k] if _is_number(v) and _is_number(truth.get(k)) else None
            for k, v in values.items()
        }
    numbers = [float(v) for v in values.values() if _is_number(v)]
    if not numbers:
        raise ValueError(f"{expression}: no item has a number")
    return {
        "min": min,
        "max": max,
        "mean": lambda x: sum(x) / len(x),
        "mean_abs": lambda x: sum(abs(v) for v in x) / len(x),
        "max_abs": lambda x: max(abs(v) for v in x),
        "count": len,
    }[aggregate](numbers)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def results_command(path: Path) -> str:
    """The command that writes a results JSON file, from the file or the Markdown beside it."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(document, dict) and document.get("command"):
        return str(document["command"])
    md = path.with_suffix(".md")
    text = md.read_text(encoding="utf-8") if md.is_file() else ""
    found = re.search(r"^Command: `([^`]+)`", text, re.M) or re.search(
        r"^```sh\n([^\n]+)\n", text, re.M
    )
    if not found:
        raise ValueError(f"{path.name} does not say the command that writes it")
    return found.group(1)


def _script_of(command: str) -> Path:
    scripts = [arg for arg in shlex.split(command) if arg.endswith(".py")]
    if not scripts:
        raise ValueError(f"no Python script in the command {command!r}")
    return REPO / scripts[0]


def figure_of_test(spec: str, key: str) -> float:
    """The figure a test module keeps under ``key``, after checking that the test uses it."""
    file_part, _, test_name = spec.partition("::")
    path = REPO / file_part
    if not path.is_file():
        raise ValueError(f"{file_part} does not exist")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    figures = None
    functions = {}
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        if any(isinstance(t, ast.Name) and t.id == "README_FIGURES" for t in targets):
            figures = ast.literal_eval(value)
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
    if figures is None or key not in figures:
        raise ValueError(f"{file_part} has no README_FIGURES[{key!r}]")
    if test_name not in functions or not test_name.startswith("test"):
        raise ValueError(f"{file_part} has no test function {test_name!r}")
    used = any(
        isinstance(n, ast.Subscript)
        and isinstance(n.value, ast.Name)
        and n.value.id == "README_FIGURES"
        and isinstance(n.slice, ast.Constant)
        and n.slice.value == key
        for n in ast.walk(functions[test_name])
    )
    if not used:
        raise ValueError(f"{test_name} does not use README_FIGURES[{key!r}]")
    return float(figures[key])


def source_value(source: str) -> float:
    """The number a row's source cell names."""
    match = CODE.match(source.strip())
    if not match:
        raise ValueError(f"source {source!r} must be one code span")
    spec, hash_, expression = match.group(1).partition("#")
    if not hash_:
        raise ValueError(f"source {spec!r} needs '#': FILE.json#EXPR or tests/x.py::test#key")
    if "::" in spec:
        return figure_of_test(spec, expression)
    path = REPO / spec
    if path.suffix != ".json" or not path.is_file():
        raise ValueError(f"{spec} is not a results JSON file of the repository")
    script = _script_of(results_command(path))
    if not script.is_file():
        raise ValueError(f"{spec} says it is made by {script.relative_to(REPO)}, which is missing")
    return evaluate(json.loads(path.read_text(encoding="utf-8")), expression)


def check_row(row: Row) -> str | None:
    """None when the row's value agrees with its source, else what is wrong."""
    try:
        written, half_unit = written_number(row.value)
        actual = source_value(row.source)
    except (ValueError, OSError, SyntaxError) as error:
        return f"{row}: {error}"
    if abs(actual - written) > half_unit * (1 + 1e-9) + 1e-12:
        return f"{row}: the source says {actual:.6g}, which does not round to {row.value}"
    return None


def test_every_figure_in_the_readme_accuracy_table_matches_its_source():
    rows = table_rows((REPO / "README.md").read_text(encoding="utf-8"))
    assert len(rows) >= 10, "the accuracy table lost its rows"
    problems = [p for p in map(check_row, rows) if p]
    assert not problems, "\n".join(problems)


def _nudged(value: str) -> str:
    """``value`` with its last written digit moved up by two (``0.013`` -> ``0.015``)."""
    match = re.match(r"^([+\-\u2212]?[\d.]+)(.*)$", value)
    number, unit = match.groups()
    decimals = len(number.partition(".")[2])
    return f"{float(number.replace(chr(0x2212), '-')) + 2 * 10.0**-decimals:.{decimals}f}{unit}"


def test_every_row_of_the_readme_table_fails_when_its_value_is_changed():
    rows = table_rows((REPO / "README.md").read_text(encoding="utf-8"))
    for row in rows:
        nudged = Row(row.line, row.metric, _nudged(row.value), row.source)
        assert check_row(nudged) is not None, f"{row}: {nudged.value} would pass too"


# The checker itself, on made-up tables: it must fail on the mistakes it exists to catch.

COHORT = "benchmarks/results/cohort_hip_tightness.json"
FRONTAL, KNEE = "tests/test_frontal.py", "knee_frontal_projection_deg"
HEADER = [START, "| " + " | ".join(COLUMNS) + " |", "|---|---|---|---|---|"]


def _row(value: str, source: str) -> Row:
    text = "\n".join([*HEADER, f"| `m` | synthetic | words | {value} | `{source}` |", END])
    return table_rows(text)[0]


def test_a_figure_that_rounds_to_its_source_passes():
    source = f"{COHORT}#/errors/step_length_leg/p95_abs"  # 0.01318
    assert check_row(_row("0.013 leg lengths", source)) is None
    assert check_row(_row("0.0132", source)) is None


@pytest.mark.parametrize(
    ("value", "source", "complaint"),
    [
        ("0.012", f"{COHORT}#/errors/step_length_leg/p95_abs", "does not round"),
        ("0.0131", f"{COHORT}#/errors/step_length_leg/p95_abs", "does not round"),
        ("0.013", f"{COHORT}#/errors/step_length/p95_abs", "no key 'step_length'"),
        ("1", f"{COHORT}#/tables/finding (hip_tightness flagged)/9/sensitivity", "no list item"),
        ("0.01", f"{COHORT}#errors", "must start with '/'"),
        ("about 0.01", f"{COHORT}#/errors/step_length_leg/p95_abs", "not a number"),
        ("3", "benchmarks/results/nothing.json#/a", "not a results JSON file"),
        ("1.2", f"{FRONTAL}::test_knee_frontal_projection_angle#other", "no README"),
        ("1.2", f"{FRONTAL}::test_metrics_carry_the_common_fields#{KNEE}", "does not use"),
        ("1.3", f"{FRONTAL}::test_knee_frontal_projection_angle#{KNEE}", "does not round"),
        ("1.2", f"{FRONTAL}::test_no_such_test#{KNEE}", "no test function"),
        ("2", f"median({COHORT}#/errors/*/p95_abs)", "not a results JSON file"),
        ("0.013", COHORT, "needs '#'"),
        ("2", f"{COHORT}#max(/errors/*/p95_abs - /margins/*)", "share the part before"),
        ("2", f"{COHORT}#median(/errors/*/p95_abs)", "unknown aggregate"),
    ],
)
def test_the_checker_catches(value, source, complaint):
    problem = check_row(_row(value, source))
    assert problem is not None and complaint in problem, problem


def test_aggregates_over_items_and_differences():
    document = {
        "clips": [
            {"measured": 1.5, "truth": 1.0},
            {"measured": 0.0, "truth": 1.0},
            {"measured": None, "truth": 2.0},  # no value: left out
        ]
    }
    difference = "(/clips/*/measured - /clips/*/truth)"
    assert evaluate(document, "mean_abs" + difference) == pytest.approx(0.75)
    assert evaluate(document, "max_abs" + difference) == pytest.approx(1.0)
    assert evaluate(document, "mean" + difference) == pytest.approx(-0.25)
    assert evaluate(document, "count(/clips/*/measured)") == 2
    assert evaluate(document, "max(/clips/*/truth)") == 2.0
    with pytest.raises(ValueError, match="not a number"):
        evaluate(document, "/clips/2/measured")
    with pytest.raises(ValueError, match="share the part before"):
        evaluate({"a": [1], "b": [1]}, "mean(/a/* - /b/*)")


def test_a_missing_or_malformed_table_is_an_error():
    with pytest.raises(ValueError, match="exactly one"):
        table_rows("# README without the table\n")
    with pytest.raises(ValueError, match="header"):
        table_rows("\n".join([START, "| metric | value |", "|---|---|", "| a | 1 |", END]))
