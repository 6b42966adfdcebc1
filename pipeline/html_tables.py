"""HTML tables to the `cell | cell |` lines of the seed form.

A data table's rows become one line each, merged cells (colspan, rowspan) laid out so every
cell stays in its column and no figure is printed twice; a table used to lay out a page is
recognised so that `pipeline.html` reads it as blocks instead. Pure functions on lxml
elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from pipeline.html_elements import BLOCKS, HEADINGS, collapse, is_dropped, tag_of
from pipeline.text import parse_value

# A cell longer than this that holds several blocks is a page column, not a table cell.
_LAYOUT_CELL_CHARS = 300
_MAX_COLSPAN = 1000  # the HTML limits
_MAX_ROWSPAN = 65534


def table_rows(table: etree._Element) -> Iterator[etree._Element]:
    """The table's own rows, in order, wherever lxml put them (thead, tbody, a stray form)."""
    for row in table.iter("tr"):
        if next(row.iterancestors("table"), None) is table:
            yield row


def row_cells(row: etree._Element) -> list[etree._Element]:
    """The row's own cells (not those of a table nested in one of them)."""
    return [
        cell
        for cell in row.iter("td", "th")
        if next(cell.iterancestors("tr"), None) is row and not is_dropped(cell)
    ]


def is_layout_table(rows: list[tuple[etree._Element, list[etree._Element]]]) -> bool:
    """A table used to lay out a page rather than to print figures."""
    if all(len(cells) <= 1 for _, cells in rows):
        return True
    for _, cells in rows:
        for cell in cells:
            if cell.find(".//table") is not None:
                return True
            if any(tag_of(e) in HEADINGS for e in cell.iterdescendants()):
                return True
            blocks = sum(1 for e in cell.iterdescendants() if tag_of(e) in BLOCKS)
            if blocks >= 2 and len(cell.text_content()) > _LAYOUT_CELL_CHARS:
                return True
    return False


def _cell_text(cell: etree._Element) -> str:
    """A cell's text on one line: its blocks and line breaks become spaces."""
    parts: list[str] = []
    # Iterative (see `_Writer.walk` in `pipeline.html`): elements to visit, and texts to
    # append, in order.
    todo: list[etree._Element | str] = [cell]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if is_dropped(item):
            continue
        tag = tag_of(item)
        if tag == "br" or tag in BLOCKS:
            parts.append(" ")
        if item.text:
            parts.append(item.text)
        rest: list[etree._Element | str] = []
        for child in item:
            rest.append(child)
            if child.tail:
                rest.append(child.tail)
        if tag in BLOCKS:
            rest.append(" ")
        todo.extend(reversed(rest))
    return collapse("".join(parts)).strip(" ")


def _span(cell: etree._Element, name: str, limit: int) -> int:
    match = re.match(r"\s*(\d+)", cell.get(name) or "")
    value = int(match[1]) if match else 1
    return min(value, limit) if value > 0 else 0


@dataclass(frozen=True, slots=True)
class _Slot:
    """One grid position: the text shown there and the cell that covers it."""

    text: str
    cell: int
    origin: bool


def grid_lines(rows: list[list[etree._Element]]) -> list[str]:
    """`cell | cell |` lines of a data table, merged cells laid out as
    `pipeline.html.html_to_text` says."""
    grid: list[dict[int, _Slot]] = [{} for _ in rows]
    cell_id = 0
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while c in grid[r]:
                c += 1
            text = _cell_text(cell)
            colspan = max(_span(cell, "colspan", _MAX_COLSPAN), 1)
            rowspan = _span(cell, "rowspan", _MAX_ROWSPAN)
            # rowspan="0" runs to the end of the table; no span runs past it.
            rowspan = len(rows) - r if rowspan == 0 else min(rowspan, len(rows) - r)
            carried = "" if parse_value(text).kind == "number" else text
            for dr in range(rowspan):
                for dc in range(colspan):
                    origin = dr == 0 and dc == 0
                    grid[r + dr].setdefault(
                        c + dc, _Slot(text if origin else carried, cell_id, origin)
                    )
            cell_id += 1
            c += colspan
    lines: list[str] = []
    for row in grid:
        if not any(slot.origin and slot.text for slot in row.values()):
            continue  # the row prints nothing of its own
        texts: list[str] = []
        previous: _Slot | None = None
        for c in range(max(row) + 1):
            slot = row.get(c)
            if slot is None:  # a hole left by a short row above a merged cell
                texts.append("")
            # A merged label is written once per row; a merged figure's other slots stay
            # empty cells so that the cells after it keep their columns.
            elif previous is None or previous.cell != slot.cell or not slot.text:
                texts.append(slot.text)
            previous = slot
        lines.append(" | ".join(texts) + " |")
    return lines
