"""The pre-2019 statistics table (template A, 2008-2018): rows
`label | unit | value [| cumulative]`, in any layout, read by their catalogue label.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from pipeline.catalogue import Metric, label_key, layouts, match_label
from pipeline.grid import (
    GridRow,
    grid_rows,
    is_label,
    is_lossy,
)
from pipeline.matcher import Matcher
from pipeline.model import Rejected
from pipeline.tables import (
    L1_HEADING,
    TableResult,
    compact_key,
    short_line,
    table_figure,
    table_units,
)
from pipeline.text import Line, compact_label, parse_value

# --- template A: the old statistics table (2008-2018) ---------------------------------------


@cache
def _old_spec() -> dict[str, Any]:
    return layouts()["old_table"]  # type: ignore[no-any-return]


@cache
def _old_table_stops() -> Matcher:
    return Matcher(_old_spec()["stop"])


def _header_role(text: str) -> str | None:
    """The role a header cell gives its column (layouts.yaml `old_table.columns`)."""
    key = compact_key(text)
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
            cells = cells or ([squeezed] if short_line(line, 12) else [])
            if any(_header_role(c) == "label" for c in cells):
                yield i
    for i, line in enumerate(lines):
        if not short_line(line, 30):
            continue
        label = next((c.strip() for c in line.text.split("|") if is_label(compact_key(c))), "")
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
        if not short_line(line, 30):
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
        if line.text and not short_line(line, 30):
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
    text = "".join(compact_key(line.text) for line in header)
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
        if L1_HEADING.match(label):
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
    if values and values[0].text in table_units():
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
            table_figure(metric, dimension, value, label, cell.line, "old_table", read_by, unit)
        )
