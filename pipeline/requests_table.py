"""Table 3 of the 2019+ templates: requests received and handled, one figure per applicant
column of each row.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from pipeline.catalogue import label_key, layouts, match_label
from pipeline.grid import (
    Identity,
    grid_rows,
    is_label,
    is_lossy,
    trimmed_values,
)
from pipeline.model import Rejected
from pipeline.tables import (
    L1_HEADING,
    SECTION_HEADING,
    TableResult,
    compact_key,
    forced_cells,
    heading_key,
    row_numbers,
    short_line,
    table_figure,
)
from pipeline.text import Line, compact_label, parse_value

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
                and short_line(line, 60)
                and any(first in heading_key(line.text) for first in firsts)
            ):
                region.append(line)
            continue
        if not line.text:
            continue
        if seen_last and (is_label(compact_label(line.text)) or not short_line(line)):
            break  # the first label after the last row's values
        if not seen_last and SECTION_HEADING.match(line.text) and "|" not in line.text:
            key = heading_key(line.text)
            if any(word in key for word in spec["end_headings"]):
                break  # the next section of the report: the table is cut short
        if not short_line(line, 80):
            break
        region.append(line)
        if last in compact_key(line.text):
            seen_last = True
            if "|" in line.text and len(line.text.split("|")) > 3:
                break  # a delimited last row holds its values
    return region


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
            if row_numbers(row.values):
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
        if L1_HEADING.match(item):
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
                table_figure(metric, d, parse_value(c.text), item, c.line, "requests", "position")
                for d, c in zip(dimensions, values, strict=True)
            )
            continue
        if lossy and 0 < len(values) < width:
            forced, why = forced_cells(values, width, (row_total,))
            result.figures.extend(
                table_figure(
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
