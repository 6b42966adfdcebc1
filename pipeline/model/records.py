"""Row types that flow between stages.

Parsers return these plain dataclasses; `to_frame` turns a list of them into a frame with one
table's Polars schema (`pipeline.model.tables`) so the Pandera contracts of `pipeline/frames/`
can check them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from pipeline.readonly import readonly


@readonly
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
