"""The parse of one raw file, as pure functions of its bytes.

`scan_file` is what the inventory needs: the hash, the encoding, the years of the reports the
file holds, and why any of it could not be read. `parse_file` is what a year partition needs:
the reports of the requested years with their sections, figures and the table rows that could
not be read. Both decode and segment the same way, so a file's years in the inventory are the
years its reports land in.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field

from pipeline.catalogue import metrics
from pipeline.documents import decode_document
from pipeline.extract import extract_figures
from pipeline.model import Figure, Rejected, Report, Section
from pipeline.segment import ReportYear, SegmentedReport, report_years, segment_document
from pipeline.years import first_year, last_year


@dataclass(frozen=True, slots=True)
class Problem:
    """Something of a file that could not be read: which report (if any), stage, why."""

    report_id: str | None
    stage: str
    rejected: Rejected


@dataclass(frozen=True, slots=True)
class FileScan:
    """What the inventory records of one file."""

    sha256: str
    size_bytes: int
    encoding: str | None
    report_years: tuple[int, ...]
    reports: int
    problems: tuple[Problem, ...]


@dataclass(slots=True)
class YearRecords:
    """Everything one file contributes to one year's partition."""

    reports: list[Report] = field(default_factory=list)
    sections: list[tuple[str, Section]] = field(default_factory=list)
    statistics: list[tuple[str, Figure]] = field(default_factory=list)
    prose: list[tuple[str, Figure]] = field(default_factory=list)
    rejected: list[tuple[str, Rejected]] = field(default_factory=list)
    table_rows: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FileParse:
    """The reports of one file in the requested years, keyed by year."""

    source_file: str
    sha256: str
    by_year: dict[int, YearRecords]


def _decode(source_file: str, data: bytes) -> tuple[str | None, str | None, Problem | None]:
    text, encoding, problem = decode_document(source_file, data)
    if text is None:
        assert problem is not None
        return None, encoding, Problem(None, "documents", problem)
    return text, encoding, None


NO_REPORT = Problem(
    None, "reports", Rejected("no_report", "no report text found in the file", None, "")
)


def _segment(
    source_file: str, data: bytes
) -> tuple[str | None, list[SegmentedReport], Problem | None]:
    text, encoding, problem = _decode(source_file, data)
    if text is None:
        return encoding, [], problem
    found = segment_document(source_file, text)
    return encoding, found, None if found else NO_REPORT


def _dated(segmented: SegmentedReport) -> ReportYear:
    report = segmented.report
    first = segmented.lines[0].raw[:200] if segmented.lines else ""
    return ReportYear(report.report_id, report.report_year, report.line_start, first)


def _year_problem(report: ReportYear) -> Problem | None:
    first = report.first_line
    if report.report_year is None:
        return Problem(
            report.report_id,
            "reports",
            Rejected(
                "no_year",
                "the report does not say which year it covers",
                report.line_start,
                first,
            ),
        )
    if not first_year() <= report.report_year <= last_year():
        return Problem(
            report.report_id,
            "reports",
            Rejected(
                "year_out_of_range",
                f"year {report.report_year} is outside {first_year()}-{last_year()}",
                report.line_start,
                first,
            ),
        )
    return None


# --- implausible figures (issue 13) ---------------------------------------------------------

# No report counts 10^9 requests, items, people or sessions: a count at or past this is a
# misprint or a scrape error (and past 2^53 a float would not even hold it exactly).
IMPLAUSIBLE_COUNT = 1e9
# Units of amounts of money, which may legitimately be large; every other unit is a count.
AMOUNT_UNITS = frozenset({"元", "万元", "亿元"})
IMPLAUSIBLE = "implausible"


def is_amount(figure: Figure) -> bool:
    """The figure is an amount of money (by its metric's unit in the catalogue, or its own)."""
    metric = metrics().get(figure.metric)
    return (metric is not None and metric.unit in AMOUNT_UNITS) or figure.unit in AMOUNT_UNITS


def flag_implausible(figures: list[Figure]) -> tuple[list[Figure], list[Rejected]]:
    """Counts of 10^9 or more turned into `implausible` figures, with a quarantine row each.

    The figure stays, as printed (`value_raw`), but with no `value`: like an empty or text
    cell it is not a number, so no sum or rule uses it (a rule over it is not assessable).
    """
    kept: list[Figure] = []
    rejected: list[Rejected] = []
    for figure in figures:
        if (
            figure.value_kind == "number"
            and figure.value is not None
            and abs(figure.value) >= IMPLAUSIBLE_COUNT
            and not is_amount(figure)
        ):
            rejected.append(
                Rejected(
                    "implausible_value",
                    f"{figure.value_raw!r} is not a plausible count for {figure.metric} "
                    f"(10^9 or more); kept as printed, left out of every sum",
                    figure.source_line,
                    figure.value_raw,
                )
            )
            figure = dataclasses.replace(figure, value=None, value_kind=IMPLAUSIBLE)
        kept.append(figure)
    return kept, rejected


def _scan(
    data: bytes, encoding: str | None, found: list[ReportYear], problem: Problem | None
) -> FileScan:
    problems = [problem] if problem else []
    years: set[int] = set()
    reports = 0
    for report in found:
        year_problem = _year_problem(report)
        if year_problem:
            problems.append(year_problem)
            continue
        assert report.report_year is not None
        years.add(report.report_year)
        reports += 1
    return FileScan(
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        encoding=encoding,
        report_years=tuple(sorted(years)),
        reports=reports,
        problems=tuple(problems),
    )


def _parse(
    source_file: str, sha256: str, found: list[SegmentedReport], years: Collection[int]
) -> FileParse:
    by_year: dict[int, YearRecords] = {}
    for segmented in found:
        report = segmented.report
        if _year_problem(_dated(segmented)) or report.report_year is None:
            continue
        if report.report_year not in years:
            continue
        records = by_year.setdefault(report.report_year, YearRecords())
        figures = extract_figures(segmented.lines, report.template)
        statistics, implausible = flag_implausible(figures.statistics)
        prose, implausible_prose = flag_implausible(figures.prose)
        report_id = report.report_id
        records.reports.append(report)
        records.sections.extend((report_id, section) for section in segmented.sections)
        records.statistics.extend((report_id, figure) for figure in statistics)
        records.prose.extend((report_id, figure) for figure in prose)
        records.rejected.extend((report_id, rejected) for rejected in figures.rejected)
        records.rejected.extend((report_id, rejected) for rejected in implausible)
        # A prose figure flagged on a line a table figure was flagged on is one problem.
        flagged = {(r.source_line, r.raw) for r in implausible}
        records.rejected.extend(
            (report_id, rejected)
            for rejected in implausible_prose
            if (rejected.source_line, rejected.raw) not in flagged
        )
        records.table_rows.extend((report_id, line) for line in figures.table_rows)
    return FileParse(source_file, sha256, by_year)


def scan_file(source_file: str, data: bytes) -> FileScan:
    """Hash, decode and split one file into reports: their years and what could not be read.

    Of each report only what dates it is read (`report_years`), split and dated as
    `parse_file` does, so the years are those its reports land in."""
    text, encoding, problem = _decode(source_file, data)
    found = [] if text is None else report_years(source_file, text)
    if text is not None and not found:
        problem = NO_REPORT
    return _scan(data, encoding, found, problem)


def parse_file(source_file: str, data: bytes, years: Collection[int]) -> FileParse:
    """The reports of the given years in one file, with their sections and figures."""
    _, found, _ = _segment(source_file, data)
    return _parse(source_file, hashlib.sha256(data).hexdigest(), found, years)


def scan_and_parse(source_file: str, data: bytes) -> tuple[FileScan, FileParse]:
    """`scan_file`, and `parse_file` of every year it found, decoding and segmenting once."""
    encoding, found, problem = _segment(source_file, data)
    scan = _scan(data, encoding, [_dated(segmented) for segmented in found], problem)
    return scan, _parse(source_file, scan.sha256, found, scan.report_years)
