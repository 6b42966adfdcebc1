"""Table 4 of the 2019+ templates: administrative review and litigation, 15 values identified
by position.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from pipeline.catalogue import Metric, layouts, metrics
from pipeline.grid import (
    GridRow,
    grid_rows,
    is_lossy,
)
from pipeline.model import Figure, Rejected
from pipeline.tables import (
    NOTE_LINE,
    SECTION_HEADING,
    TableResult,
    compact_key,
    forced_cells,
    heading_key,
    short_line,
    table_figure,
)
from pipeline.text import Cell, Line, parse_value

# --- table 4: administrative review and litigation -------------------------------------------


@cache
def _review_spec() -> dict[str, Any]:
    return layouts()["review_litigation"]  # type: ignore[no-any-return]


def _review_starts(lines: Sequence[Line]) -> list[int]:
    """Lines that may open table 4: its header (行政复议 … 行政诉讼) or its heading.

    More than one when a contents list or the prose repeats the heading: the first of them
    under which values stand is the table.
    """
    spec = _review_spec()
    starts: list[int] = []
    for i, line in enumerate(lines):
        if "复议" not in line.text.replace(" ", "") or not short_line(line, 60):
            continue
        key = heading_key(line.text)
        cells = [c for c in (compact_key(c) for c in line.text.split("|")) if c] or [key]
        if cells[0] == spec["header_first_cell"] and spec["header_contains"] in key:
            starts.append(i)
            continue
        stripped = re.sub(r"^[一二三四五六七八九十]{1,3}[、.]", "", key)
        if any(stripped.startswith(h) for h in spec["headings"]):
            starts.append(i)
    return starts


def _review_region(lines: Sequence[Line], start: int) -> list[Line]:
    region: list[Line] = []
    for line in lines[start + 1 :]:
        if not line.text:
            continue
        if SECTION_HEADING.match(line.text) and "|" not in line.text:
            break
        if NOTE_LINE.match(line.text):
            continue  # 注：… under the header
        if not short_line(line, 60):
            if region:
                break
            continue  # a sentence between the heading and the table
        region.append(line)
    return region


def parse_review_table(lines: Sequence[Line]) -> TableResult:
    """Table 4: the 15 values after the header, identified by position, not header text.

    The values may sit on one row, one row per group, or one per line. Fewer than 15 values
    gathered from one-cell lines (a scraper that collapses runs of equal cells) are read where
    every reading that keeps each group's total = the sum of its four outcomes agrees.
    """
    attempts: list[TableResult] = []
    for start in _review_starts(lines):
        region = _review_region(lines, start)
        if not any(parse_value(c).kind == "number" for ln in region for c in ln.text.split("|")):
            continue
        attempt = _read_review(region, lines[start])
        if attempt.figures:
            return attempt  # the first heading under which the table reads
        attempts.append(attempt)
    # else what the first attempt found wrong
    return attempts[0] if attempts else TableResult()


def _read_review(region: list[Line], start: Line) -> TableResult:
    spec = _review_spec()
    codes: list[str] = spec["metrics"]
    result = TableResult()
    collected: list[Cell] = []
    rows = grid_rows(region)
    for row in rows:
        printed = [c for c in row.values if parse_value(c.text).kind == "number"]
        if row.labels and collected and printed:
            break  # a labelled row after the values: another table
        if not printed:
            if collected and row.labels and not _review_header(row):
                break
            continue
        values = list(row.values)
        while values and values[-1].text == "" and len(collected) + len(values) > len(codes):
            values.pop()  # blank cells after the last column
        if not row.delimited or len(collected) + len(values) < len(codes):
            while values and values[-1].text == "":
                values.pop()
        collected.extend(values)
        if len(collected) >= len(codes):
            break
    catalogue = metrics()
    if len(collected) == len(codes) and _row_numbers_or_empty(collected):
        result.figures.extend(
            _review_figure(catalogue[code], cell, "position")
            for code, cell in zip(codes, collected, strict=True)
        )
        return result
    if collected and is_lossy(rows) and len(collected) < len(codes):
        groups = [(tuple(range(g * 5, g * 5 + 4)), g * 5 + 4) for g in range(len(codes) // 5)]
        forced, why = forced_cells(collected, len(codes), groups)
        result.figures.extend(
            _review_figure(catalogue[codes[index]], cell, "identity")
            for index, cell in forced.items()
        )
        if why is None:
            return result
        message = f"table 4 prints {len(collected)} of {len(codes)} cells: {why}"
    else:
        message = f"table 4 has {len(collected)} values, expected {len(codes)}"
    result.rejected.append(
        Rejected(
            "table_truncated" if len(collected) < len(codes) else "row_shape",
            message,
            collected[0].line if collected else start.number,
            " | ".join(c.text for c in collected),
        )
    )
    return result


def _review_figure(metric: Metric, cell: Cell, read_by: str) -> Figure:
    """A table-4 figure: its column names the metric; the label is the catalogue's."""
    value = parse_value(cell.text)
    return table_figure(
        metric, "total", value, metric.label, cell.line, "review_litigation", read_by
    )


def _review_header(row: GridRow) -> bool:
    """A row of table 4's header words only (one group's heading in a table per group)."""
    words = sorted(_review_spec()["header_words"], key=len, reverse=True)
    for cell in [*row.labels, *row.values]:
        text = re.sub(r"[()（）]", "", heading_key(cell.text))
        for word in words:
            text = text.replace(word, "")
        if text:
            return False
    return True


def _row_numbers_or_empty(cells: Sequence[Cell]) -> bool:
    return all(parse_value(c.text).kind != "text" for c in cells)
