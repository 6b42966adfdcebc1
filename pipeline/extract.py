"""From a decoded document to reports, sections and figures: the whole parse of one file.

This is the pure core the Dagster assets wire together. Every report gets its tables parsed
according to its template and its prose read; a report that has no table keeps its prose
figures as its statistics, the others keep them apart as a second reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.model import Figure, Rejected
from pipeline.prose import extract_prose_figures
from pipeline.segment import SegmentedReport, segment_document
from pipeline.tables import (
    TableResult,
    parse_art20_tables,
    parse_old_table,
    parse_requests_table,
    parse_review_table,
)
from pipeline.text import Line

NEW_TEMPLATES = frozenset({"new_2019", "new_2021"})


@dataclass(slots=True)
class ReportFigures:
    """Everything read from one report's lines."""

    statistics: list[Figure] = field(default_factory=list)
    prose: list[Figure] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


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
    prose = extract_prose_figures(list(lines), new_template=template in NEW_TEMPLATES)
    statistics = tables.figures + (prose if template == "prose" else [])
    return ReportFigures(statistics=statistics, prose=prose, rejected=tables.rejected)


def extract_document(source_file: str, text: str) -> list[tuple[SegmentedReport, ReportFigures]]:
    """Every report of one decoded file with its figures (for `pipeline extract` and tests)."""
    return [
        (segmented, extract_figures(segmented.lines, segmented.report.template))
        for segmented in segment_document(source_file, text)
    ]
