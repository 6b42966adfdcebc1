"""What a report says about itself: its year, agency, region, template, dates and sections.

Each is read from the report's text only: when the text does not say, the answer is None,
never a guess. Splitting a file into reports is `pipeline/segment.py`'s job.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.catalogue import layouts
from pipeline.matcher import Matcher
from pipeline.model import Section
from pipeline.text import MARKDOWN_HEADING, Line, compact_label

_CURRENT_YEAR = dt.date.today().year


@dataclass(frozen=True, slots=True)
class SegmentRules:
    """The layout rules (schemas/layouts.yaml) of splitting a file and reading a report."""

    openers: tuple[re.Pattern[str], ...]
    closers: tuple[re.Pattern[str], ...]
    # an opener or a closer: one search tells the (rare) chrome lines from the others
    chrome: Matcher
    glued_prefix: re.Pattern[str]
    title: re.Pattern[str]
    title_max_length: int
    year_sources: tuple[tuple[str, re.Pattern[str]], ...]
    first_year: int
    date_line: re.Pattern[str]
    date_field: re.Pattern[str]
    form_field: re.Pattern[str]
    agency_suffixes: tuple[str, ...]
    not_names: tuple[re.Pattern[str], ...]
    agency_max_length: int
    spam: tuple[re.Pattern[str], ...]
    spam_any: Matcher
    admin: re.Pattern[str]
    region_sources: tuple[tuple[str, re.Pattern[str]], ...]
    region_generic: frozenset[str]
    section_heading: re.Pattern[str]
    templates: tuple[tuple[str, tuple[str, ...]], ...]
    templates_anywhere: tuple[tuple[str, tuple[str, ...]], ...]
    metadata_fields: dict[str, str | None]
    metadata_line: re.Pattern[str]
    metadata_chrome: tuple[re.Pattern[str], ...]
    metadata_max_lines: int
    region_suffixes: tuple[str, ...]


@cache
def segment_rules() -> SegmentRules:
    spec: dict[str, Any] = layouts()
    return SegmentRules(
        openers=tuple(re.compile(p) for p in spec["chrome"]["openers"]),
        closers=tuple(re.compile(p) for p in spec["chrome"]["closers"]),
        chrome=Matcher([*spec["chrome"]["openers"], *spec["chrome"]["closers"]]),
        glued_prefix=re.compile(spec["chrome"]["glued_prefix"]),
        title=re.compile(spec["title"]["pattern"]),
        title_max_length=int(spec["title"]["max_length"]),
        year_sources=tuple((s["source"], re.compile(s["pattern"])) for s in spec["year_sources"]),
        first_year=int(spec["first_report_year"]),
        date_line=re.compile(spec["date_line"]),
        date_field=re.compile(spec["date_field"]),
        form_field=re.compile(spec["agency"]["form_field"]),
        agency_suffixes=tuple(sorted(spec["agency"]["suffixes"], key=len, reverse=True)),
        not_names=tuple(re.compile(p) for p in spec["agency"]["not_names"]),
        agency_max_length=int(spec["agency"]["max_length"]),
        spam=tuple(re.compile(p) for p in spec["spam"]["patterns"]),
        spam_any=Matcher(spec["spam"]["patterns"]),
        admin=re.compile(spec["region"]["admin"]),
        region_sources=tuple(
            (s["source"], re.compile(s["pattern"])) for s in spec["region"]["sources"]
        ),
        region_generic=frozenset(spec["region"]["generic"]),
        section_heading=re.compile(spec["section_heading"]),
        templates=tuple((t["name"], tuple(t["markers"])) for t in spec["templates"]),
        templates_anywhere=tuple(
            (t["name"], tuple(t["markers"])) for t in spec["templates_anywhere"]
        ),
        metadata_fields=dict(spec["metadata"]["fields"]),
        metadata_line=re.compile(spec["metadata"]["line"]),
        metadata_chrome=tuple(re.compile(p) for p in spec["metadata"]["chrome"]),
        metadata_max_lines=int(spec["metadata"]["max_lines"]),
        region_suffixes=tuple(sorted(spec["agency"]["region_suffixes"], key=len, reverse=True)),
    )


def is_title(text: str) -> bool:
    """A line that can be a report's title (a year and 年度报告 words, short, no pipe)."""
    rules = segment_rules()
    return (
        len(text) <= rules.title_max_length and "|" not in text and bool(rules.title.search(text))
    )


# --- metadata --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a scraper's header says of the page: field values by role, and its lines."""

    values: dict[str, Line]
    lines: tuple[int, ...]


def _metadata_pairs(line: Line) -> list[tuple[str, str]]:
    """(field, value) pairs a header line states: `field: value` or `field | value | …`."""
    rules = segment_rules()
    if "|" in line.text:
        cells = [compact_label(c.strip()) for c in line.text.split("|")]
        while cells and cells[-1] == "":
            cells.pop()
        pairs = list(zip(cells[0::2], cells[1::2], strict=False))
        if pairs and all(field in rules.metadata_fields for field, _ in pairs):
            return [(field, value.strip()) for field, value in pairs]
        return []
    match = rules.metadata_line.match(line.text)
    if match and match["field"] in rules.metadata_fields:
        return [(match["field"], match["value"].strip())]
    if line.text in rules.metadata_fields:  # a bare `正文` before the body
        return [(line.text, "")]
    return []


def read_metadata(lines: list[Line]) -> Metadata:
    """The header fields among the first lines of a report (before any section heading).

    The first value of each role wins; a field with no role is recognised and skipped.
    """
    rules = segment_rules()
    values: dict[str, Line] = {}
    found: list[int] = []
    for line in lines[: rules.metadata_max_lines]:
        if not line.text:
            continue
        if rules.section_heading.match(line.text):
            break
        if any(p.match(line.text) for p in rules.metadata_chrome):
            found.append(line.number)
            continue
        pairs = _metadata_pairs(line)
        if not pairs:
            continue
        found.append(line.number)
        for field, value in pairs:
            role = rules.metadata_fields[field]
            if role and value and role not in values:
                values[role] = Line(line.number, line.raw, value)
    return Metadata(values, tuple(found))


def find_title(lines: list[Line], metadata: Metadata | None = None) -> Line | None:
    """The report's title: a metadata title field, else one of its first lines.

    A first line may carry markdown's `#`, and a title wrapped over two lines (PDF text) is
    read joined.
    """
    meta_title = (metadata or read_metadata(lines)).values.get("title")
    if meta_title is not None and is_title(meta_title.text):
        return meta_title
    header = set((metadata or read_metadata(lines)).lines)
    first = [ln for ln in lines if ln.text and ln.number not in header][:3]
    for i, line in enumerate(first):
        text = MARKDOWN_HEADING.sub("", line.text)
        if is_title(text):
            return Line(line.number, line.raw, text)
        if i + 1 < len(first):
            joined = compact_label(text + MARKDOWN_HEADING.sub("", first[i + 1].text))
            if is_title(joined):
                return Line(line.number, line.raw, joined)
    return None


def find_year(
    lines: list[Line], published: dt.date | None, title: Line | None = None
) -> tuple[int | None, str | None]:
    """The year the report covers and which kind of statement gave it.

    The report's title (a metadata title field or a title line) comes first; then sources are
    tried in catalogue order (title lines, announcement, statistics period, table caption, then
    the first sentence that opens with a year). A year after the closing date's year cannot be
    the report's year, so it is passed over.
    """
    rules = segment_rules()
    latest = min(_CURRENT_YEAR, published.year) if published else _CURRENT_YEAR
    if title is not None:
        match = rules.title.search(title.text)
        if match and rules.first_year <= int(match["year"]) <= latest:
            return int(match["year"]), "title"
    for source, pattern in rules.year_sources:
        for line in lines:
            text = compact_label(line.text) if source == "table_caption" else line.text
            if source == "title" and not is_title(text):
                continue
            for match in pattern.finditer(text):
                year = int(match["year"])
                if rules.first_year <= year <= latest:
                    return year, source
    return None, None


def _last_date(lines: list[Line], find: Callable[[str], re.Match[str] | None]) -> dt.date | None:
    """The date (groups y, m, d) of the last line `find` matches; None when there is none or
    it is not a calendar date."""
    for line in reversed(lines):
        match = find(line.text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def find_published_on(lines: list[Line]) -> dt.date | None:
    """The closing date: the last line that is a date and nothing else."""
    return _last_date(lines, segment_rules().date_line.match)


def find_dated_field(lines: list[Line]) -> dt.date | None:
    """The date a closing form field states (填报日期:2018.1.9), the last one of the report."""
    return _last_date(lines, segment_rules().date_field.search)


_ISO_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"
)


def metadata_date(metadata: Metadata) -> dt.date | None:
    """The publication date a scraper's header states (发布时间: 2022-02-08 16:34)."""
    field = metadata.values.get("published")
    match = _ISO_DATE.search(field.text) if field is not None else None
    if match is None:
        return None
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def is_spam(text: str) -> bool:
    """True when the text carries words injected by hacked sites."""
    return segment_rules().spam_any.search(text)


def plausible_agency(name: str) -> bool:
    """A name that can be an agency: Han text ending in an agency word, no spam."""
    rules = segment_rules()
    name = name.strip()
    if not (2 <= len(name) <= rules.agency_max_length):
        return False
    if not re.fullmatch(r"[\u4e00-\u9fff()·]+", name):
        return False
    if any(p.search(name) for p in rules.not_names) or is_spam(name):
        return False
    return name.endswith(rules.agency_suffixes) and name not in rules.agency_suffixes


def find_agency(
    lines: list[Line], title: Line | None, metadata: Metadata | None = None
) -> tuple[str | None, str | None]:
    """The agency that wrote the report and where the text names it, or (None, None).

    In order: a form field (填报单位:…), a signature line directly above the closing date,
    a name line under the title, the words before (or after) the year in the title (a place
    there names that place's government: 平潭综合实验区2021年度…报告), then the publisher field
    of a scraper's header. A `来源` field is not read: sites print their own name there.
    """
    rules = segment_rules()
    for line in lines:
        match = rules.form_field.search(line.text)
        if match and plausible_agency(match["name"]):
            return match["name"], "form_field"
    for before, after in itertools.pairwise(lines):
        if rules.date_line.match(after.text) and plausible_agency(compact_label(before.text)):
            return compact_label(before.text), "signature"
    if title is not None:
        following = [ln for ln in lines if ln.number > title.number and ln.text][:1]
        if following and plausible_agency(compact_label(following[0].text)):
            return compact_label(following[0].text), "title_line"
        match = rules.title.search(title.text)
        for part in ("prefix", "infix") if match else ():
            name = compact_label(match[part] or "").removeprefix("关于")  # type: ignore[index]
            if name and plausible_agency(name):
                return name, "title"
        for part in ("prefix", "infix") if match else ():
            name = compact_label(match[part] or "").removeprefix("关于")  # type: ignore[index]
            if name and _plausible_place(name):
                return name, "title"
    publisher = (metadata or read_metadata(lines)).values.get("publisher")
    if publisher is not None and plausible_agency(compact_label(publisher.text)):
        return compact_label(publisher.text), "metadata"
    return None, None


def _plausible_place(name: str) -> bool:
    """A place name standing for its government in a title: Han text ending in a place word."""
    rules = segment_rules()
    if not (2 <= len(name) <= rules.agency_max_length):
        return False
    if not re.fullmatch(r"[\u4e00-\u9fff]+", name):
        return False
    if any(p.search(name) for p in rules.not_names) or is_spam(name):
        return False
    if name in rules.region_generic or name in rules.region_suffixes:
        return False
    # a division name and nothing else (省/市/县 levels, or a zone: 平潭综合实验区), not a
    # phrase that happens to end in 市 (…办公室关于印发XX市)
    return name.endswith(rules.region_suffixes) and bool(
        rules.admin.fullmatch(name)
        or re.fullmatch(r"[\u4e00-\u9fff]{2,8}(?:实验区|新区|开发区)", name)
    )


def find_region(lines: list[Line], agency: str | None) -> str | None:
    """The administrative area the report covers, when the text states one."""
    rules = segment_rules()
    if agency:
        match = rules.admin.match(agency)
        if match and match["name"] not in rules.region_generic:
            return match["name"]
    candidates: list[str] = []
    body = "\n".join(line.text for line in lines)
    for _source, pattern in rules.region_sources:
        for line in lines:
            for found in pattern.finditer(line.text):
                admin = rules.admin.match(found["text"].strip())
                if (
                    admin
                    and admin["name"] not in rules.region_generic
                    and not is_spam(admin["name"])
                ):
                    candidates.append(admin["name"])
    if not candidates:
        return None

    def support(name: str) -> tuple[int, int]:
        mentions = sum(body.count(other) for other in set(candidates) if other in name)
        return mentions, len(name)

    return max(dict.fromkeys(candidates), key=support)


# A line this short may be a table cell written on its own line (one-cell-per-line crawls).
_CELL_LINE = 24


def detect_template(lines: list[Line]) -> str:
    """Which table template the report uses, from markers in its table lines."""
    # table lines: pipe rows, and the short lines of tables written one cell per line
    table_text = "\n".join(
        compact_label(ln.text).replace(" ", "")
        for ln in lines
        if "|" in ln.text or (len(ln.text) <= _CELL_LINE and "。" not in ln.text)
    )
    for name, markers in segment_rules().templates:
        if any(marker in table_text for marker in markers):
            return name
    all_text = "\n".join(compact_label(ln.text).replace(" ", "") for ln in lines)
    for name, markers in segment_rules().templates_anywhere:
        if any(marker in all_text for marker in markers):
            return name
    return "prose"


def find_sections(lines: list[Line]) -> list[Section]:
    """Top-level headings (一、二、…) with the lines each spans, tables excluded."""
    rules = segment_rules()
    heads: list[tuple[Line, str, str]] = []
    for i, line in enumerate(lines):
        match = rules.section_heading.match(line.text)
        if not match or "|" in line.text:
            continue
        nxt = next((lines[j].text for j in range(i + 1, len(lines)) if lines[j].text), "")
        prev = next((lines[j].text for j in range(i - 1, -1, -1) if lines[j].text), "")
        if nxt.startswith("|") or ("|" in prev and "|" in nxt):
            continue  # a table row split over two lines, not a heading
        heads.append((line, match["number"], match["title"].strip()))
    sections = []
    for ordinal, (line, number, title) in enumerate(heads, start=1):
        end = heads[ordinal][0].number - 1 if ordinal < len(heads) else lines[-1].number
        sections.append(Section(ordinal, number, title, line.number, end))
    return sections
