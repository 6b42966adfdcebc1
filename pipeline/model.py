"""Row types that flow between stages, and their Polars schemas.

Parsers return these plain dataclasses; `to_frame` turns a list of them into a typed Polars
frame so the Pandera contracts in `pipeline/frames.py` can check them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

# Where a figure was read. `prose` figures of a report that also has tables are kept apart
# (the `prose_figures` table) as a second, independent reading of the same numbers.
TABLE_KINDS = ("old_table", "art20", "requests", "review_litigation", "prose")
TEMPLATES = ("old_table", "new_2019", "new_2021", "prose")
VALUE_KINDS = ("number", "empty", "na", "text", "implausible")
QUALIFIERS = ("exact", "approx")
# `position`: the row prints every column of the template and the value stands in its place;
# `label`: the value stands beside its own label (a one-value row); `identity`: the row printed
# fewer cells than columns and every reading under which the template's identities hold
# puts this value here; `collapsed`: a one-cell-per-line row that printed one value for a
# this-year and a cumulative column (the scraper writes a run of equal cells once): the value is
# this year's; `prose`: read from a sentence.
READ_BY = ("position", "label", "identity", "collapsed", "prose")
DIMENSIONS = (
    "natural_person",
    "commercial",
    "research",
    "social_org",
    "legal_service",
    "other_org",
    "total",
)
# Dimensions a figure may have: table 3's columns, and `cumulative` for the 历年累计 column of
# old tables (a running total since the agency began reporting: never this year's figure).
FIGURE_DIMENSIONS = (*DIMENSIONS, "cumulative")


@dataclass(frozen=True, slots=True)
class Figure:
    """One printed figure of a report, read as printed."""

    metric: str
    dimension: str
    value: float | None
    value_kind: str
    qualifier: str
    unit: str | None
    label_raw: str
    value_raw: str
    source_line: int
    table_kind: str
    note: str | None = None
    # For a prose figure introduced by 其中 after a stated total: the metric of that total.
    part_of: str | None = None
    # How the figure's place was established (READ_BY): its column's position in a row that
    # prints every column, its label, the template's identities, a collapsed run, or prose.
    read_by: str | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """Something read from a report that could not be turned into a figure, and why."""

    reason: str
    message: str
    source_line: int | None
    raw: str


@dataclass(frozen=True, slots=True)
class Section:
    """A numbered heading (一、二、…) of a report and the lines it spans."""

    ordinal: int
    number: str
    title: str
    line_start: int
    line_end: int


@dataclass(frozen=True, slots=True)
class Report:
    """One report found in a source file, with what its text says about itself."""

    report_id: str
    source_file: str
    ordinal: int
    report_year: int | None
    year_source: str | None
    agency: str | None
    agency_source: str | None
    region: str | None
    template: str
    published_on: str | None
    title: str | None
    line_start: int
    line_end: int
    spam_detected: bool
    # The canonical agency (pipeline/agency.py): NULL wherever the text does not establish it.
    agency_id: str | None = None
    agency_name: str | None = None
    agency_kind: str | None = None
    agency_level: str | None = None
    division_code: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None


STATISTICS_SCHEMA: dict[str, pl.DataType] = {
    "report_id": pl.String(),
    "report_year": pl.Int32(),
    "metric": pl.String(),
    "dimension": pl.String(),
    "value": pl.Float64(),
    "value_kind": pl.String(),
    "qualifier": pl.String(),
    "unit": pl.String(),
    "label_raw": pl.String(),
    "value_raw": pl.String(),
    "source_line": pl.Int32(),
    "table_kind": pl.String(),
    "note": pl.String(),
    "part_of": pl.String(),
    "read_by": pl.String(),
}

REPORTS_SCHEMA: dict[str, pl.DataType] = {
    "report_id": pl.String(),
    "source_file": pl.String(),
    "ordinal": pl.Int32(),
    "report_year": pl.Int32(),
    "year_source": pl.String(),
    "agency": pl.String(),
    "agency_source": pl.String(),
    "region": pl.String(),
    "template": pl.String(),
    "published_on": pl.Date(),
    "title": pl.String(),
    "line_start": pl.Int32(),
    "line_end": pl.Int32(),
    "spam_detected": pl.Boolean(),
    "agency_id": pl.String(),
    "agency_name": pl.String(),
    "agency_kind": pl.String(),
    "agency_level": pl.String(),
    "division_code": pl.String(),
    "province": pl.String(),
    "city": pl.String(),
    "county": pl.String(),
}

SECTIONS_SCHEMA: dict[str, pl.DataType] = {
    "report_id": pl.String(),
    "ordinal": pl.Int32(),
    "number": pl.String(),
    "title": pl.String(),
    "line_start": pl.Int32(),
    "line_end": pl.Int32(),
}

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "report_id": pl.String(),
    "stage": pl.String(),
    "reason": pl.String(),
    "message": pl.String(),
    "source_line": pl.Int32(),
    "raw": pl.String(),
}

RECONCILIATION_SCHEMA: dict[str, pl.DataType] = {
    "report_id": pl.String(),
    "report_year": pl.Int32(),
    "rule": pl.String(),
    "subject": pl.String(),
    "dimension": pl.String(),
    "status": pl.String(),
    "lhs": pl.Float64(),
    "rhs": pl.Float64(),
    "delta": pl.Float64(),
    "metrics": pl.List(pl.String()),
    "source_lines": pl.List(pl.Int32()),
    "other_report_id": pl.String(),
    "detail": pl.String(),
}

DOCUMENTS_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "size_bytes": pl.Int64(),
    "mtime_ns": pl.Int64(),
    "sha256": pl.String(),
    "encoding": pl.String(),
    "parser_version": pl.String(),
    "report_years": pl.List(pl.Int32()),
    "reports": pl.Int32(),
}

RUNS_SCHEMA: dict[str, pl.DataType] = {
    "run_id": pl.String(),
    "mode": pl.String(),
    "started_at": pl.Datetime("us", "UTC"),
    "finished_at": pl.Datetime("us", "UTC"),
    "years_requested": pl.List(pl.Int32()),
    "years_written": pl.List(pl.Int32()),
    "files_seen": pl.Int64(),
    "files_scanned": pl.Int64(),
    "files_parsed": pl.Int64(),
    "files_skipped": pl.Int64(),
    "reports": pl.Int64(),
    "statistics_rows": pl.Int64(),
    "quarantined": pl.Int64(),
    "rule_failures": pl.Int64(),
    "warehouse_rebuilt": pl.Boolean(),
    "parser_version": pl.String(),
}


def to_frame(
    rows: Iterable[Any], schema: dict[str, pl.DataType], extra: dict[str, Any] | None = None
) -> pl.DataFrame:
    """Dataclass rows (plus constant `extra` columns) as a frame with exactly `schema`."""
    records = []
    for row in rows:
        record = asdict(row) if hasattr(row, "__dataclass_fields__") else dict(row)
        if extra:
            record.update(extra)
        records.append({name: record.get(name) for name in schema})
    return pl.DataFrame(records, schema=schema)
