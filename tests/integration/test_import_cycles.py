"""No import cycle between the modules of one app, counting imports inside functions too.

A function-level import hides a cycle from Python but not from this test: the modules of an app
must form a one-way graph (models → selectors → services → views, tasks import downward).
"""

from __future__ import annotations

import grimp

IGNORED_PARTS = {"tests", "migrations"}


def _app_cycles(graph: grimp.ImportGraph, app: str) -> list[list[str]]:
    mods = {m for m in graph.find_descendants(app) | {app} if not IGNORED_PARTS & set(m.split("."))}
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in mods and i != m} for m in mods}
    # Tarjan's strongly connected components; a component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for m in sorted(mods):
        if m not in index:
            visit(m)
    return found


def test_no_import_cycle_between_modules_of_one_app() -> None:
    graph = grimp.build_graph("psdesk")
    apps = sorted({m.split(".")[1] for m in graph.modules if m.count(".") >= 1})
    cycles = {app: c for app in apps if (c := _app_cycles(graph, f"psdesk.{app}"))}
    assert cycles == {}
