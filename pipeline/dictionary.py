"""The data dictionary: every warehouse table and column, generated from the dbt project.

The dbt project's schema files (`sql/models/sources.yml` for the base tables, `_staging.yml`
and `_marts.yml` for the models) are the one place tables and columns are described. A build
writes those descriptions into the database as comments (dbt's `persist_docs` for the models,
the loader for the sources), so a notebook user sees them in `duckdb_columns()`.
`render_markdown` turns an empty build's tables, types and comments, with the dbt tests on
each column, into docs/data_dictionary.md, followed by the harmonised metrics and the metric
catalogue (Chinese label and English name).
"""

from __future__ import annotations

import logging
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline import dbt
from pipeline.catalogue import metrics
from pipeline.harmonised import harmonised_metrics, rates
from pipeline.storage import WarehouseLayout
from pipeline.warehouse import build_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "data_dictionary.md"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a warehouse table, with its type and description (None when undescribed)."""

    name: str
    data_type: str
    description: str | None
    tests: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    """One warehouse table with its description and columns."""

    name: str
    description: str | None
    columns: tuple[Column, ...]
    tests: tuple[str, ...] = field(default=())


def describe_database(
    con: duckdb.DuckDBPyConnection, tests: dict[tuple[str, str], list[str]] | None = None
) -> list[Table]:
    """Every table of the database's main schema with its columns, types and comments.

    `tests` names the dbt tests on each (table, column), a table's own under (table, "").
    """
    tests = tests or {}
    tables = []
    for name, comment in con.execute(
        "select table_name, comment from duckdb_tables() where schema_name = 'main' "
        "and database_name = current_database() order by table_name"
    ).fetchall():
        columns = tuple(
            Column(column, data_type, text or None, tuple(tests.get((name, column), ())))
            for column, data_type, text in con.execute(
                "select column_name, data_type, comment from duckdb_columns() "
                "where schema_name = 'main' and database_name = current_database() "
                "and table_name = ? order by column_index",
                [name],
            ).fetchall()
        )
        tables.append(Table(name, comment or None, columns, tuple(tests.get((name, ""), ()))))
    return tables


def undocumented(tables: list[Table]) -> list[str]:
    """Tables and columns (`table` or `table.column`) without a description."""
    missing = []
    for table in tables:
        if not table.description:
            missing.append(table.name)
        missing.extend(f"{table.name}.{c.name}" for c in table.columns if not c.description)
    return missing


def project_tests(manifest: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """The dbt tests of the project by (table, column); ("table", "") for a table's own.

    A generic test is named by its kind (`unique`, `not_null`, `accepted_values`,
    `relationships → reports.report_id`, ...), a singular test by its file name.
    """
    names = {
        unique_id: node["name"]
        for unique_id, node in [*manifest["nodes"].items(), *manifest["sources"].items()]
        if node["resource_type"] in ("model", "source")
    }
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        metadata = node.get("test_metadata") or {}
        kind = metadata.get("name") or node["name"]
        kwargs = metadata.get("kwargs") or {}
        if kind == "relationships":
            target = str(kwargs.get("to", ""))
            table = target.split("'")[-2] if "'" in target else target
            kind = f"relationships → {table}.{kwargs.get('field', '')}"
        # A singular test names the model it checks in its config (dagster-dbt reads the
        # same to make it that model's asset check).
        ref = ((node.get("config") or {}).get("meta") or {}).get("dagster", {}).get("ref", {})
        attached = node.get("attached_node") or next(
            (
                unique_id
                for unique_id in node.get("depends_on", {}).get("nodes", [])
                if names.get(unique_id) == ref.get("name", names.get(unique_id))
            ),
            None,
        )
        if attached not in names:
            continue
        column = node.get("column_name") or ""
        found[(names[attached], column)].append(kind)
    return {key: sorted(set(kinds)) for key, kinds in found.items()}


def _cell(text: object) -> str:
    if text is None:
        return ""
    if isinstance(text, list | tuple):
        text = ", ".join(str(item) for item in text)
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table_order(table: Table) -> tuple[int, str]:
    # Base tables first, then staging, then marts: the order an analyst meets them.
    if table.name.startswith("mart_"):
        return (2, table.name)
    if table.name.startswith("stg_"):
        return (1, table.name)
    return (0, table.name)


def render_markdown(tables: list[Table]) -> str:
    """The data dictionary as Markdown: tables and columns, harmonised metrics, metric catalogue."""
    lines = [
        "# Data dictionary of `warehouse.duckdb`",
        "",
        "Generated by `python -m pipeline dictionary` from the dbt project in `sql/` (its",
        "schema files describe every table and column; `tests` are the dbt tests `make test`",
        "runs on each), `schemas/metrics.yaml` and `schemas/harmonised.yaml`; do not edit by",
        "hand. The same descriptions are in the database itself:",
        "",
        "```sql",
        "select column_name, comment from duckdb_columns() where table_name = 'statistics';",
        "```",
        "",
        "Empty is not zero: a NULL value means the report printed no number there.",
        "",
        "## Tables",
        "",
    ]
    ordered = sorted(tables, key=_table_order)
    lines.extend(f"- [`{t.name}`](#{t.name}): {_cell(t.description)}" for t in ordered)
    for table in ordered:
        lines += ["", f"### {table.name}", "", _cell(table.description), ""]
        if table.tests:
            lines += [f"Tests of the table: {_cell(table.tests)}.", ""]
        lines += ["| column | type | description | tests |", "| --- | --- | --- | --- |"]
        lines.extend(
            f"| `{c.name}` | {c.data_type} | {_cell(c.description)} | {_cell(c.tests)} |"
            for c in table.columns
        )
    lines += [
        "",
        "## Harmonised metrics",
        "",
        "Figures comparable across the 2019 template change (`mart_harmonised_metrics`,",
        "`mart_report_rates`). Sources are tried in order; the first a report printed wins. A",
        "source of several metrics is their sum. `approximate` marks an old-template term that",
        "stands in for the new one (DOMAIN.md, Old and new terms).",
        "",
        "| code | 中文 | English | sources (in order) |",
        "| --- | --- | --- | --- |",
    ]
    for metric in harmonised_metrics().values():
        sources = "; ".join(
            " + ".join(source.metrics)
            + f" ({source.match}"
            + (f", {', '.join(source.templates)} only" if source.templates else "")
            + ")"
            for source in metric.sources
        )
        lines.append(f"| `{metric.code}` | {metric.label_zh} | {metric.english} | {sources} |")
    lines += ["", "| rate | definition | meaning |", "| --- | --- | --- |"]
    for rate in rates().values():
        definition = f"({' + '.join(rate.numerator)}) / {rate.denominator}"
        lines.append(f"| `{rate.code}` | {definition} | {rate.english}; NULL when not computable |")
    lines += [
        "",
        "## Metric catalogue",
        "",
        "Every code of `statistics.metric` (table `metrics`).",
        "",
        "| code | 中文 label | English | unit | templates | parent | harmonised |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for code in sorted(metrics()):
        m = metrics()[code]
        harmonised = f"{m.harmonised} ({m.harmonised_match})" if m.harmonised else ""
        if not m.harmonised and m.harmonised_match:
            harmonised = m.harmonised_match
        lines.append(
            f"| `{m.code}` | {_cell(m.label)} | {_cell(m.english)} | {_cell(m.unit)} | "
            f"{_cell(m.templates)} | {_cell(m.parent)} | {harmonised} |"
        )
    return "\n".join(lines) + "\n"


def empty_warehouse_tables(sql_dir: Path | None = None) -> list[Table]:
    """The tables of a warehouse built from no input: every table and column, with no rows,
    described by the build's comments and annotated with the project's tests."""
    project = Path(sql_dir) if sql_dir else dbt.SQL_DIR
    # An empty build is the point here, not something to warn about.
    loader_log = logging.getLogger("pipeline.warehouse")
    level = loader_log.level
    loader_log.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(prefix="dictionary-") as tmp:
            empty = WarehouseLayout(Path(tmp))  # a warehouse of no input
            build_database(empty.parquet, empty.database, project, target=empty.dbt_target)
            with duckdb.connect(str(empty.database), read_only=True) as con:
                return describe_database(con, project_tests(dbt.manifest(project)))
    finally:
        loader_log.setLevel(level)


def write_dictionary(out: Path = DEFAULT_OUTPUT, sql_dir: Path | None = None) -> Path:
    """Render docs/data_dictionary.md (or `out`) from an empty build; return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(empty_warehouse_tables(sql_dir)), encoding="utf-8")
    return out
