"""One table model for every layout: a table region becomes rows of label and value cells.

Whatever the page came from, a table arrives as lines: pipe rows (`a | b | c |`), markdown
rows with `|---|` separators, headings and page footers between them (PDF text), one cell per
line (scrapers that write each cell on its own line, some of them dropping empty cells and
collapsing runs of identical lines), a label and its value in one line (`行政许可 0`), labels
wrapped over several lines or printed apart from their values. `grid_rows` reads all of them
into `GridRow`s: the label cells that name a row, the value cells after them, each with the
line it was printed on, and whether the row was printed as one delimited line.

Nothing here decides what a row means; the table readers do (`pipeline/tables.py`). What is
read here is only what the layout states: a value row printed apart from its label is joined to
it only when exactly one row label stands directly before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import combinations, pairwise
from typing import Any

from pipeline.catalogue import layouts
from pipeline.text import (
    MARKDOWN_HEADING,
    Cell,
    Line,
    compact_label,
    has_han,
    parse_value,
    row_cell_tuple,
)


@dataclass(slots=True)
class GridRow:
    """One row of a table: label cells, value cells, and how it was printed."""

    labels: list[Cell] = field(default_factory=list)
    values: list[Cell] = field(default_factory=list)
    # one printed line split by pipes (the cells' positions are as printed); False for a row
    # gathered from one-cell lines, where empty cells may be missing
    delimited: bool = False
    # the label was printed apart from the value row it was joined to (PDF text)
    joined: bool = False

    @property
    def line(self) -> int:
        """The first source line of the row."""
        cells = [*self.labels, *self.values]
        return min(c.line for c in cells) if cells else 0

    @property
    def label(self) -> str:
        """The row's own label: its last label cell (the first ones are group cells)."""
        return self.labels[-1].text if self.labels else ""


@dataclass(frozen=True, slots=True)
class _Rules:
    skip: re.Pattern[str]  # the `skip` patterns as one alternation (each is anchored)
    numbering: re.Pattern[str]
    label_value: re.Pattern[str]
    row_code: re.Pattern[str]
    units: frozenset[str]
    placeholders: frozenset[str]


@cache
def _rules() -> _Rules:
    spec: dict[str, Any] = layouts()
    grid = spec["grid"]
    return _Rules(
        skip=re.compile("|".join(f"(?:{p})" for p in grid["skip"])),
        numbering=re.compile(grid["numbering"]),
        label_value=re.compile(grid["label_value"]),
        row_code=re.compile(grid["row_code"]),
        units=frozenset(spec["units"]),
        placeholders=frozenset(spec["placeholders"]),
    )


@lru_cache(maxsize=1 << 14)
def is_label(text: str) -> bool:
    """A cell that names a row: Han text that is neither a unit, a placeholder nor a value."""
    rules = _rules()
    return (
        has_han(text, 2)
        and text not in rules.units
        and text not in rules.placeholders
        and parse_value(text).kind == "text"
    )


@lru_cache(maxsize=1 << 14)
def is_numbered(text: str) -> bool:
    """A label that opens with its own numbering (一、 (一) 1. ①): a row label, not a wrap."""
    return bool(_rules().numbering.match(text))


def skipped(text: str) -> bool:
    """Lines that are no part of a table's cells: markdown separators, captions, footers."""
    return _rules().skip.match(text) is not None


def line_cells(line: Line) -> tuple[list[Cell], bool]:
    """The cells of one line and whether they were delimited (a pipe row).

    A line without pipes is one cell, or a label and its values (`行政许可 0`, `规章 22 235`).
    """
    text = line.text
    if "|" in text:
        pieces = list(row_cell_tuple(text))
        filled = [p for p in pieces if p]
        if len(filled) == 1 or len(pieces) == 1:
            # `label |`, `条 |`, `0 |`, `|`: one cell per line, each closed by a pipe
            return [Cell(filled[0] if filled else "", line.number)], False
        if text.startswith("|") and pieces and pieces[0] == "":
            pieces.pop(0)  # the opening pipe of a markdown row
        return [Cell(p, line.number) for p in pieces], True
    text = MARKDOWN_HEADING.sub("", text)
    split = _rules().label_value.match(text)
    if split is not None and is_label(compact_label(split["label"])):
        values = split["values"].split()
        return [
            Cell(compact_label(split["label"]), line.number),
            *(Cell(v, line.number) for v in values),
        ], False
    return [Cell(compact_label(text), line.number)], False


def grid_rows(lines: Iterable[Line], known: Callable[[str], bool] | None = None) -> list[GridRow]:
    """The rows of a table region, whatever its layout (see the module docstring).

    A label line continues the label above it (a wrapped label) unless it opens with its own
    numbering or `known` says it is a row label of the table by itself (`行政许可 0` after the
    header line `信息内容本年处理决定数量`).
    """
    rows: list[GridRow] = []
    open_row: GridRow | None = None  # a row being gathered from one-cell lines
    for line in lines:
        if not line.text or skipped(line.text):
            continue
        cells, delimited = line_cells(line)
        if not cells:
            continue
        if delimited:
            first, *more = _delimited_rows(cells)
            if more:  # rows run onto one line: each label starts its own
                rows.extend([first, *more])
                open_row = None
                continue
            row = first
            if row.labels:
                rows.append(row)
                open_row = None
                continue
            pending = open_row if open_row is not None and not open_row.values else None
            if pending is not None and _single_item(pending):
                pending.values = row.values
                pending.delimited = True
                pending.joined = True
                open_row = None
            else:
                rows.append(row)
                open_row = None
            continue
        for cell in cells:
            if (
                open_row is not None
                and open_row.labels
                and not open_row.values
                and _fragment(cell.text)
            ):
                # a label wrapped mid-word: `3.危及“三安全一稳定` then `”`, `…公开申` then `请`
                last = open_row.labels[-1]
                open_row.labels[-1] = Cell(compact_label(last.text + cell.text), last.line)
                continue
            if _labelish(cell.text):
                if open_row is None or open_row.values:
                    open_row = GridRow(labels=[cell])
                    rows.append(open_row)
                elif is_numbered(cell.text) or not open_row.labels:
                    open_row.labels.append(cell)
                elif known is not None and known(cell.text):
                    open_row = GridRow(labels=[cell])
                    rows.append(open_row)
                else:  # a wrapped label: the words go on
                    last = open_row.labels[-1]
                    open_row.labels[-1] = Cell(compact_label(last.text + cell.text), last.line)
            else:
                if open_row is None:
                    open_row = GridRow()
                    rows.append(open_row)
                open_row.values.append(cell)
    return rows


def _delimited_rows(cells: list[Cell]) -> list[GridRow]:
    """One printed line's rows: a label cell after value cells starts another row.

    A row code before the label (`01 | 主动公开政府信息数 | 条 | 5`, forms that number their
    rows 01…35) is no value of the row and is dropped.
    """
    if len(cells) > 1 and _rules().row_code.match(cells[0].text) and is_label(cells[1].text):
        cells = cells[1:]
    rows: list[GridRow] = []
    start = 0
    seen_value = False
    for i, cell in enumerate(cells):
        if cell.text and not _labelish(cell.text):
            seen_value = True
        elif seen_value and is_label(cell.text):
            rows.append(_delimited_row(cells[start:i]))
            start, seen_value = i, False
    rows.append(_delimited_row(cells[start:]))
    return rows


def _delimited_row(cells: list[Cell]) -> GridRow:
    """Leading label cells (blank group cells among them) and the value cells after them."""
    count = 0
    while count < len(cells) and (_labelish(cells[count].text) or cells[count].text == ""):
        count += 1
    while count and cells[count - 1].text == "":
        count -= 1  # blank cells after the last label are the first values
    labels = [c for c in cells[:count] if c.text]
    if not labels:
        count = 0  # no label: leading blank cells are blank values
    return GridRow(labels=labels, values=list(cells[count:]), delimited=True)


@lru_cache(maxsize=1 << 14)
def _labelish(text: str) -> bool:
    """A label, or a group cell cut down to its numbering (`三、` of 三、本年度办理结果)."""
    return is_label(text) or (is_numbered(text) and parse_value(text).kind == "text")


def _fragment(text: str) -> bool:
    """A piece of a wrapped label: one Han character or punctuation, no number, no unit."""
    rules = _rules()
    return (
        bool(text)
        and not is_label(text)
        and text not in rules.units
        and text not in rules.placeholders
        and parse_value(text).kind == "text"
        and not is_numbered(text)
    )


def is_lossy(rows: Sequence[GridRow]) -> bool:
    """A table written one cell per line throughout: no row of it was printed delimited.

    Only there can a row print fewer cells than its columns because the scraper dropped empty
    cells or collapsed runs of equal ones; in a delimited table (pipes, markdown) a short row
    is a broken one.
    """
    return bool(rows) and not any(row.delimited for row in rows)


def _single_item(row: GridRow) -> bool:
    """A pending label block that names exactly one row (a group cell may stand before it)."""
    numbered = [c for c in row.labels if is_numbered(c.text)]
    return len(row.labels) == 1 or (len(numbered) == 1 and is_numbered(row.labels[-1].text))


def trimmed_values(row: GridRow, count: int) -> list[Cell]:
    """The row's value cells without the empty cells printed after the last column."""
    values = list(row.values)
    while values and values[-1].text == "" and len(values) > count:
        values.pop()
    return values


# --- readings forced by the template's identities ----------------------------------------------

# A group of positions whose values sum to the value at another position (R3 of table 3:
# columns 0-5 sum to column 6; table 4: each group's four outcomes sum to its total).
Identity = tuple[tuple[int, ...], int]


def collapsed_readings(
    tokens: Sequence[float], width: int, identities: Sequence[Identity]
) -> list[tuple[float, ...]]:
    """Every way a collapsed row of `width` cells could have printed `tokens`, that holds.

    Some scrapers write a run of identical adjacent cells once (`2 0 0 0 0 0 2` → `2 0 2`).
    Each token stands for a run of one or more cells; the readings kept are those under which
    every identity holds. Tokens are never joined or split.
    """
    count = len(tokens)
    if count == 0 or count > width:
        return []
    readings: list[tuple[float, ...]] = []
    for cuts in combinations(range(1, width), count - 1):
        bounds = (0, *cuts, width)
        cells: list[float] = []
        for token, (start, end) in zip(tokens, pairwise(bounds), strict=True):
            cells.extend([token] * (end - start))
        if all(
            abs(sum(cells[i] for i in parts) - cells[total]) < 1e-9 for parts, total in identities
        ):
            readings.append(tuple(cells))
    return readings


def forced_columns(readings: Sequence[tuple[float, ...]]) -> dict[int, float]:
    """The positions on whose value every reading agrees."""
    if not readings:
        return {}
    first = readings[0]
    return {
        i: value
        for i, value in enumerate(first)
        if all(reading[i] == value for reading in readings[1:])
    }
