"""The article-20 tables of the 2019+ templates (第二十条第(X)项): each data row's values by
column position.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.catalogue import label_key, layouts, metrics
from pipeline.grid import (
    grid_rows,
)
from pipeline.model import Rejected
from pipeline.tables import (
    TableResult,
    compact_key,
    heading_key,
    short_line,
    table_figure,
)
from pipeline.text import Cell, Line, parse_value

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
        compact = heading_key(line.text)
        block = block_re.match(compact)
        if block:
            blocks.append((block["item"], []))
            continue
        if not blocks:
            continue
        if stop_re.match(compact) or not short_line(line, 60):
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
                table_figure(
                    metric, "total", parse_value(cell.text), row.label, cell.line, "art20", read_by
                )
            )


def _art20_columns(
    variants: list[dict[str, Any]], header: Sequence[Cell], template: str | None
) -> list[str] | None:
    header_text = [compact_key(c.text) for c in header[1:]] or [compact_key(c.text) for c in header]
    joined = "".join(compact_key(c.text) for c in header)
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
