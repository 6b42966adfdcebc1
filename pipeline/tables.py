"""Parsers for the statistics tables of a report, one per table kind.

Each takes a report's lines and returns the figures it could read and the rows it could not
(with a reason), never a guessed value. Position identifies a value where the template fixes
the columns (tables 3 and 4); the catalogue identifies a row by its label everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from pipeline.catalogue import Metric, label_key, layouts, match_label, metrics
from pipeline.model import Figure, Rejected
from pipeline.text import (
    AnyOf,
    Cell,
    Line,
    Value,
    cell_stream,
    compact_label,
    has_han,
    parse_value,
    row_cell_tuple,
    row_cells,
)


@dataclass(slots=True)
class TableResult:
    """What a parser read from one report: figures, and rows it had to reject."""

    figures: list[Figure] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def extend(self, other: TableResult) -> None:
        self.figures.extend(other.figures)
        self.rejected.extend(other.rejected)


@cache
def _units() -> frozenset[str]:
    return frozenset(layouts()["units"])


@cache
def _placeholders() -> frozenset[str]:
    return frozenset(layouts()["placeholders"])


def _figure(
    metric: Metric,
    dimension: str,
    value: Value,
    label: str,
    line: int,
    table_kind: str,
    unit: str | None = None,
) -> Figure:
    # Positional, in the field order of `Figure` (the commonest object of a parse: keywords
    # cost a quarter more to pass): metric, dimension, value, value_kind, qualifier, unit,
    # label_raw, value_raw, source_line, table_kind, note.
    return Figure(
        metric.code,
        dimension,
        value.value,
        value.kind,
        value.qualifier,
        value.unit or unit or metric.unit,
        label,
        value.raw.strip(),
        line,
        table_kind,
        value.note,
    )


@lru_cache(maxsize=1 << 14)
def _is_label(text: str) -> bool:
    """A cell that names a row: Han text that is neither a unit, a placeholder nor a value."""
    return (
        has_han(text, 2)
        and text not in _units()
        and text not in _placeholders()
        and parse_value(text).kind == "text"
    )


# --- template A: the old statistics table (2008-2018) ---------------------------------------

_L1 = re.compile(r"^[一二三四五六七八九十]+[、.]")


@cache
def _old_table_stops() -> AnyOf:
    return AnyOf(layouts()["old_table"]["stop"])


def _old_table_region(lines: Sequence[Line]) -> list[Line]:
    spec = layouts()["old_table"]
    header = spec["header_cells"][0]
    stops = _old_table_stops()
    start = None
    for i, line in enumerate(lines):
        compact = compact_label(line.text).replace(" ", "")
        if "|" in line.text and header in compact:
            start = i + 1
            break
    if start is None:
        for i, line in enumerate(lines):
            if "|" not in line.text:
                continue
            cells = row_cell_tuple(line.text)
            label = cells[0] if cells else ""
            found = match_label(label, ("old_table",), None)
            if found is not None and not found.header:
                start = i
                break
    if start is None:
        return []
    region: list[Line] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if stops.search(line.text):
            break
        if not line.text:
            continue
        if "|" not in line.text:
            following = next((ln.text for ln in lines[i + 1 :] if ln.text), "")
            if not following.startswith("|"):
                break  # prose after the table
        region.append(line)
    return region


def parse_old_table(lines: Sequence[Line]) -> TableResult:
    """Rows `label | unit | value` of the pre-2019 table, in any of its layouts.

    The cells are read as one stream (see `cell_stream`), so one row per line, one cell per
    line and rows split over two lines all give the same rows. A row is a label followed by
    at most a unit and a value; the section (一、…) it stands under disambiguates labels that
    the template prints twice.
    """
    result = TableResult()
    region = _old_table_region(lines)
    if not region:
        return result
    header_cells = set(layouts()["old_table"]["header_cells"])
    rows: list[tuple[Cell, list[Cell]]] = []
    for cell in cell_stream(region):
        if cell.text.replace(" ", "") in header_cells:
            continue
        if _is_label(cell.text):
            rows.append((cell, []))
        elif rows:
            rows[-1][1].append(cell)
        elif cell.text:
            result.rejected.append(
                Rejected("orphan_cell", "a value before any row label", cell.line, cell.text)
            )
    context: str | None = None
    for label_cell, rest in rows:
        label = label_cell.text
        metric = match_label(label, ("old_table", "review_litigation"), context)
        if _L1.match(label):
            context = metric.code if metric else None
        if metric is None:
            result.rejected.append(
                Rejected(
                    "unknown_label",
                    f"old-table row label not in the catalogue: {label}",
                    label_cell.line,
                    label,
                )
            )
            continue
        unit_cell, value_cell = _unit_and_value(rest)
        if value_cell is None:
            if not metric.header:
                result.rejected.append(
                    Rejected(
                        "row_shape",
                        f"old-table row {label!r} has cells {[c.text for c in rest]}",
                        label_cell.line,
                        label,
                    )
                )
            continue
        value = parse_value(value_cell.text)
        if metric.header and value.kind in {"empty", "na"}:
            continue  # a heading with nothing printed holds no statistic
        unit = unit_cell.text if unit_cell and unit_cell.text in _units() else None
        result.figures.append(
            _figure(metric, "total", value, label, value_cell.line, "old_table", unit)
        )
    return result


def _unit_and_value(rest: list[Cell]) -> tuple[Cell | None, Cell | None]:
    """Split the cells after a label into (unit, value); (None, None) when the shape is off."""
    if len(rest) == 2:
        return rest[0], rest[1]
    if len(rest) == 1:
        only = rest[0]
        if only.text in _units():
            return only, None
        return None, only
    if len(rest) == 3 and rest[2].text == "":
        return rest[0], rest[1]
    return None, None


# --- table 3: requests received and handled (2019 on) ---------------------------------------


def _block(lines: Sequence[Line], first: str, last: str | None) -> list[Line]:
    """Table lines from the row containing `first` through the row containing `last`."""
    block: list[Line] = []
    for line in lines:
        if not block:
            if "|" in line.text and first in compact_label(line.text).replace(" ", ""):
                block.append(line)
            continue
        if not line.text:
            continue
        if "|" not in line.text:
            break
        block.append(line)
        if last and last in compact_label(line.text).replace(" ", ""):
            break
    return block


def _split_row(text: str) -> tuple[list[str], list[str]]:
    """Label cells (leading) and value cells (the rest) of one table row."""
    cells = row_cells(text)
    while cells and cells[0] == "":
        cells.pop(0)
    count = 0
    while count < len(cells) and _is_label(cells[count]):
        count += 1
    return cells[:count], cells[count:]


def _take_values(values: list[str], count: int) -> list[str] | None:
    """Exactly `count` value cells, or None when the row holds another number of values."""
    trimmed = list(values)
    while trimmed and trimmed[-1] == "" and len(trimmed) > count:
        trimmed.pop()
    if len(trimmed) != count:
        return None
    if any(parse_value(v).kind == "text" for v in trimmed):
        return None
    return trimmed


def parse_requests_table(lines: Sequence[Line]) -> TableResult:
    """Table 3: one figure per applicant column of each row, identified by position."""
    spec = layouts()["requests"]
    dimensions: list[str] = spec["dimensions"]
    result = TableResult()
    block = _block(lines, spec["first_row"], spec["last_row"])
    context: str | None = None
    for line in block:
        labels, values = _split_row(line.text)
        if not labels:
            result.rejected.append(
                Rejected("row_shape", "table-3 row without a label", line.number, line.raw)
            )
            continue
        for group in labels[:-1]:
            found = match_label(group, ("requests",), None)
            context = found.code if found else context
        item = labels[-1]
        if _L1.match(item):
            context = None
        metric = match_label(item, ("requests",), context)
        if metric is None:
            result.rejected.append(
                Rejected(
                    "unknown_label",
                    f"table-3 row label not in the catalogue: {item}",
                    line.number,
                    line.raw,
                )
            )
            continue
        if metric.code == "apply.outcomes":
            context = metric.code
        taken = _take_values(values, len(dimensions))
        if taken is None:
            result.rejected.append(
                Rejected(
                    "row_shape",
                    f"table-3 row {item!r} has {len([v for v in values if v])} values, "
                    f"expected {len(dimensions)}",
                    line.number,
                    line.raw,
                )
            )
            continue
        number = line.number
        result.figures.extend(
            _figure(metric, dimension, parse_value(raw), item, number, "requests")
            for dimension, raw in zip(dimensions, taken, strict=True)
        )
    last_row = spec["last_row"]
    if block and last_row not in compact_label(block[-1].text).replace(" ", ""):
        result.rejected.append(
            Rejected(
                "table_truncated",
                f"table 3 stops before its last row ({last_row}): the rows read are kept, "
                "the rows after them are missing",
                block[-1].number,
                block[-1].raw,
            )
        )
    return result


# --- table 4: administrative review and litigation -------------------------------------------


def parse_review_table(lines: Sequence[Line]) -> TableResult:
    """Table 4: the 15 values after the header, identified by position, not header text."""
    spec = layouts()["review_litigation"]
    codes: list[str] = spec["metrics"]
    result = TableResult()
    start = None
    for i, line in enumerate(lines):
        if "|" not in line.text:
            continue
        header = row_cell_tuple(line.text)
        if (
            header
            and header[0] == spec["header_first_cell"]
            and any(spec["header_contains"] in c for c in header)
        ):
            start = i + 1
            break
    if start is None:
        return result
    collected: list[tuple[str, int]] = []
    for line in lines[start:]:
        if not line.text:
            continue
        if "|" not in line.text:
            break
        cells = row_cells(line.text)
        kinds = [parse_value(c).kind for c in cells]
        if "text" in kinds:
            if collected:
                break
            continue  # a header line
        while cells and cells[-1] == "":
            cells.pop()
        collected.extend((c, line.number) for c in cells)
        if len(collected) >= len(codes):
            break
    if len(collected) != len(codes):
        result.rejected.append(
            Rejected(
                "table_truncated" if len(collected) < len(codes) else "row_shape",
                f"table 4 has {len(collected)} values, expected {len(codes)}",
                collected[0][1] if collected else lines[start - 1].number,
                " | ".join(c for c, _ in collected),
            )
        )
        return result
    catalogue = metrics()
    for code, (raw, number) in zip(codes, collected, strict=True):
        metric = catalogue[code]
        result.figures.append(
            _figure(metric, "total", parse_value(raw), metric.label, number, "review_litigation")
        )
    return result


# --- article 20 tables -----------------------------------------------------------------------


def parse_art20_tables(lines: Sequence[Line], template: str) -> TableResult:
    """Article-20 blocks (第二十条第(X)项): each data row's values by column position.

    The header's distinctive cells choose the column layout; where the header is truncated
    past telling, the report's template does.
    """
    spec: dict[str, Any] = layouts()["art20"]
    block_re = re.compile(spec["block"])
    subjects = {label_key(k): v for k, v in spec["subjects"].items()}
    catalogue = metrics()
    result = TableResult()
    item: str | None = None
    columns: list[str] | None = None
    for line in lines:
        compact = compact_label(line.text).replace(" ", "")
        block = block_re.match(compact)
        if block:
            item, columns = block["item"], None
            continue
        if item is None:
            continue
        if "|" not in line.text:
            if line.text:
                item = None  # the blocks are over
            continue
        cells = row_cells(line.text)
        if columns is None:
            columns = _art20_columns(spec["items"].get(item, []), cells, template)
            if columns is None:
                result.rejected.append(
                    Rejected(
                        "unknown_layout",
                        f"article 20 item ({item}) header not recognised",
                        line.number,
                        line.raw,
                    )
                )
                item = None
            continue
        subject = subjects.get(label_key(cells[0])) if cells else None
        if subject is None:
            result.rejected.append(
                Rejected(
                    "unknown_label",
                    f"article 20 row label not in the catalogue: {cells[:1]}",
                    line.number,
                    line.raw,
                )
            )
            continue
        values = cells[1:]
        while values and values[-1] == "" and len(values) > len(columns):
            values.pop()
        if len(values) > len(columns) or any(parse_value(v).kind == "text" for v in values):
            result.rejected.append(
                Rejected(
                    "row_shape",
                    f"article 20 row {cells[0]!r} does not fit columns {columns}",
                    line.number,
                    line.raw,
                )
            )
            continue
        for column, raw in zip(columns, values, strict=False):
            code = f"art20.{subject}.{column}"
            metric = catalogue.get(code)
            if metric is None:
                result.rejected.append(
                    Rejected(
                        "unknown_metric", f"{code} is not in the catalogue", line.number, line.raw
                    )
                )
                continue
            result.figures.append(
                _figure(metric, "total", parse_value(raw), cells[0], line.number, "art20")
            )
    return result


def _art20_columns(
    variants: list[dict[str, Any]], header: list[str], template: str
) -> list[str] | None:
    header_text = [c.replace(" ", "") for c in header[1:]]
    for variant in variants:
        if any(
            cell.startswith(m) or m in cell
            for m in variant["markers"]
            for cell in header_text
            if cell
        ):
            return list(variant["columns"])
    for variant in variants:
        if variant["template"] == template:
            return list(variant["columns"])
    return None
