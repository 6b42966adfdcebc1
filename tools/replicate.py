"""A benchmark corpus of real pages: source files replicated, round after round, to N reports.

The synthetic corpus (`tools.synth`) mimics the seeds' layouts; real pages are longer, with site
chrome and scraper metadata, and read slower. `replicate_corpus` takes real pages (the seeds and
`../shared/realworld/`, say) and writes whole rounds of copies until the corpus holds at least N
reports. Within one round every agency a page names is renamed the same way: a made-up area
(安宁片区) goes between the place the name starts with and the body (莆田市安宁片区科学技术局),
so the copy keeps its source's division, level and kind (the deadlines of the inspectors'
rules depend on them) while its agency id is its own. A round is a panel of agencies like the
sources, and no two rounds share an agency: cross-year rules link a copy to its own round only.
(A government's copy may read as a department of its place, 平潭县安宁片区人民政府: the same
in every round, and no matter to the speed.) File names keep the source's name behind the
round (`r00007_pingtan_2014.txt`), so report ids stay distinct.

Printed figures are copied as they are: no number is changed, so every copy must read exactly
as its source does. `check_copies` holds the warehouse to that: each copy yields its source's
number of reports, and fails the same rules as the first round's copy of the same source.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from pipeline.agency import resolve_place
from pipeline.documents import decode_bytes
from pipeline.parse import scan_and_parse

# Files of a source folder that are pages (READMEs and notes beside them are not).
PAGE_SUFFIXES = (".txt", ".html", ".htm", ".shtml")
# Characters of the made-up area names: 40 × 40 names before a third character is needed. An
# area is `XY片区`: no division of the national table ends so, so it never reads as a place.
_NAME_CHARACTERS = (
    "安宁平和兴泰丰乐清源华阳新昌永嘉德明通远长宜福顺广东西南北江河山川林溪云秀文武盛"
)


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One real page as the replicas are made from it."""

    path: Path
    data: bytes
    reports: int
    agencies: tuple[str, ...]  # the agencies its reports name, longest first


@dataclass(frozen=True, slots=True)
class Copy:
    """One file of the corpus: which source it copies, in which round, how many reports."""

    file: str
    source: str
    round: int
    reports: int
    renamed: bool  # False when no agency name could be changed (the copy names the source's)


@dataclass(frozen=True, slots=True)
class ReplicaManifest:
    """The corpus written: its copies and where the manifest lies."""

    path: Path
    copies: tuple[Copy, ...]

    @property
    def reports(self) -> int:
        return sum(copy.reports for copy in self.copies)


def area_name(round_number: int) -> str:
    """A made-up area name, distinct for every round (安安片区, 安宁片区, …)."""
    base = len(_NAME_CHARACTERS)
    digits = [_NAME_CHARACTERS[round_number % base]]
    round_number //= base
    while True:
        digits.append(_NAME_CHARACTERS[round_number % base])
        round_number //= base
        if not round_number:
            break
    return "".join(reversed(digits)) + "片区"


def renamed_agency(agency: str, round_number: int) -> str:
    """The agency's name in a round: the round's area after the place the name starts with."""
    _, body, _ = resolve_place(agency)
    place = agency[: len(agency) - len(body)]
    return place + area_name(round_number) + body


def source_pages(folders: Iterable[Path]) -> list[SourcePage]:
    """The pages of the folders (recursively, by name), each parsed once for its reports."""
    pages: list[SourcePage] = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if not path.is_file() or not path.name.lower().endswith(PAGE_SUFFIXES):
                continue
            data = path.read_bytes()
            scan, parse = scan_and_parse(path.name, data)
            agencies = {
                report.agency
                for records in parse.by_year.values()
                for report in records.reports
                if report.agency
            }
            pages.append(
                SourcePage(path, data, scan.reports, tuple(sorted(agencies, key=len, reverse=True)))
            )
    return pages


def copy_page(page: SourcePage, round_number: int) -> tuple[bytes, bool]:
    """The bytes of a page's copy in a round: every agency it names renamed for the round.

    The page is decoded as the pipeline decodes it and written back in the same encoding; a
    page that cannot be is copied byte for byte (its copies then share the source's agency).
    """
    if not page.agencies:
        return page.data, False
    text, encoding, _ = decode_bytes(page.data, None)
    if text is None or encoding is None:
        return page.data, False
    # one pass per name, longest first, through a placeholder so a shorter name inside a
    # longer one is not renamed twice
    marks: dict[str, str] = {}
    for index, agency in enumerate(page.agencies):
        if agency in text:
            mark = f"\x00{index}\x00"
            marks[mark] = renamed_agency(agency, round_number)
            text = text.replace(agency, mark)
    if not marks:
        return page.data, False
    for mark, name in marks.items():
        text = text.replace(mark, name)
    codec = encoding.removesuffix("-sig")
    try:
        data = text.encode(codec)
    except (LookupError, UnicodeEncodeError):
        return page.data, False
    if page.data.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data
    return data, True


def replicate_corpus(folders: Sequence[Path], reports: int, out: Path) -> ReplicaManifest:
    """Whole rounds of copies of the folders' pages into `out/raw`, until ≥ `reports` reports.

    Writes `out/manifest.json` beside them. Raises ValueError when the folders hold no page
    with a report.
    """
    pages = [page for page in source_pages(folders) if page.reports]
    per_round = sum(page.reports for page in pages)
    if not per_round:
        raise ValueError(f"no report found in the pages of {', '.join(map(str, folders))}")
    raw = out / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    copies: list[Copy] = []
    rounds = -(-reports // per_round)
    for round_number in range(rounds):
        for page in pages:
            data, renamed = copy_page(page, round_number)
            name = f"r{round_number:05d}_{page.path.name}"
            (raw / name).write_bytes(data)
            copies.append(Copy(name, page.path.name, round_number, page.reports, renamed))
    manifest = ReplicaManifest(out / "manifest.json", tuple(copies))
    manifest.path.write_text(
        json.dumps(
            {
                "sources": [str(folder) for folder in folders],
                "rounds": rounds,
                "reports_per_round": per_round,
                "copies": [asdict(copy) for copy in copies],
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return manifest


def check_copies(database: Path, copies: Sequence[Copy]) -> tuple[int, list[str]]:
    """Reports found, and every copy that does not read as the first round's copy of its source.

    A copy must yield its source's number of reports and fail exactly the rules that the
    first round's copy of the same source fails.
    """
    with duckdb.connect(str(database), read_only=True) as con:
        found = Counter(
            dict(
                con.execute(
                    "select source_file, count(*) from reports group by source_file"
                ).fetchall()
            )
        )
        failing: dict[str, set[str]] = defaultdict(set)
        for source_file, rule in con.execute(
            "select distinct r.source_file, c.rule from reconciliation c "
            "join reports r using (report_id) where c.status = 'fail'"
        ).fetchall():
            failing[source_file].add(rule)
    first = {copy.source: copy.file for copy in copies if copy.round == 0}
    problems: list[str] = []
    for copy in copies:
        if found[copy.file] != copy.reports:
            problems.append(f"{copy.file}: {found[copy.file]} reports, its source {copy.reports}")
        elif failing[copy.file] != failing[first[copy.source]]:
            problems.append(
                f"{copy.file}: fails {sorted(failing[copy.file])}, "
                f"round 0 fails {sorted(failing[first[copy.source]])}"
            )
    return sum(found.values()), problems
