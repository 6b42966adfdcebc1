"""One Excel workbook of the warehouse: a sheet per mart and a sheet of failing checks.

`python -m pipeline export --xlsx FILE [--year Y] [--region CODE]`. The marts are found by
name (`mart_%` in information_schema), so a new mart appears without a change here. Every sheet
has a header row of Chinese and English names (the Chinese from schemas/column_labels.yaml, the
metric catalogue or the harmonised catalogue), frozen, with filters. The warehouse is opened
read-only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from pipeline.catalogue import load_yaml, metrics
from pipeline.problems import (
    Check,
    _connect,
    column_labels,
    failing_checks,
    region_prefix,
    subject_label,
)
from pipeline.reconcile import rules
from pipeline.sources import SourceLines

CHECKS_SHEET = "checks"
CHECKS_COLUMNS = (
    "report_id",
    "report_year",
    "agency_name",
    "agency_id",
    "rule",
    "rule_formula",
    "subject",
    "dimension",
    "lhs",
    "rhs",
    "delta",
    "detail",
    "other_report_id",
    "printed_lines",
)
# Excel's limit on a cell's text, and on a sheet name's length.
_CELL_LIMIT = 32_767
_SHEET_NAME_LIMIT = 31


@cache
def _harmonised_labels() -> dict[str, str]:
    spec = load_yaml("harmonised.yaml")
    return {entry["code"]: entry["label_zh"] for entry in spec["harmonised"]}


def chinese_label(column: str) -> str | None:
    """The Chinese name of a warehouse column, or None when no catalogue has one."""
    labels = column_labels()
    if column in labels:
        return labels[column]
    by_code = {code.replace(".", "_"): metric.label for code, metric in metrics().items()}
    if column in by_code:
        return by_code[column]
    return _harmonised_labels().get(column)


def header(column: str) -> str:
    """A header cell: the Chinese name over the English (column) name."""
    label = chinese_label(column)
    return f"{label}\n{column}" if label else column


def list_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The mart tables of a warehouse, by name."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_name like 'mart\\_%' escape '\\' order by table_name"
    ).fetchall()
    return [str(row[0]) for row in rows]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_name = ? "
        "order by ordinal_position",
        [table],
    ).fetchall()
    return [str(row[0]) for row in rows]


def mart_rows(
    con: duckdb.DuckDBPyConnection, mart: str, year: int | None, region: str | None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A mart's columns and rows, restricted to a year and a region where it has the columns."""
    columns = _columns(con, mart)
    where: list[str] = []
    params: list[Any] = []
    if year is not None and "report_year" in columns:
        where.append("m.report_year = ?")
        params.append(year)
    if region is not None:
        prefix = region_prefix(region)
        if "division_code" in columns:
            where.append("starts_with(coalesce(m.division_code, ''), ?)")
        elif "report_id" in columns:
            where.append(
                "m.report_id in (select report_id from reports "
                "where starts_with(coalesce(division_code, ''), ?))"
            )
        elif "report_ids" in columns:
            where.append(
                "exists (select 1 from reports r where list_contains(m.report_ids, r.report_id) "
                "and starts_with(coalesce(r.division_code, ''), ?))"
            )
        else:
            where.append("false and ? is not null")  # a mart that cannot be placed: left empty
        params.append(prefix)
    quoted = '"' + mart.replace('"', '""') + '"'
    sql = f"select * from {quoted} m" + (f" where {' and '.join(where)}" if where else "")
    return columns, con.execute(sql, params).fetchall()


def _cell(value: Any) -> Any:  # noqa: ANN401 - any DuckDB value
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ", ".join("" if v is None else str(v) for v in value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, bool | int | float | dt.date | dt.datetime):
        return value
    return str(value)[:_CELL_LIMIT]


def _write_sheet(
    book: xlsxwriter.Workbook,
    name: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    sheet = book.add_worksheet(name[:_SHEET_NAME_LIMIT])
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"}
    )
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for col, column in enumerate(columns):
        sheet.write_string(0, col, header(column), head)
        sheet.set_column(col, col, 40 if column in {"printed_lines", "detail"} else 16)
    sheet.set_row(0, 32)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            cell = _cell(value)
            if cell is None:
                sheet.write_blank(r, col, None)  # empty is not zero
            elif isinstance(cell, dt.date | dt.datetime):
                sheet.write_datetime(r, col, cell, dates)
            elif isinstance(cell, str):
                sheet.write_string(r, col, cell, wrap if "\n" in cell else None)
            else:
                sheet.write(r, col, cell)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), max(len(columns) - 1, 0))


def check_rows(checks: Sequence[Check]) -> list[tuple[Any, ...]]:
    """The checks sheet: every failing rule with both sides, the difference, the lines."""
    spec = rules()
    rows = []
    for check in checks:
        printed = "\n".join(
            f"{line.report_id} 第{line.line}行"
            + (f"（{line.section}）" if line.section else "")
            + f": {line.text or ''}"
            for line in check.lines
        )
        rows.append(
            (
                check.report_id,
                check.report_year,
                check.agency,
                check.agency_id,
                check.rule,
                spec[check.rule]["formula"],
                f"{subject_label(check.subject)} ({check.subject})",
                check.dimension,
                check.lhs,
                check.rhs,
                check.delta,
                check.detail,
                check.other_report_id,
                printed,
            )
        )
    return rows


def export_workbook(
    warehouse: Path,
    out: Path,
    *,
    raw_dir: Path | None = None,
    year: int | None = None,
    region: str | None = None,
) -> list[str]:
    """Write the workbook; returns its sheet names in order."""
    if region is not None:
        region_prefix(region)  # a malformed code stops here, before any file is written
    with _connect(warehouse) as con:
        marts = list_marts(con)
        sheets = [(mart, *mart_rows(con, mart, year, region)) for mart in marts]
        checks = failing_checks(con, SourceLines(raw_dir), year=year, region=region)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp")
    book = xlsxwriter.Workbook(str(staging), {"strings_to_numbers": False})
    names = []
    for mart, columns, rows in sheets:
        _write_sheet(book, mart, columns, rows)
        names.append(mart[:_SHEET_NAME_LIMIT])
    _write_sheet(book, CHECKS_SHEET, CHECKS_COLUMNS, check_rows(checks))
    names.append(CHECKS_SHEET)
    book.close()
    staging.replace(out)
    return names
