"""From a decoded document to reports, sections and figures: the whole parse of one file.

This is the pure core the Dagster assets wire together. Every report gets its tables parsed
according to its template and its prose read; a report that has no table keeps its prose
figures as its statistics, the others keep them apart as a second reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.art20_tables import parse_art20_tables
from pipeline.model import SIGNED_METRIC_SUFFIX, Figure, Rejected
from pipeline.old_table import parse_old_table
from pipeline.prose import extract_prose_figures
from pipeline.requests_table import parse_requests_table
from pipeline.review_table import parse_review_table
from pipeline.segment import SegmentedReport, segment_document
from pipeline.tables import TableResult
from pipeline.text import Line, parse_value, row_cell_tuple

NEW_TEMPLATES = frozenset({"new_2019", "new_2021"})


@dataclass(slots=True)
class ReportFigures:
    """Everything read from one report's lines."""

    statistics: list[Figure] = field(default_factory=list)
    prose: list[Figure] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # Lines that are table rows printing at least one number: each must end up as a
    # statistic or a rejection (the accounting invariant).
    table_rows: list[int] = field(default_factory=list)


def parse_tables(lines: Sequence[Line], template: str) -> TableResult:
    """The figures of every statistics table of the report's template."""
    result = TableResult()
    if template == "old_table":
        result.extend(parse_old_table(lines))
    elif template in NEW_TEMPLATES:
        result.extend(parse_art20_tables(lines, template))
        result.extend(parse_requests_table(lines))
        result.extend(parse_review_table(lines))
    return result


def extract_figures(lines: Sequence[Line], template: str) -> ReportFigures:
    """Tables and prose of one report.

    A report with no table keeps its prose figures as its statistics; the others keep them
    apart (`prose`) as a second, independent reading of numbers the tables print.
    """
    tables = parse_tables(lines, template)
    table_figures, table_rejected = screen_figures(tables.figures)
    prose, prose_rejected = screen_figures(
        extract_prose_figures(list(lines), new_template=template in NEW_TEMPLATES)
    )
    statistics = table_figures + (prose if template == "prose" else [])
    rejected = tables.rejected + table_rejected + prose_rejected
    if template != "prose" and not tables.figures and not tables.rejected:
        # the report prints a table (its template's markers are there) but no row of it could
        # be read: cells run together on one line, or a layout no reader knows. Its prose
        # figures stay a second reading; they never stand in for the table.
        first = lines[0] if lines else None
        rejected.append(
            Rejected(
                "table_not_read",
                f"the report has a {template} table but no row of it could be read "
                "(cells run together without delimiters, or an unknown layout)",
                first.number if first else None,
                "",
            )
        )
    rows = table_rows(lines)
    read = {f.source_line for f in table_figures} | {r.source_line for r in rejected}
    rejected.extend(
        Rejected(
            "unread_row",
            "a table row printing figures that no table reader of the "
            f"{template} template took: its layout is not recognised",
            line.number,
            line.raw,
        )
        for line in lines
        if line.number in rows and line.number not in read
    )
    return ReportFigures(
        statistics=statistics,
        prose=prose,
        rejected=rejected,
        table_rows=sorted(rows),
    )


def table_rows(lines: Sequence[Line]) -> set[int]:
    """Numbers of the lines that are table rows (`… | …`) printing at least one number."""
    rows: set[int] = set()
    for line in lines:
        if "|" not in line.text:
            continue
        for cell in row_cell_tuple(line.text):
            if parse_value(cell).kind == "number":
                rows.add(line.number)
                break
    return rows


def screen_figures(figures: Sequence[Figure]) -> tuple[list[Figure], list[Rejected]]:
    """The figures that can be stored as read, and the others rejected with the reason.

    A count printed below zero ("-3" where a number of requests stands) is not a count: it is
    rejected as printed, never stored nor changed. A figure is identified by its metric,
    dimension and line; when one line gives the same metric twice (a table run onto one
    line, a sentence stating a figure for two bodies, a line printed twice over), the first is
    kept and the later ones are rejected, since nothing in the key could tell them apart.
    """
    kept: list[Figure] = []
    rejected: list[Rejected] = []
    seen: dict[tuple[str, str, int], Figure] = {}
    for figure in figures:
        key = (figure.metric, figure.dimension, figure.source_line)
        if (
            figure.value is not None
            and figure.value < 0
            and not figure.metric.endswith(SIGNED_METRIC_SUFFIX)
        ):
            rejected.append(
                Rejected(
                    "negative_count",
                    f"{figure.metric} is a count but is printed as {figure.value_raw!r}",
                    figure.source_line,
                    figure.value_raw,
                )
            )
        elif key in seen:
            first = seen[key]
            rejected.append(
                Rejected(
                    "duplicate_figure",
                    f"{figure.metric} ({figure.dimension}) is printed again on the same line: "
                    f"{figure.value_raw!r} after {first.value_raw!r}; the first is kept",
                    figure.source_line,
                    figure.value_raw,
                )
            )
        else:
            seen[key] = figure
            kept.append(figure)
    return kept, rejected


def extract_document(source_file: str, text: str) -> list[tuple[SegmentedReport, ReportFigures]]:
    """Every report of one decoded file with its figures (for `pipeline extract` and tests)."""
    return [
        (segmented, extract_figures(segmented.lines, segmented.report.template))
        for segmented in segment_document(source_file, text)
    ]
