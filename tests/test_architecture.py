"""The shape of the code: no import cycle between modules or between packages.

The import graph comes from grimp, which reads every import statement of `pipeline` and
`schemas`, those inside functions and under `TYPE_CHECKING` included (an import hidden in a
function is still a dependency). It sees only folders with an `__init__.py`, hence the first
test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "schemas")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (each a cycle or a knot of
    cycles), sorted; Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def module_edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def package_edges(graph: grimp.ImportGraph) -> dict[str, dict[str, set[str]]]:
    """For every package (and for the top level), the imports between its children, each
    child standing for itself and everything below it: {package: {child: {child, ...}}}."""

    def child_of(parent: str, module: str) -> str | None:
        if parent == "":
            return module.split(".")[0]
        if not module.startswith(parent + "."):
            return None
        return parent + "." + module[len(parent) + 1 :].split(".")[0]

    parents = {""} | {m for m in graph.modules if graph.find_children(m)}
    result: dict[str, dict[str, set[str]]] = {}
    for parent in parents:
        edges: dict[str, set[str]] = {}
        for importer, imported in _imports(graph):
            a, b = child_of(parent, importer), child_of(parent, imported)
            if a and b and a != b:
                edges.setdefault(a, set()).add(b)
        result[parent] = edges
    return result


def _imports(graph: grimp.ImportGraph) -> Iterable[tuple[str, str]]:
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            yield importer, imported


def describe(graph: grimp.ImportGraph, members: list[str]) -> str:
    """The imports that make up one knot, with their lines."""
    inside = set(members)

    def owner(module: str) -> str | None:
        return next((m for m in inside if module == m or module.startswith(m + ".")), None)

    lines = []
    for importer, imported in sorted(_imports(graph)):
        a, b = owner(importer), owner(imported)
        if a and b and a != b:
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(
                    f"  {importer}:{detail['line_number']} -> {imported}"
                    f"   ({detail['line_contents']})"
                )
    return " <-> ".join(members) + "\n" + "\n".join(lines)


def test_every_code_folder_is_a_package() -> None:
    # grimp (and mypy) skip a folder without `__init__.py`: its imports would go unchecked.
    missing = sorted(
        str(folder.relative_to(ROOT))
        for package in PACKAGES
        for folder in [ROOT / package, *(ROOT / package).rglob("*")]
        if folder.is_dir()
        and folder.name != "__pycache__"
        and any(folder.glob("*.py"))
        and not (folder / "__init__.py").exists()
    )
    assert not missing, f"folders of Python modules without __init__.py: {missing}"


def test_no_import_cycle_between_modules(graph: grimp.ImportGraph) -> None:
    knots = cycles(module_edges(graph))
    assert not knots, "import cycles:\n" + "\n".join(describe(graph, k) for k in knots)


def test_no_import_cycle_between_packages(graph: grimp.ImportGraph) -> None:
    # Within each package, its modules and subpackages (each with everything below it) import
    # one another one way only; at the top, `pipeline` and `schemas` likewise.
    knots = [k for edges in package_edges(graph).values() for k in cycles(edges)]
    assert not knots, "package cycles:\n" + "\n".join(describe(graph, k) for k in knots)


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    planted = grimp.ImportGraph()
    for importer, imported in [
        ("app.a", "app.b"),
        ("app.b", "app.c"),
        ("app.c", "app.a"),
        ("app.c", "app.d"),
        ("lib.x", "app.d"),
        ("app.d", "lib.y"),
    ]:
        planted.add_import(importer=importer, imported=imported)
    assert cycles(module_edges(planted)) == [["app.a", "app.b", "app.c"]]
    # app.d -> lib.y and lib.x -> app.d: the packages `app` and `lib` import each other.
    assert [k for e in package_edges(planted).values() for k in cycles(e)] == [["app", "lib"]]


def test_schemas_holds_data_only() -> None:
    # The catalogue files are read through `pipeline.catalogue`; code about them lives in
    # `pipeline`, so that `schemas` never imports `pipeline` back.
    code = sorted(p.name for p in (ROOT / "schemas").glob("*.py") if p.name != "__init__.py")
    assert not code, f"Python modules in schemas/: {code}"
