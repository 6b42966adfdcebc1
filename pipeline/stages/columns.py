"""A file's parse as plain columns (table -> column -> values), and the frames made of them.

What a worker process sends back for one file, cheap to pickle, and what the parent appends to
without building Python objects or frames per row. Also the row order every stage writes:
by file, then report ordinal, rows of one report in reading order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import polars as pl

from pipeline.model import REPORTS_SCHEMA, SECTIONS_SCHEMA, STATISTICS_SCHEMA, Rejected
from pipeline.parse import FileParse, YearRecords
from pipeline.storage import PARSE_TABLES, YEAR_TABLES

Columns = dict[str, list[Any]]
YearColumns = dict[str, Columns]

_ORDINAL = r"#(\d+)$"
_REPORT_FIELDS = tuple(REPORTS_SCHEMA)
_SECTION_FIELDS = tuple(name for name in SECTIONS_SCHEMA if name != "report_id")
_FIGURE_FIELDS = tuple(
    name for name in STATISTICS_SCHEMA if name not in {"report_id", "report_year"}
)
_QUARANTINE_FIELDS = ("reason", "message", "source_line", "raw")


def empty_columns() -> YearColumns:
    """Empty columns of every parse table of a year."""
    return {table: {name: [] for name in YEAR_TABLES[table]} for table in PARSE_TABLES}


def _extend(target: Columns, names: Sequence[str], items: Sequence[Any]) -> None:
    """Append the attributes `names` of each item to the columns of the same names."""
    if not items:
        return
    values = zip(*map(attrgetter(*names), items), strict=True) if len(names) > 1 else None
    if values is None:
        target[names[0]].extend(getattr(item, names[0]) for item in items)
        return
    for name, column in zip(names, values, strict=True):
        target[name].extend(column)


def add_year_records(columns: YearColumns, year: int, records: YearRecords) -> None:
    """Append one file's records of one year to a year's columns."""
    _extend(columns["reports"], _REPORT_FIELDS, records.reports)
    sections = columns["sections"]
    sections["report_id"].extend(report_id for report_id, _ in records.sections)
    _extend(sections, _SECTION_FIELDS, [section for _, section in records.sections])
    for table, figures in (("statistics", records.statistics), ("prose_figures", records.prose)):
        target = columns[table]
        target["report_id"].extend(report_id for report_id, _ in figures)
        target["report_year"].extend([year] * len(figures))
        _extend(target, _FIGURE_FIELDS, [figure for _, figure in figures])
    source_of = {report.report_id: report.source_file for report in records.reports}
    quarantine = columns["quarantine/statistics"]
    quarantine["source_file"].extend(source_of[report_id] for report_id, _ in records.rejected)
    quarantine["report_id"].extend(report_id for report_id, _ in records.rejected)
    quarantine["stage"].extend(["statistics"] * len(records.rejected))
    _extend(quarantine, _QUARANTINE_FIELDS, [rejected for _, rejected in records.rejected])
    table_rows = columns["table_rows"]
    table_rows["report_id"].extend(report_id for report_id, _ in records.table_rows)
    table_rows["source_line"].extend(line for _, line in records.table_rows)


def extend_columns(target: YearColumns, more: YearColumns) -> None:
    """Append one year's columns to another's."""
    for table, columns in more.items():
        for name, values in columns.items():
            target[table][name].extend(values)


def column_rows(columns: YearColumns) -> int:
    """Rows held, over every table."""
    return sum(len(next(iter(table.values()), [])) for table in columns.values())


def frame_from_columns(table: str, columns: Columns) -> pl.DataFrame:
    """One parse table of a year as a frame with exactly its schema."""
    schema = YEAR_TABLES[table]
    if table == "reports":
        text_schema = {**schema, "published_on": pl.String()}
        frame = pl.DataFrame(columns, schema=text_schema)
        return frame.with_columns(pl.col("published_on").str.to_date("%Y-%m-%d", strict=True))
    return pl.DataFrame(columns, schema=schema)


@dataclass(frozen=True, slots=True)
class FileColumns:
    """The parse of one file as columns, keyed by year."""

    source_file: str
    sha256: str
    by_year: dict[int, YearColumns]

    @property
    def reports(self) -> int:
        return sum(len(columns["reports"]["report_id"]) for columns in self.by_year.values())


def file_columns(parsed: FileParse) -> FileColumns:
    """A file's parse as columns, one set per year."""
    by_year = {}
    for year, records in parsed.by_year.items():
        columns = empty_columns()
        add_year_records(columns, year, records)
        by_year[year] = columns
    return FileColumns(parsed.source_file, parsed.sha256, by_year)


def year_frames(year: int, parts: Iterable[YearRecords]) -> dict[str, pl.DataFrame]:
    """The parse tables of one year from the records of the files that were parsed."""
    columns = empty_columns()
    for part in parts:
        add_year_records(columns, year, part)
    return {table: frame_from_columns(table, columns[table]) for table in PARSE_TABLES}


def quarantine_record(
    source_file: str, report_id: str | None, stage: str, rejected: Rejected
) -> dict[str, Any]:
    """One quarantine row (`QUARANTINE_SCHEMA`)."""
    return {
        "source_file": source_file,
        "report_id": report_id,
        "stage": stage,
        "reason": rejected.reason,
        "message": rejected.message,
        "source_line": rejected.source_line,
        "raw": rejected.raw,
    }


def file_column(frame: pl.DataFrame) -> pl.Expr:
    """The source file of each row: its own column, or its report id without the ordinal."""
    if "source_file" in frame.columns:
        return pl.col("source_file")
    return pl.col("report_id").str.replace(_ORDINAL, "")


def in_file_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows ordered by file, then report ordinal; rows of one report keep their order.

    A frame already in that order (a year parsed whole comes so, file by file) is returned
    as it is: a stable sort of sorted rows is the identity, and sorting a year's statistics
    costs several times the frame's memory.
    """
    ordinal = pl.col("report_id").str.extract(_ORDINAL, 1).cast(pl.Int64).fill_null(0)
    keys = frame.select(file=file_column(frame), ordinal=ordinal)
    file, before = pl.col("file"), pl.col("file").shift(1)
    out_of_order = (file < before) | (
        (file == before) & (pl.col("ordinal") < pl.col("ordinal").shift(1))
    )
    if keys.get_column("file").null_count() == 0 and not keys.select(out_of_order.any()).item():
        return frame
    return frame.sort([keys.get_column("file"), keys.get_column("ordinal")], maintain_order=True)
