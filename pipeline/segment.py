"""Split a decoded source file into reports, and describe each one.

A scraped file may hold one report or a whole website's worth (`002_…` holds fifteen). Page
chrome delimits them where present; title lines do otherwise. What each report says about
itself (year, agency, region, template, closing date, sections) is read by
`pipeline/report_metadata.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace

from pipeline.agency import identify_agency
from pipeline.model import Report, Section
from pipeline.report_metadata import (
    Metadata,
    detect_template,
    find_agency,
    find_dated_field,
    find_published_on,
    find_region,
    find_sections,
    find_title,
    find_year,
    is_title,
    metadata_date,
    read_metadata,
    segment_rules,
)
from pipeline.text import FONT_SWITCHER_PREFIX, Line, split_lines


@dataclass(frozen=True, slots=True)
class SegmentedReport:
    """A report's metadata with its own lines (numbers still refer to the source file)."""

    report: Report
    lines: tuple[Line, ...]
    sections: tuple[Section, ...]


def make_report_id(source_file: str, ordinal: int) -> str:
    """Stable id of a report: its file (relative to the raw dir) and 1-based position in it."""
    return f"{source_file}#{ordinal}"


# --- splitting -------------------------------------------------------------------------------


def split_reports(lines: list[Line]) -> list[list[Line]]:
    """Chunks of lines, one per report, with page chrome removed.

    Chrome openers and closers delimit reports when the site has them; inside a chunk, a
    second title line after real content starts another report.
    """
    rules = segment_rules()
    chunks: list[list[Line]] = []
    current: list[Line] = []
    strip_glue = False
    for line in lines:
        chrome = rules.chrome.search(line.text)
        if chrome and any(p.search(line.text) for p in rules.openers):
            chunks.append(current)
            current, strip_glue = [], True
            continue
        if chrome and any(p.search(line.text) for p in rules.closers):
            chunks.append(current)
            current = []
            continue
        if strip_glue and line.text:
            strip_glue = False
            if rules.glued_prefix.match(line.text):
                line = replace(line, text=FONT_SWITCHER_PREFIX.sub("", line.text))
                if not line.text:
                    continue
        current.append(line)
    chunks.append(current)

    reports: list[list[Line]] = []
    for chunk in chunks:
        reports.extend(_split_at_titles(chunk))
    return [trimmed for chunk in reports if (trimmed := _trim(chunk))]


def _split_at_titles(chunk: list[Line]) -> list[list[Line]]:
    # A scraper's metadata header (标题: …, 发布时间: …) announces the report that follows it:
    # its lines are not the content of an earlier report, so the body's own title line after
    # them does not start a second one.
    header = set(read_metadata(chunk).lines)
    parts: list[list[Line]] = [[]]
    content = 0
    for line in chunk:
        if is_title(line.text) and content >= 5:
            parts.append([])
            content = 0
        parts[-1].append(line)
        if line.text and line.number not in header:
            content += 1
    return parts


def _trim(chunk: list[Line]) -> list[Line]:
    start, end = 0, len(chunk)
    while start < end and not chunk[start].text:
        start += 1
    while end > start and not chunk[end - 1].text:
        end -= 1
    body = chunk[start:end]
    # A chunk of chrome leftovers (a lone contact line) is not a report.
    return body if sum(1 for line in body if line.text) >= 3 else []


@dataclass(frozen=True, slots=True)
class ReportYear:
    """What the inventory records of a report: where it starts and which year it covers."""

    report_id: str
    report_year: int | None
    line_start: int
    first_line: str  # the raw text of its first line (for a quarantine row)


def _dating(
    lines: list[Line],
) -> tuple[Metadata, Line | None, dt.date | None, int | None, str | None]:
    """A report's metadata header, title, publication date and year (with its source)."""
    metadata = read_metadata(lines)
    title = find_title(lines, metadata)
    published = find_published_on(lines) or find_dated_field(lines) or metadata_date(metadata)
    year, year_source = find_year(lines, published, title)
    return metadata, title, published, year, year_source


def describe_report(source_file: str, ordinal: int, lines: list[Line]) -> SegmentedReport:
    """Read one report's metadata from its lines."""
    metadata, title, published, year, year_source = _dating(lines)
    agency, agency_source = find_agency(lines, title, metadata)
    region = find_region(lines, agency)
    identity = identify_agency(agency, region, "\n".join(line.text for line in lines))
    spam = segment_rules().spam_any
    report = Report(
        report_id=make_report_id(source_file, ordinal),
        source_file=source_file,
        ordinal=ordinal,
        report_year=year,
        year_source=year_source,
        agency=agency,
        agency_source=agency_source,
        region=region,
        template=detect_template(lines),
        published_on=published.isoformat() if published else None,
        title=title.text if title else None,
        line_start=lines[0].number,
        line_end=lines[-1].number,
        spam_detected=any(map(spam.search, (line.text for line in lines))),
        **{field.name: getattr(identity, field.name) for field in fields(identity)},
    )
    return SegmentedReport(report, tuple(lines), tuple(find_sections(lines)))


def segment_document(source_file: str, text: str) -> list[SegmentedReport]:
    """All reports in one decoded source file, in file order."""
    chunks = split_reports(split_lines(text))
    return [describe_report(source_file, i, chunk) for i, chunk in enumerate(chunks, start=1)]


def report_years(source_file: str, text: str) -> list[ReportYear]:
    """The reports of one decoded file with their years, split and dated exactly as
    `segment_document` does, without reading the rest of their metadata."""
    return [
        ReportYear(
            make_report_id(source_file, ordinal),
            _dating(chunk)[3],
            chunk[0].number,
            chunk[0].raw[:200],
        )
        for ordinal, chunk in enumerate(split_reports(split_lines(text)), start=1)
    ]
