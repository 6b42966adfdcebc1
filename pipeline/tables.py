"""Readers for the statistics tables of a report, one per table kind.

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pipeline.catalogue import Metric, label_key, layouts, match_label, metrics
from pipeline.grid import (
    GridRow,
    Identity,
    collapsed_readings,
    forced_columns,
    grid_rows,
    is_label,
    is_lossy,
    trimmed_values,
)
from pipeline.matcher import Matcher
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
def _units() -> frozenset[str]:
    return frozenset(layouts()["units"])


def _figure(
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


def _compact(text: str) -> str:
    return compact_label(text).replace(" ", "")


def _heading(text: str) -> str:
    """A line as a heading key: no markdown `#`, no pipes around it, no spaces."""
    return _compact(re.sub(r"^[#|\s]+", "", text)).rstrip("|")


_L1 = re.compile(r"^[一二三四五六七八九十]+[、.]")
_NOTE = re.compile(r"^[(]?注\s*[:]")
_SECTION = re.compile(r"^(?:#{1,6}\s*)?[一二三四五六七八九十]{1,3}\s*[、.]")


def _short(line: Line, limit: int = 40) -> bool:
    """A line that can be a table cell or heading: pipes, or short text without a full stop."""
    return "|" in line.text or (len(line.text) <= limit and "。" not in line.text)


# --- template A: the old statistics table (2008-2018) ---------------------------------------


@cache
def _old_spec() -> dict[str, Any]:
    return layouts()["old_table"]  # type: ignore[no-any-return]


@cache
def _old_table_stops() -> Matcher:
    return Matcher(_old_spec()["stop"])


def _header_role(text: str) -> str | None:
    """The role a header cell gives its column (layouts.yaml `old_table.columns`)."""
    key = _compact(text)
    for role, patterns in _old_spec()["columns"].items():
        if any(re.fullmatch(p, key) for p in patterns):
            return str(role)
    return None


def _old_table_starts(lines: Sequence[Line]) -> Iterator[int]:
    """Lines that may open the old table, in order: its header row, else a catalogued row.

    A header whose words are split one character a line (指 / 标 / 名 / 称) is no header the
    reader can see; the table then starts at its first row that is exactly a catalogue label
    (a prose heading such as （一）主动公开政府信息数量 only starts like one).
    """
    words = _old_spec()["columns"]["label"]  # plain words: a line holding none is no header
    for i, line in enumerate(lines):
        squeezed = line.text.replace(" ", "")
        if any(word in squeezed for word in words):
            cells = [c for c in squeezed.split("|") if c] if "|" in squeezed else []
            cells = cells or ([squeezed] if _short(line, 12) else [])
            if any(_header_role(c) == "label" for c in cells):
                yield i
    for i, line in enumerate(lines):
        if not _short(line, 30):
            continue
        label = next((c.strip() for c in line.text.split("|") if is_label(_compact(c))), "")
        found = match_label(compact_label(label), ("old_table",), None) if label else None
        if found is not None and not found.header and label_key(label) in found.keys:
            yield i


def _old_table_region(lines: Sequence[Line], start: int) -> list[Line]:
    """From the start to the form footer or the prose after the table."""
    stops = _old_table_stops()
    region: list[Line] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if stops.search(line.text):
            break
        if not line.text:
            continue
        if not _short(line, 30):
            # a long label whose cells follow on the next line (`| 万元 | |`), else prose
            following = next((ln.text for ln in lines[i + 1 :] if ln.text), "")
            if not following.startswith("|"):
                break
        region.append(line)
    return region


def _lead_in(lines: Sequence[Line], start: int) -> list[Line]:
    """The short lines just above a table that starts at a row: its header, if any."""
    lead: list[Line] = []
    for line in reversed(lines[max(0, start - 12) : start]):
        if line.text and not _short(line, 30):
            break
        lead.insert(0, line)
    return lead


def _header_lines(region: list[Line]) -> int:
    """How many lines of the region are header: those before the first row label.

    A row label is a label cell that is no header word (指标名称, 计量单位, 2014年度, 历年累计);
    a known row or not, it ends the header (an unknown parent row stays a row).
    """
    for i, line in enumerate(region):
        first = next((c.strip() for c in line.text.split("|") if c.strip()), "")
        cell = compact_label(first)
        if cell and is_label(cell) and _header_role(cell) is None:
            return i
    return 0


def _value_columns(header: list[Line]) -> list[str]:
    """The value columns' roles, in printed order, from the header's words."""
    text = "".join(_compact(line.text) for line in header)
    roles = [
        role
        for role in ("this_year", "cumulative")
        if any(re.search(p, text) for p in _old_spec()["columns"][role])
    ]
    return roles if roles and roles[0] == "this_year" else ["this_year"]


def _old_label(text: str) -> bool:
    metric = match_label(text, ("old_table",), None)
    return metric is not None and label_key(text) in metric.keys


def parse_old_table(lines: Sequence[Line]) -> TableResult:
    """Rows `label | unit | value [| cumulative]` of the pre-2019 table, in any layout.

    The header says which value columns the table has: this year's (统计数, 2014年度, 本年度)
    and, in some provinces, a cumulative one (历年累计), kept as the dimension `cumulative` and
    never read as this year's. The section (一、…) a row stands under disambiguates labels that
    the template prints twice.
    """
    attempts: list[TableResult] = []
    for start in _old_table_starts(lines):
        region = _old_table_region(lines, start)
        header = _header_lines(region)
        lead = region[:header] if header else _lead_in(lines, start)
        attempt = _read_old_table(region[header:], _value_columns(lead))
        last = next((ln for ln in reversed(lines) if ln.text), None)
        if attempt.figures and region and region[-1] is last:
            _flag_cut_off(attempt, grid_rows(region[header:], _old_label))
        if attempt.figures:
            return attempt
        attempts.append(attempt)
    return attempts[0] if attempts else TableResult()


def _flag_cut_off(result: TableResult, rows: list[GridRow]) -> None:
    """A table that runs to the end of the text and ends on a row with no value was cut off
    (a truncated download): the rows read are kept, the rest is missing."""
    if rows and rows[-1].labels and not rows[-1].values:
        result.rejected.append(
            Rejected(
                "table_truncated",
                f"the table ends in mid-row ({rows[-1].label!r}, no value) at the end of the "
                "text: the rows read are kept, the rows after them are missing",
                rows[-1].line,
                rows[-1].label,
            )
        )


def _read_old_table(body: list[Line], columns: list[str]) -> TableResult:
    result = TableResult()
    context: str | None = None
    rows = grid_rows(body, _old_label)
    lossy = is_lossy(rows)
    parent_known = True
    for row in rows:
        if not row.labels:
            numbers = [c for c in row.values if parse_value(c.text).kind == "number"]
            if numbers:
                result.rejected.append(
                    Rejected(
                        "orphan_cell",
                        "a value printed apart from any row label",
                        numbers[0].line,
                        " ".join(c.text for c in row.values),
                    )
                )
            continue
        label_cell = row.labels[-1]
        label = label_cell.text
        if label_key(label) == "":
            continue  # 其中: on its own
        metric = match_label(label, ("old_table", "review_litigation"), context)
        if _L1.match(label):
            context = metric.code if metric else None
        # A sub-row (其中：1. …) counts a part of the row above it: under a row the catalogue
        # does not know (制作、获取的政府信息总数), a label such as 不予公开数 may mean other
        # things than the catalogue's (information withheld, not requests refused).
        sub_row = bool(_SUB_ROW.match(" ".join(c.text for c in row.labels)))
        if not sub_row:
            parent_known = metric is not None or _CN_NUMBERED.match(label) is not None
        if metric is None or (sub_row and not parent_known):
            if any(parse_value(c.text).kind == "number" for c in row.values):
                why = (
                    "under a row the catalogue does not know" if metric else "not in the catalogue"
                )
                result.rejected.append(
                    Rejected(
                        "unknown_label",
                        f"old-table row label {why}: {label}",
                        label_cell.line,
                        label,
                    )
                )
            continue
        _old_row(result, metric, label, row, columns, lossy)
    return result


# a sub-row's numbering (其中：1、…; 2.…) and a section's (一、 (一)), which starts afresh
_SUB_ROW = re.compile(r"^(?:其中\s*[:]?\s*)?\d{1,2}\s*(?:[.、]|(?=[\u4e00-\u9fff]))|^其中")
_CN_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十]+[)])")


def _old_row(
    result: TableResult,
    metric: Metric,
    label: str,
    row: GridRow,
    columns: list[str],
    lossy: bool,
) -> None:
    values = list(row.values)
    unit: str | None = None
    if values and values[0].text in _units():
        unit = values.pop(0).text
    elif values and values[0].text == "" and len(values) > len(columns):
        values.pop(0)  # the unit column, printed empty
    while values and values[-1].text == "" and len(values) > len(columns):
        values.pop()
    if not values:
        if not metric.header and unit is None:
            result.rejected.append(
                Rejected(
                    "row_shape",
                    f"old-table row {label!r} has cells {[c.text for c in row.values]}",
                    row.labels[-1].line,
                    label,
                )
            )
        return
    read_by = "position"
    if len(values) != len(columns):
        # a one-cell-per-line row that printed one value where this year and the cumulative
        # column stand: scrapers of that kind write a run of equal cells once, so the value is
        # this year's (and the cumulative column's); only this year's is kept
        if lossy and len(values) == 1 and columns == ["this_year", "cumulative"]:
            read_by = "collapsed"
            columns = columns[:1]
        else:
            result.rejected.append(
                Rejected(
                    "row_shape",
                    f"old-table row {label!r} has values {[c.text for c in values]} "
                    f"for columns {columns}",
                    values[0].line,
                    label,
                )
            )
            return
    for role, cell in zip(columns, values, strict=False):
        value = parse_value(cell.text)
        if metric.header and value.kind in {"empty", "na"}:
            continue  # a heading with nothing printed holds no statistic
        if value.kind == "text":
            result.rejected.append(
                Rejected(
                    "row_shape",
                    f"old-table row {label!r}: {cell.text!r} is not a value",
                    cell.line,
                    label,
                )
            )
            continue
        dimension = "total" if role == "this_year" else "cumulative"
        result.figures.append(
            _figure(metric, dimension, value, label, cell.line, "old_table", read_by, unit)
        )


# --- table 3: requests received and handled (2019 on) ---------------------------------------


@cache
def _requests_spec() -> dict[str, Any]:
    return layouts()["requests"]  # type: ignore[no-any-return]


def _requests_region(lines: Sequence[Line]) -> list[Line]:
    """From the first row (本年新收) to the values of the last (结转下年度继续办理)."""
    spec = _requests_spec()
    firsts, last = spec["first_rows"], spec["last_row"]
    region: list[Line] = []
    seen_last = False
    for line in lines:
        if not region:
            squeezed = line.text.replace(" ", "")
            if (
                any(first in squeezed for first in firsts)
                and _short(line, 60)
                and any(first in _heading(line.text) for first in firsts)
            ):
                region.append(line)
            continue
        if not line.text:
            continue
        if seen_last and (is_label(compact_label(line.text)) or not _short(line)):
            break  # the first label after the last row's values
        if not seen_last and _SECTION.match(line.text) and "|" not in line.text:
            key = _heading(line.text)
            if any(word in key for word in spec["end_headings"]):
                break  # the next section of the report: the table is cut short
        if not _short(line, 80):
            break
        region.append(line)
        if last in _compact(line.text):
            seen_last = True
            if "|" in line.text and len(line.text.split("|")) > 3:
                break  # a delimited last row holds its values
    return region


def _row_numbers(cells: Sequence[Cell]) -> list[float] | None:
    numbers: list[float] = []
    for cell in cells:
        value = parse_value(cell.text)
        if value.kind != "number" or value.value is None:
            return None
        numbers.append(value.value)
    return numbers


def _forced_cells(
    cells: list[Cell], width: int, identities: Sequence[Identity]
) -> tuple[dict[int, Cell], str | None]:
    """The cells of a collapsed row by the column every identity-holding reading puts them in.

    Also why nothing could be read, when that is so.
    """
    numbers = _row_numbers(cells)
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


def _requests_label(text: str) -> bool:
    metric = match_label(text, ("requests",), None)
    return metric is not None and label_key(text) in metric.keys


def parse_requests_table(lines: Sequence[Line]) -> TableResult:
    """Table 3: one figure per applicant column of each row.

    A row that prints all seven columns is read by position. A row gathered from one-cell lines
    that printed fewer (a scraper that collapses runs of equal cells) is read where every
    reading that keeps 总计 = the sum of the six applicant columns agrees; otherwise rejected.
    """
    spec = _requests_spec()
    dimensions: list[str] = spec["dimensions"]
    width = len(dimensions)
    row_total: Identity = (tuple(range(width - 1)), width - 1)
    result = TableResult()
    region = _requests_region(lines)
    context: str | None = None
    saw_last = False
    rows = grid_rows(region, _requests_label)
    lossy = is_lossy(rows)
    for row in rows:
        if not row.labels:
            if _row_numbers(row.values):
                result.rejected.append(
                    Rejected(
                        "orphan_row",
                        "table-3 values printed apart from their row label: the row they "
                        "belong to cannot be told",
                        row.line,
                        " | ".join(c.text for c in row.values),
                    )
                )
            continue
        for group in row.labels[:-1]:
            found = match_label(group.text, ("requests",), None)
            context = found.code if found else context
        item = row.label
        if _L1.match(item):
            context = None
        metric = match_label(item, ("requests",), context)
        numbers = [c for c in row.values if parse_value(c.text).kind == "number"]
        if metric is None:
            if numbers:
                result.rejected.append(
                    Rejected(
                        "unknown_label",
                        f"table-3 row label not in the catalogue: {item}",
                        row.line,
                        item,
                    )
                )
            continue
        if row.joined and metric.header and row.values:
            # a group's own label over a value row printed apart: the values are one of its
            # sub-rows', whose label went elsewhere in the text
            result.rejected.append(
                Rejected(
                    "orphan_row",
                    f"table-3 values printed apart from their row, under the group {item!r}: "
                    "the sub-row they belong to cannot be told",
                    row.line,
                    " | ".join(c.text for c in row.values),
                )
            )
            continue
        if metric.code == "apply.outcomes":
            context = metric.code
        if metric.code == "apply.carried_forward":
            saw_last = True
        if not row.values:
            continue  # a group cell or heading on its own
        values = trimmed_values(row, width)
        if len(values) == width and all(parse_value(c.text).kind != "text" for c in values):
            result.figures.extend(
                _figure(metric, d, parse_value(c.text), item, c.line, "requests", "position")
                for d, c in zip(dimensions, values, strict=True)
            )
            continue
        if lossy and 0 < len(values) < width:
            forced, why = _forced_cells(values, width, (row_total,))
            result.figures.extend(
                _figure(
                    metric, dimensions[i], parse_value(c.text), item, c.line, "requests", "identity"
                )
                for i, c in forced.items()
            )
            if why is None:
                continue
            message = f"table-3 row {item!r} prints {len(values)} of {width} cells: {why}"
        else:
            message = (
                f"table-3 row {item!r} has {len([v for v in values if v.text])} values, "
                f"expected {width}"
            )
        result.rejected.append(
            Rejected("row_shape", message, row.line, " | ".join(c.text for c in values))
        )
    if region and not saw_last:
        result.rejected.append(
            Rejected(
                "table_truncated",
                f"table 3 stops before its last row ({spec['last_row']}): the rows read are "
                "kept, the rows after them are missing",
                region[-1].number,
                region[-1].raw,
            )
        )
    return result


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
        if "复议" not in line.text.replace(" ", "") or not _short(line, 60):
            continue
        key = _heading(line.text)
        cells = [c for c in (_compact(c) for c in line.text.split("|")) if c] or [key]
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
        if _SECTION.match(line.text) and "|" not in line.text:
            break
        if _NOTE.match(line.text):
            continue  # 注：… under the header
        if not _short(line, 60):
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
        forced, why = _forced_cells(collected, len(codes), groups)
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
    return _figure(metric, "total", value, metric.label, cell.line, "review_litigation", read_by)


def _review_header(row: GridRow) -> bool:
    """A row of table 4's header words only (one group's heading in a table per group)."""
    words = sorted(_review_spec()["header_words"], key=len, reverse=True)
    for cell in [*row.labels, *row.values]:
        text = re.sub(r"[()（）]", "", _heading(cell.text))
        for word in words:
            text = text.replace(word, "")
        if text:
            return False
    return True


def _row_numbers_or_empty(cells: Sequence[Cell]) -> bool:
    return all(parse_value(c.text).kind != "text" for c in cells)


# --- article 20 tables -----------------------------------------------------------------------


def parse_art20_tables(lines: Sequence[Line], template: str) -> TableResult:
    """Article-20 blocks (第二十条第(X)项): each data row's values by column position.

    The header's distinctive cells choose the column layout; where the header is truncated
    past telling, the report's template does. A row that prints fewer values than columns is
    read only when it prints exactly one value and the item has one column.
    """
    spec: dict[str, Any] = layouts()["art20"]
    block_re = re.compile(spec["block"])
    stop_re = re.compile(spec["stop"])
    result = TableResult()
    blocks: list[tuple[str, list[Line]]] = []
    for line in lines:
        if not blocks and "二十条" not in line.text.replace(" ", ""):
            continue  # no block has started yet, and this line cannot start one
        compact = _heading(line.text)
        block = block_re.match(compact)
        if block:
            blocks.append((block["item"], []))
            continue
        if not blocks:
            continue
        if stop_re.match(compact) or not _short(line, 60):
            if blocks[-1][1] or not line.text:
                blocks.append(("", []))  # the blocks are over
            continue
        blocks[-1][1].append(line)
    for item, block_lines in blocks:
        if item:
            _art20_block(result, item, block_lines, spec, template)
    return result


def _art20_block(
    result: TableResult, item: str, lines: list[Line], spec: dict[str, Any], template: str
) -> None:
    subjects = {label_key(k): v for k, v in spec["subjects"].items()}
    catalogue = metrics()
    columns: list[str] | None = None
    for row in grid_rows(lines, lambda text: label_key(text) in subjects):
        cells = [*row.labels, *row.values]
        if not cells:
            continue
        subject = subjects.get(label_key(row.label)) if row.labels else None
        if subject is None:
            if columns is None and row.labels:
                columns = _art20_columns(spec["items"].get(item, []), cells, template)
                continue
            if not any(parse_value(c.text).kind == "number" for c in row.values):
                # a header printed away from its block (PDF text moves whole tables): its
                # words name the columns of the rows under it
                moved = _art20_columns(
                    [v for variants in spec["items"].values() for v in variants], cells, None
                )
                columns = moved or columns
                continue
            if any(parse_value(c.text).kind == "number" for c in row.values):
                result.rejected.append(
                    Rejected(
                        "unknown_label",
                        f"article 20 row label not in the catalogue: {row.label or '(none)'}",
                        row.line,
                        " | ".join(c.text for c in cells),
                    )
                )
            continue
        if columns is None:
            columns = _art20_columns(spec["items"].get(item, []), [], template)
        if columns is None:
            result.rejected.append(
                Rejected(
                    "unknown_layout",
                    f"article 20 item ({item}) header not recognised",
                    row.line,
                    " | ".join(c.text for c in cells),
                )
            )
            return
        values = list(row.values)
        while values and values[-1].text == "" and len(values) > len(columns):
            values.pop()
        if any(parse_value(v.text).kind == "text" for v in values):
            values = []
        if len(values) != len(columns):
            if values or row.values:
                result.rejected.append(
                    Rejected(
                        "row_shape",
                        f"article 20 row {row.label!r} prints {len(values)} values for "
                        f"columns {columns}: which column each belongs to cannot be told",
                        row.line,
                        " | ".join(c.text for c in cells),
                    )
                )
            continue
        read_by = "label" if len(columns) == 1 else "position"
        for column, cell in zip(columns, values, strict=True):
            code = f"art20.{subject}.{column}"
            metric = catalogue.get(code)
            if metric is None:
                result.rejected.append(
                    Rejected(
                        "unknown_metric", f"{code} is not in the catalogue", cell.line, cell.text
                    )
                )
                continue
            result.figures.append(
                _figure(
                    metric, "total", parse_value(cell.text), row.label, cell.line, "art20", read_by
                )
            )


def _art20_columns(
    variants: list[dict[str, Any]], header: Sequence[Cell], template: str | None
) -> list[str] | None:
    header_text = [_compact(c.text) for c in header[1:]] or [_compact(c.text) for c in header]
    joined = "".join(_compact(c.text) for c in header)
    for variant in variants:
        if any(
            cell.startswith(m) or m in cell
            for m in variant["markers"]
            for cell in [*header_text, joined]
            if cell
        ):
            return list(variant["columns"])
    for variant in variants:
        if variant["template"] == template:
            return list(variant["columns"])
    return None
