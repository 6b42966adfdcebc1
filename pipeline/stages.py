"""The stage functions: frames in, frames out. Dagster assets call these and nothing else.

documents → reports (+ sections, report lines) → statistics (+ prose figures). Each stage also
returns the quarantine rows of what it could not read, so every file and every table row read
ends up in exactly one place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from pipeline.documents import iter_raw_files, read_document
from pipeline.extract import extract_figures
from pipeline.model import (
    DOCUMENTS_SCHEMA,
    QUARANTINE_SCHEMA,
    REPORTS_SCHEMA,
    SECTIONS_SCHEMA,
    STATISTICS_SCHEMA,
    Figure,
    Rejected,
    Report,
    to_frame,
)
from pipeline.segment import segment_document
from pipeline.text import Line

log = logging.getLogger(__name__)

LINES_SCHEMA: dict[str, pl.DataType] = {
    "report_id": pl.String(),
    "report_year": pl.Int32(),
    "template": pl.String(),
    "number": pl.Int32(),
    "raw": pl.String(),
    "text": pl.String(),
}


def _quarantine(rows: Iterable[tuple[str, str | None, str, Rejected]]) -> pl.DataFrame:
    records = [
        {
            "source_file": source_file,
            "report_id": report_id,
            "stage": stage,
            "reason": r.reason,
            "message": r.message,
            "source_line": r.source_line,
            "raw": r.raw,
        }
        for source_file, report_id, stage, r in rows
    ]
    return pl.DataFrame(records, schema=QUARANTINE_SCHEMA)


@dataclass(frozen=True, slots=True)
class DocumentsOutput:
    documents: pl.DataFrame
    quarantine: pl.DataFrame


def inventory_documents(raw_dir: Path) -> DocumentsOutput:
    """Every raw file with size, sha256 and decoded text; unreadable files are quarantined."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    documents = []
    rejected = []
    for path in iter_raw_files(raw_dir):
        document, problem = read_document(raw_dir, path)
        documents.append(document)
        if problem is not None:
            rejected.append((document.source_file, None, "documents", problem))
    return DocumentsOutput(to_frame(documents, DOCUMENTS_SCHEMA), _quarantine(rejected))


@dataclass(frozen=True, slots=True)
class ReportsOutput:
    reports: pl.DataFrame
    sections: pl.DataFrame
    lines: pl.DataFrame
    quarantine: pl.DataFrame


def segment_documents(documents: pl.DataFrame) -> ReportsOutput:
    """Reports, their sections and their lines, from every decoded document.

    A document with no report in it, and a report whose year the text does not give, are
    quarantined rather than guessed.
    """
    reports: list[Report] = []
    sections: list[dict[str, object]] = []
    lines: list[dict[str, object]] = []
    rejected: list[tuple[str, str | None, str, Rejected]] = []
    for row in documents.filter(pl.col("text").is_not_null()).iter_rows(named=True):
        found = segment_document(row["source_file"], row["text"])
        if not found:
            rejected.append(
                (
                    row["source_file"],
                    None,
                    "reports",
                    Rejected("no_report", "no report text found in the file", None, ""),
                )
            )
        for segmented in found:
            report = segmented.report
            if report.report_year is None:
                rejected.append(
                    (
                        report.source_file,
                        report.report_id,
                        "reports",
                        Rejected(
                            "no_year",
                            "the report does not say which year it covers",
                            report.line_start,
                            segmented.lines[0].raw[:200],
                        ),
                    )
                )
                continue
            reports.append(report)
            sections.extend(
                {"report_id": report.report_id, **asdict(section)} for section in segmented.sections
            )
            lines.extend(
                {
                    "report_id": report.report_id,
                    "report_year": report.report_year,
                    "template": report.template,
                    "number": ln.number,
                    "raw": ln.raw,
                    "text": ln.text,
                }
                for ln in segmented.lines
            )
    reports_frame = to_frame(
        reports, {k: v for k, v in REPORTS_SCHEMA.items() if k != "published_on"}
    )
    reports_frame = reports_frame.with_columns(
        pl.Series("published_on", [r.published_on for r in reports], dtype=pl.String).str.to_date(
            "%Y-%m-%d", strict=True
        )
    ).select(list(REPORTS_SCHEMA))
    return ReportsOutput(
        reports=reports_frame,
        sections=pl.DataFrame(sections, schema=SECTIONS_SCHEMA),
        lines=pl.DataFrame(lines, schema=LINES_SCHEMA),
        quarantine=_quarantine(rejected),
    )


@dataclass(frozen=True, slots=True)
class StatisticsOutput:
    statistics: pl.DataFrame
    prose_figures: pl.DataFrame
    quarantine: pl.DataFrame


def extract_statistics(lines: pl.DataFrame, reports: pl.DataFrame) -> StatisticsOutput:
    """Every figure of every report, in long form, with the rows that could not be read."""
    source_of = dict(zip(reports["report_id"], reports["source_file"], strict=True))
    statistics: list[Figure] = []
    prose: list[Figure] = []
    keys_statistics: list[tuple[str, int]] = []
    keys_prose: list[tuple[str, int]] = []
    rejected: list[tuple[str, str | None, str, Rejected]] = []
    for (report_id,), group in lines.group_by("report_id", maintain_order=True):
        report_id = str(report_id)
        year = int(group["report_year"][0])
        template = str(group["template"][0])
        report_lines = [
            Line(number, raw, text)
            for number, raw, text in group.select("number", "raw", "text").iter_rows()
        ]
        found = extract_figures(report_lines, template)
        statistics.extend(found.statistics)
        keys_statistics.extend([(report_id, year)] * len(found.statistics))
        prose.extend(found.prose)
        keys_prose.extend([(report_id, year)] * len(found.prose))
        rejected.extend((source_of[report_id], report_id, "statistics", r) for r in found.rejected)
    return StatisticsOutput(
        statistics=_figures_frame(statistics, keys_statistics),
        prose_figures=_figures_frame(prose, keys_prose),
        quarantine=_quarantine(rejected),
    )


def _figures_frame(figures: list[Figure], keys: list[tuple[str, int]]) -> pl.DataFrame:
    frame = to_frame(
        figures,
        {k: v for k, v in STATISTICS_SCHEMA.items() if k not in {"report_id", "report_year"}},
    )
    ids = pl.DataFrame(
        keys, schema={"report_id": pl.String(), "report_year": pl.Int32()}, orient="row"
    )
    return pl.concat([ids, frame], how="horizontal").select(list(STATISTICS_SCHEMA))
