"""The shape of the code: no import cycle between modules or between packages, and no path
under a warehouse directory built outside `pipeline/storage.py`.

The import graph comes from grimp, which reads every import statement of `pipeline` and
`schemas`, those inside functions and under `TYPE_CHECKING` included (an import hidden in a
function is still a dependency). It sees only folders with an `__init__.py`, hence the first
test.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

from pipeline.storage import WarehouseLayout

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "schemas", "tools")


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
        # The member it is, else the innermost member package it lies in.
        holders = [m for m in inside if module == m or module.startswith(m + ".")]
        return max(holders, key=len) if holders else None

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


def test_the_product_never_imports_the_tools(graph: grimp.ImportGraph) -> None:
    # `tools` (synth, bench, score) is not in the wheel: an import of it from `pipeline` or
    # `schemas` would work in the repository and fail where the package is installed.
    chains = [
        f"{importer} -> {imported}"
        for importer, imported in _imports(graph)
        if importer.split(".")[0] != "tools" and imported.split(".")[0] == "tools"
    ]
    assert not chains, "the product imports the tools:\n" + "\n".join(chains)
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = wheel["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert "tools" not in packages and "pipeline" in packages


def test_schemas_holds_data_only() -> None:
    # The catalogue files are read through `pipeline.catalogue`; code about them lives in
    # `pipeline`, so that `schemas` never imports `pipeline` back.
    code = sorted(p.name for p in (ROOT / "schemas").glob("*.py") if p.name != "__init__.py")
    assert not code, f"Python modules in schemas/: {code}"


# ---------------------------------------------------------------------------- warehouse paths

# What a WarehouseLayout answers with a path (a property or a method).
LAYOUT_PATHS = frozenset(
    name
    for name, member in vars(WarehouseLayout).items()
    if not name.startswith("_") and (isinstance(member, property) or callable(member))
) | {"root"}
# Deriving a path from a layout path: as good as joining one.
DERIVED = frozenset({"parent", "parents", "joinpath", "with_name", "with_stem", "with_suffix"})
# Names of the warehouse's own files and folders, never joined onto a folder elsewhere.
LAYOUT_NAMES = frozenset(
    {
        "warehouse.duckdb",
        "report.html",
        "parquet",
        "documents.parquet",
        "runs.parquet",
        "quarantine.parquet",
        "_manifests",
        "_runs",
        "_locks",
        ".scratch",
        "parse-cache",
        ".parse-cache",
    }
)


def _is_layout(node: ast.expr) -> bool:
    """`layout`, `storage.layout`, `self._layout`, `WarehouseLayout(...)`."""
    if isinstance(node, ast.Name):
        return node.id == "layout" or node.id.endswith("_layout")
    if isinstance(node, ast.Attribute):
        return node.attr == "layout" or node.attr.endswith("_layout")
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "WarehouseLayout"
    return False


def _is_layout_path(node: ast.expr) -> bool:
    """`layout.parquet`, `layout.run_dir(run_id)`, `WarehouseLayout(root).root`."""
    if isinstance(node, ast.Call):
        node = node.func
    return isinstance(node, ast.Attribute) and node.attr in LAYOUT_PATHS and _is_layout(node.value)


def warehouse_path_building(source: str) -> list[str]:
    """The places in `source` that build a path under a warehouse directory themselves: a join
    onto a layout path, a path derived from one, or one of the warehouse's own file names
    joined onto a folder."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            right = node.right
            named = isinstance(right, ast.Constant) and right.value in LAYOUT_NAMES
            if _is_layout_path(node.left) or named:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Attribute) and node.attr in DERIVED and _is_layout_path(node.value)
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize(
    "planted",
    [
        'folder = layout.parquet / "_manifests" / stage',
        "path = self.storage.layout.root / name",
        'root = layout.run_dir("x").parent',
        'lock = layout.warehouse_manifest.with_suffix(".lock")',
        'index = read_json(layout.dbt_target / "index.json")',
        "chunks = WarehouseLayout(root).scratch / str(year)",
        'db = Path(args.warehouse_dir) / "warehouse.duckdb"',
    ],
)
def test_the_path_check_finds_a_planted_join(planted: str) -> None:
    found = warehouse_path_building(planted)
    assert len(found) == 1 and found[0].startswith("1: "), found


@pytest.mark.parametrize(
    "innocent",
    [
        "db = layout.database",
        "part = layout.year_dir(table, year)",
        "exists = layout.documents.exists()",
        'chunk = spill_dir / str(year) / "000001"',
        'out = ROOT / "docs" / "data_dictionary.md"',
        'path = Path(tmp) / "empty.duckdb"',
        "folder = self.parquet / name",
    ],
)
def test_the_path_check_leaves_other_paths_alone(innocent: str) -> None:
    assert warehouse_path_building(innocent) == []


def test_only_storage_builds_warehouse_paths() -> None:
    # `pipeline/storage.py` (WarehouseLayout) is the one place that knows the warehouse's
    # folders and file names; everything else asks it for a named path.
    found = [
        f"{path.relative_to(ROOT)}:{where}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "pipeline" / "storage.py"
        for where in warehouse_path_building(path.read_text(encoding="utf-8"))
    ]
    assert not found, "paths under the warehouse built outside storage.py:\n" + "\n".join(found)
