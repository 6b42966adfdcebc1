"""What the readers of the statistics tables share (one reader per table kind, each in its own
module: `old_table.py`, `requests_table.py`, `review_table.py`, `art20_tables.py`).

Every reader finds its table by content (the catalogue's row labels and the layout's header
words, never one fixed header string), reads the region into rows with the one table model of
`pipeline/grid.py`, names each row's metric from its label, and reads each value from the
column it stands in. Position identifies a value only where the template fixes the columns and
the row prints all of them; a row that prints fewer cells is read only where the template's own
identities force one reading (`read_by = identity`); anything else is rejected with the reason,
never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from pipeline.catalogue import Metric, layouts
from pipeline.grid import (
    Identity,
    collapsed_readings,
    forced_columns,
)
from pipeline.model import Figure, Rejected
from pipeline.text import Cell, Line, Value, compact_label, parse_value


@dataclass(slots=True)
class TableResult:
    """What a parser read from one report: figures, and rows it had to reject."""

    figures: list[Figure] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def extend(self, other: TableResult) -> None:
        self.figures.extend(other.figures)
        self.rejected.extend(other.rejected)


@cache
def table_units() -> frozenset[str]:
    return frozenset(layouts()["units"])


def table_figure(
    metric: Metric,
    dimension: str,
    value: Value,
    label: str,
    line: int,
    table_kind: str,
    read_by: str,
    unit: str | None = None,
) -> Figure:
    return Figure(
        metric=metric.code,
        dimension=dimension,
        value=value.value,
        value_kind=value.kind,
        qualifier=value.qualifier,
        unit=value.unit or unit or metric.unit,
        label_raw=label,
        value_raw=value.raw.strip(),
        source_line=line,
        table_kind=table_kind,
        note=value.note,
        read_by=read_by,
    )


def compact_key(text: str) -> str:
    return compact_label(text).replace(" ", "")


_HEADING_MARKS = re.compile(r"^[#|\s]+")


def heading_key(text: str) -> str:
    """A line as a heading key: no markdown `#`, no pipes around it, no spaces."""
    return compact_key(_HEADING_MARKS.sub("", text)).rstrip("|")


L1_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.]")
NOTE_LINE = re.compile(r"^[(]?注\s*[:]")
SECTION_HEADING = re.compile(r"^(?:#{1,6}\s*)?[一二三四五六七八九十]{1,3}\s*[、.]")


def short_line(line: Line, limit: int = 40) -> bool:
    """A line that can be a table cell or heading: pipes, or short text without a full stop."""
    return "|" in line.text or (len(line.text) <= limit and "。" not in line.text)


# --- rows read by the template's identities ---------------------------------------------------


def row_numbers(cells: Sequence[Cell]) -> list[float] | None:
    numbers: list[float] = []
    for cell in cells:
        value = parse_value(cell.text)
        if value.kind != "number" or value.value is None:
            return None
        numbers.append(value.value)
    return numbers


def forced_cells(
    cells: list[Cell], width: int, identities: Sequence[Identity]
) -> tuple[dict[int, Cell], str | None]:
    """The cells of a collapsed row by the column every identity-holding reading puts them in.

    Also why nothing could be read, when that is so.
    """
    numbers = row_numbers(cells)
    if numbers is None:
        return {}, "a cell of the row is not a number"
    readings = collapsed_readings(numbers, width, identities)
    if not readings:
        return {}, "no reading of the printed cells satisfies the table's identities"
    forced = forced_columns(readings)
    if not forced:
        return {}, f"{len(readings)} readings satisfy the table's identities; none is forced"
    # each column's value comes from the token whose run covers it
    return {index: cells[_token_of(readings[0], index)] for index in sorted(forced)}, None


def _token_of(reading: tuple[float, ...], index: int) -> int:
    token = 0
    for i in range(1, index + 1):
        if reading[i] != reading[i - 1]:
            token += 1
    return token
