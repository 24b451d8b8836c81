"""The web package's shape: FastAPI's bigger-applications layout, short functions, no cycles.

Read from the source with ``ast`` (nothing is imported or run), so these checks are instant.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[1] / "gaitlab" / "web"
MAX_FUNCTION_LINES = 60


def modules() -> dict[str, ast.Module]:
    """Every module of ``gaitlab.web`` by dotted name."""
    out = {}
    for path in sorted(WEB.rglob("*.py")):
        parts = path.relative_to(WEB.parent.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text("utf-8"), filename=str(path))
    return out


def packages() -> set[str]:
    return {
        ".".join(p.parent.relative_to(WEB.parent.parent).parts) for p in WEB.rglob("__init__.py")
    }


def imported(module: str, tree: ast.Module, *, top_level_only: bool) -> set[str]:
    """The ``gaitlab.web`` modules ``module`` imports (at the top, or anywhere)."""
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    package = module if module in packages() else module.rsplit(".", 1)[0]
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names |= {f"{base}.{a.name}" for a in node.names}
    return {n for n in names if n.startswith("gaitlab.web")}


def graph(*, top_level_only: bool) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (a package's own ``__init__`` excluded for
    its submodules: importing ``a.b`` runs ``a`` first, which is no cycle)."""
    mods = modules()
    edges = {}
    for name, tree in mods.items():
        targets = {m for m in imported(name, tree, top_level_only=top_level_only) if m in mods}
        edges[name] = targets - {name} - {p for p in mods if name.startswith(p + ".")}
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the import graph (as a list of modules), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


@pytest.mark.parametrize("top_level_only", [True, False], ids=["module level", "anywhere"])
def test_no_import_cycle_in_the_web_package(top_level_only: bool) -> None:
    edges = graph(top_level_only=top_level_only)
    assert len(edges) >= 20
    assert find_cycle(edges) is None, find_cycle(edges)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_function_in_the_web_package_is_longer_than_60_lines() -> None:
    long = []
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1  # decorators not counted
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []


def test_the_layout_is_fastapis_bigger_applications() -> None:
    """One ``APIRouter`` per area in ``routers/``; the app factory only assembles (no route is
    defined inside a function); no private router class."""
    mods = modules()
    routers = {n.rsplit(".", 1)[-1] for n in mods if n.startswith("gaitlab.web.routers.")}
    assert routers == {"pages", "runners", "clips", "history", "api"}
    assert {"gaitlab.web.dependencies", "gaitlab.web.services"} <= set(mods)
    for name, tree in mods.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if inner is node or not isinstance(
                        inner, ast.FunctionDef | ast.AsyncFunctionDef
                    ):
                        continue
                    for deco in inner.decorator_list:
                        target = deco.func if isinstance(deco, ast.Call) else deco
                        attr = target.attr if isinstance(target, ast.Attribute) else ""
                        assert attr not in {"get", "post", "put", "delete", "patch", "route"}, (
                            f"{name}.{node.name} defines a route inside a function"
                        )
            if isinstance(node, ast.ClassDef):
                assert "Route" not in node.name, f"{name}.{node.name}: use APIRouter"
        if name.startswith("gaitlab.web.routers."):
            assigned = [
                t.id
                for stmt in tree.body
                if isinstance(stmt, ast.Assign)
                for t in stmt.targets
                if isinstance(t, ast.Name)
            ]
            assert "router" in assigned, name
