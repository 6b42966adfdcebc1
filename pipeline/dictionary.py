"""The data dictionary: descriptions of every warehouse table and column, from `schemas/`.

`schemas/dictionary.yaml` describes tables and columns; columns named after a metric, a
harmonised metric or a rate take their description from those catalogues. `apply_comments`
writes the descriptions into a database with DuckDB `COMMENT ON`, so a notebook user sees them
in `duckdb_columns()`; `render_markdown` turns the same into docs/data_dictionary.md, with the
metric catalogue (Chinese label and English name) and the harmonised metrics.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from pipeline.catalogue import load_yaml, metrics
from pipeline.harmonised import harmonised_metrics, rates

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "data_dictionary.md"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a warehouse table, with its type and description (None when undescribed)."""

    name: str
    data_type: str
    description: str | None


@dataclass(frozen=True, slots=True)
class Table:
    """One warehouse table with its description and columns."""

    name: str
    description: str | None
    columns: tuple[Column, ...]


@cache
def _entries() -> tuple[dict[str, str], dict[str, dict[str, object]]]:
    data = load_yaml("dictionary.yaml")
    return dict(data.get("common", {})), dict(data.get("tables", {}))


def table_description(table: str) -> str | None:
    """The description of a table, or None when the dictionary does not describe it."""
    entry = _entries()[1].get(table)
    return str(entry["description"]) if entry and entry.get("description") else None


def column_description(table: str, column: str) -> str | None:
    """The description of a column (see the lookup order in schemas/dictionary.yaml)."""
    common, tables = _entries()
    own = tables.get(table, {}).get("columns") or {}
    if isinstance(own, dict) and column in own:
        return str(own[column])
    metric = metric_for_column(column)
    if metric is not None:
        entry = metrics()[metric]
        unit = f", {entry.unit}" if entry.unit else ""
        return f"{entry.english} ({entry.label}{unit}); metric {metric}, total column, as printed."
    harmonised = harmonised_metrics().get(column)
    if harmonised is not None:
        return (
            f"{harmonised.english} ({harmonised.label_zh}), harmonised across the 2019 template "
            "change; NULL when the report did not print it as a number."
        )
    rate = rates().get(column)
    if rate is not None:
        numerator = " + ".join(rate.numerator)
        return (
            f"{rate.english}: ({numerator}) / {rate.denominator}; NULL when the denominator is "
            "zero or missing or a part of the numerator is missing."
        )
    return common.get(column)


@cache
def _metric_columns() -> dict[str, str]:
    return {code.replace(".", "_"): code for code in metrics()}


def metric_for_column(column: str) -> str | None:
    """The metric code a column is named after (apply_new → apply.new), if any."""
    return _metric_columns().get(column)


def _quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def describe_database(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """Every table of the database's main schema with its columns and dictionary descriptions."""
    names = [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' "
            "and database_name = current_database() order by table_name"
        ).fetchall()
    ]
    tables = []
    for name in names:
        columns = tuple(
            Column(column, data_type, column_description(name, column))
            for column, data_type in con.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = 'main' "
                "and database_name = current_database() and table_name = ? order by column_index",
                [name],
            ).fetchall()
        )
        tables.append(Table(name, table_description(name), columns))
    return tables


def undocumented(tables: list[Table]) -> list[str]:
    """Tables and columns (`table` or `table.column`) the dictionary does not describe."""
    missing = []
    for table in tables:
        if not table.description:
            missing.append(table.name)
        missing.extend(f"{table.name}.{c.name}" for c in table.columns if not c.description)
    return missing


def apply_comments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Write every known description into the database; return what has none."""
    tables = describe_database(con)
    for table in tables:
        if table.description:
            con.execute(
                f"comment on table {_quote_identifier(table.name)} "
                f"is {_quote_text(table.description)}"
            )
        for column in table.columns:
            if column.description:
                con.execute(
                    f"comment on column {_quote_identifier(table.name)}."
                    f"{_quote_identifier(column.name)} is {_quote_text(column.description)}"
                )
    return undocumented(tables)


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
        "Generated by `python -m pipeline dictionary` from `schemas/dictionary.yaml`,",
        "`schemas/metrics.yaml` and `schemas/harmonised.yaml`; do not edit by hand. The same",
        "descriptions are in the database itself:",
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
        lines += ["| column | type | description |", "| --- | --- | --- |"]
        lines.extend(
            f"| `{c.name}` | {c.data_type} | {_cell(c.description)} |" for c in table.columns
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
    """The tables of a warehouse built from no input: every table and column, with no rows."""
    from pipeline.warehouse import SQL_DIR, build_database

    # An empty build is the point here, not something to warn about.
    loader_log = logging.getLogger("pipeline.warehouse")
    level = loader_log.level
    loader_log.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(prefix="dictionary-") as tmp:
            path = Path(tmp) / "empty.duckdb"
            build_database(Path(tmp) / "parquet", path, sql_dir or SQL_DIR)
            with duckdb.connect(str(path), read_only=True) as con:
                return describe_database(con)
    finally:
        loader_log.setLevel(level)


def write_dictionary(out: Path = DEFAULT_OUTPUT, sql_dir: Path | None = None) -> Path:
    """Render docs/data_dictionary.md (or `out`) from an empty build; return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(empty_warehouse_tables(sql_dir)), encoding="utf-8")
    return out
