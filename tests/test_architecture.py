"""The package's structure: no import cycle, and the pipeline layers only import downward.

Imports are read from the source (AST), not by importing: every ``import gaitlab...`` and
``from gaitlab... import ...`` in every module of the package, resolved to the module it loads
(``from gaitlab.events import columns`` is ``gaitlab.events.columns``; ``from gaitlab.result
import Metric`` is ``gaitlab.result``). Three kinds are told apart:

* module level: run when the module is imported (this includes ``try``/``if`` blocks at the top);
* typing only: under ``if TYPE_CHECKING:``; never run, but a dependency all the same;
* deferred: inside a function, run when it is called (the command line and the lazy package
  attributes use them to keep ``import gaitlab`` fast); ``importlib.import_module("gaitlab.x")``
  with a literal name counts too.

The layers, lowest first (a module may import its own layer's modules and any lower layer)::

    base: gaitlab, errors, words, io, quiet, result, config, schema
    video < pose < markers < signals < events < metrics < findings < result.analysis < report
    < quality, export, synthetic < api < batch < web < cli < __main__
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gaitlab"

#: Layers, lowest first: module-name prefixes (relative to ``gaitlab``); "" is the package itself.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("", "errors", "words", "io", "quiet", "result", "config", "schema"),
    ("video",),
    ("pose",),
    ("markers",),
    ("signals",),
    ("events",),
    ("metrics",),
    ("findings",),
    ("result.analysis",),
    ("report",),
    ("quality", "export", "synthetic", "labels"),
    ("api",),
    ("batch",),
    ("web",),
    ("cli", "labels.cli"),
    ("__main__",),
)

#: Deferred imports allowed to point upward or close a cycle, with the reason.
DEFERRED_ALLOWED: dict[tuple[str, str], str] = {
    # PEP 562 lazy attributes: `gaitlab.analyze`, `gaitlab.Analysis` and `gaitlab.batch` are
    # re-exports resolved on first use, so `import gaitlab` stays light (no MediaPipe, pandas).
    ("gaitlab", "gaitlab.api"): "lazy re-export of gaitlab.analyze / gaitlab.Analysis",
    ("gaitlab", "gaitlab.batch"): "lazy re-export of gaitlab.batch",
}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


MODULES = all_modules()


def _resolve(name: str, attr: str | None) -> str | None:
    """The gaitlab module that ``from name import attr`` (or ``import name``) loads."""
    if not (name == "gaitlab" or name.startswith("gaitlab.")):
        return None
    if attr is not None and f"{name}.{attr}" in MODULES:
        return f"{name}.{attr}"
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str) -> dict[str, set[str]]:
    """The gaitlab modules ``module`` imports, by kind: ``module``, ``typing``, ``deferred``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, set[str]] = {"module": set(), "typing": set(), "deferred": set()}

    def visit(node: ast.AST, kind: str) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.body:
                visit(child, "typing")
            for child in node.orelse:
                visit(child, kind)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            kind = "deferred" if kind == "module" else kind
        targets: list[str | None] = []
        if isinstance(node, ast.Import):
            targets = [_resolve(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [_resolve(base, a.name) for a in node.names]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):  # importlib.import_module("gaitlab.x")
            targets = [_resolve(node.args[0].value, None)]
        for target in targets:
            if target is not None and target != module:
                found[kind].add(target)
        for child in ast.iter_child_nodes(node):
            visit(child, kind)

    for child in tree.body:
        visit(child, "module")
    return found


def layer_of(module: str) -> int:
    rel = module.removeprefix("gaitlab").removeprefix(".")
    best, best_len = None, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = rel == prefix or (prefix and rel.startswith(prefix + "."))
            if matches and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in ``graph`` (as a list of modules, first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


IMPORTS = {m: imports_of(m) for m in MODULES}


def test_the_scanner_reads_imports_of_every_kind():
    api = IMPORTS["gaitlab.api"]
    assert "gaitlab.pose.extract" in api["module"]
    # `from gaitlab.events import columns as C`, inside a function
    assert "gaitlab.events.columns" in api["deferred"]
    assert "gaitlab.result.analysis" in api["typing"]
    assert "gaitlab.result.analysis" in IMPORTS["gaitlab.report.write"]["typing"]
    assert "gaitlab.api" in IMPORTS["gaitlab.cli"]["deferred"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_at_module_level():
    graph = {m: set(k["module"]) for m, k in IMPORTS.items()}
    assert find_cycle(graph) is None


def test_no_import_cycle_counting_typing_and_deferred_imports():
    graph = {
        m: {t for kind in k.values() for t in kind if (m, t) not in DEFERRED_ALLOWED}
        for m, k in IMPORTS.items()
    }
    assert find_cycle(graph) is None


@pytest.mark.parametrize("kind", ["module", "typing", "deferred"])
def test_layers_only_import_downward(kind):
    wrong = [
        f"{m} (layer {layer_of(m)}) imports {t} (layer {layer_of(t)})"
        for m, k in IMPORTS.items()
        for t in sorted(k[kind])
        if layer_of(t) > layer_of(m) and (m, t) not in DEFERRED_ALLOWED
    ]
    assert wrong == []


def test_allowed_exceptions_still_exist():
    for (m, t), reason in DEFERRED_ALLOWED.items():
        assert t in IMPORTS[m]["deferred"], f"{m} -> {t} ({reason}) is gone: drop the exception"


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer_of(module)
