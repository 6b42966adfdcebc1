"""Stage 2: the year partitions (reports, sections, statistics, prose figures, quarantine,
table rows), each rebuilt from the previous one with only the files that changed.

A plan per year says what it needs (`plan_years`): nothing, an update (parse the changed files,
keep the stored rows of the others, drop the rows of removed files), a rebuild (with `force`, a
new parser version or a damaged partition), or removal. The files to parse are parsed once for
all their requested years, in `workers` processes; their rows wait in a `YearBuffer` spilled
to a private scratch folder. Each year is then validated against its contracts, counted and
written whole, tables then manifest, or not at all: a rebuilt year a part of whole files at a
time (`PART_ROWS`), an updated one merged with its stored rows in memory.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl

from pipeline.accounting import TableRowLedger
from pipeline.allocator import give_back_memory
from pipeline.atomic_files import read_json, write_json_atomic
from pipeline.documents import read_raw_file, unreadable
from pipeline.frames import (
    QuarantineFrame,
    ReportsFrame,
    SectionsFrame,
    StatisticsFrame,
    TableRowsFrame,
)
from pipeline.model import DOCUMENTS_SCHEMA
from pipeline.parse import parse_file
from pipeline.pool import map_ordered
from pipeline.progress import Progress
from pipeline.stages.buffer import YearBuffer, read_spilled, spilled_parts
from pipeline.stages.columns import FileColumns, file_column, file_columns, in_file_order
from pipeline.stages.contracts import ContractCheck
from pipeline.stages.handoff import HandOff, taking_over
from pipeline.storage import (
    PARSE_TABLES,
    StagedTable,
    WarehouseLayout,
    YearTableWriter,
    read_parquet,
    read_year_table,
    remove_leftovers,
    remove_year_tables,
    scratch_dir,
    year_locks,
)
from pipeline.versions import parser_version

log = logging.getLogger(__name__)

PARSE_STAGE = "parse"

# Rows (over all tables) of the parts a rebuilt year is validated and written in. Measured on
# the largest year of the 100k corpus (2.3 million figures): parts of 100k rows peak at 0.68 GB
# in 3.1 s, of 250k at 0.93 GB in 2.7 s, the year whole at 1.07 GB in 2.8 s.
PART_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class YearPlan:
    """What one year's partition needs: nothing, an update, a rebuild, or removal."""

    year: int
    action: str  # "skip" | "update" | "rebuild" | "remove"
    files: Mapping[str, str]  # files with a report in the year → sha256 (from the inventory)
    parse: tuple[str, ...] = ()  # files to parse for this year
    drop: frozenset[str] = frozenset()  # files whose stored rows are dropped


def files_by_year(documents: pl.DataFrame) -> dict[int, dict[str, str]]:
    """Year → {file: sha256} of the files that hold a report of that year."""
    by_year: dict[int, dict[str, str]] = defaultdict(dict)
    for source_file, sha256, years in documents.select(
        "source_file", "sha256", "report_years"
    ).iter_rows():
        for year in years or []:
            by_year[int(year)][source_file] = sha256
    return dict(by_year)


def plan_years(
    documents: pl.DataFrame,
    manifests: Mapping[int, dict[str, Any] | None],
    years: Iterable[int],
    *,
    version: str,
    force: bool = False,
) -> list[YearPlan]:
    """One plan per requested year, from the inventory and each year's stored manifest."""
    current_by_year = files_by_year(documents)
    plans = []
    for year in sorted(set(years)):
        current = current_by_year.get(year, {})
        manifest = manifests.get(year)
        if not current:
            plans.append(YearPlan(year, "remove" if manifest else "skip", {}))
            continue
        if force or manifest is None or manifest.get("parser_version") != version:
            plans.append(YearPlan(year, "rebuild", current, tuple(sorted(current))))
            continue
        stored: dict[str, str] = manifest.get("files", {})
        changed = tuple(sorted(f for f, sha in current.items() if stored.get(f) != sha))
        removed = set(stored) - set(current)
        if not changed and not removed:
            plans.append(YearPlan(year, "skip", current))
        else:
            plans.append(
                YearPlan(year, "update", current, changed, frozenset({*changed, *removed}))
            )
    return plans


def years_taken(handoff: HandOff, plans: Iterable[YearPlan], version: str) -> set[int]:
    """The planned years whose rows are taken from the inventory's handoff: a year rebuilt or
    updated whose files to parse are exactly the files handed over with a report in it, each
    at the sha256 of the plan, by this parser version. (An updated year parses its changed
    files only: a handoff holding its unchanged files too would add their rows twice.)"""
    if version != handoff.version:
        return set()
    handed_in: dict[int, set[str]] = defaultdict(set)
    for name, (_, years) in handoff.files.items():
        for year in years:
            handed_in[year].add(name)
    taken = set()
    for plan in plans:
        if plan.action not in ("rebuild", "update"):
            continue
        handed = handed_in.get(plan.year, set())
        if handed == set(plan.parse) and all(
            handoff.files[name][0] == plan.files.get(name) for name in handed
        ):
            taken.add(plan.year)
    return taken


def _parse_job(item: tuple[str, str, str, tuple[int, ...]]) -> FileColumns:
    source_file, path, raw_dir, years = item
    try:
        data, _ = read_raw_file(Path(path), Path(raw_dir))
    except OSError as error:
        # Read by the inventory a moment ago, unreadable now: nothing of it is stored, and
        # the accounting says so (its reports are missing) until the next run reads it.
        log.warning("%s: %s", source_file, unreadable(error).message)
        return FileColumns(source_file, "", {})
    return file_columns(parse_file(source_file, data, years))


def parse_files(
    raw_dir: Path, years_of_file: Mapping[str, Iterable[int]], workers: int
) -> Iterator[FileColumns]:
    """Parse each file for the given years of its reports, in `workers` processes, in file order."""
    jobs = [
        (name, str(raw_dir / name), str(raw_dir), tuple(sorted(set(years))))
        for name, years in sorted(years_of_file.items())
    ]
    with Progress("parse", len(jobs)) as progress:
        for result in map_ordered(_parse_job, jobs, workers):
            progress.advance(reports=result.reports)
            yield result


def merge_table(
    previous: pl.DataFrame | None, fresh: pl.DataFrame, drop: Iterable[str]
) -> pl.DataFrame:
    """One table of a year: the previous rows of files not dropped, plus the new rows, in order.

    The order depends only on the rows (file, report ordinal, then reading order), so an
    incremental update writes the same bytes as a full rebuild.
    """
    if previous is not None and previous.height:
        kept = previous.filter(file_column(previous).is_in(sorted(set(drop))).not_())
        fresh = pl.concat([kept.select(fresh.columns), fresh])
    return in_file_order(fresh)


_YEAR_CONTRACTS: dict[str, type[pa.DataFrameModel]] = {
    "reports": ReportsFrame,
    "sections": SectionsFrame,
    "statistics": StatisticsFrame,
    "prose_figures": StatisticsFrame,
    "quarantine/statistics": QuarantineFrame,
    "table_rows": TableRowsFrame,
}


@dataclass(slots=True)
class ParseSummary:
    """What the parse stage did in one run."""

    years_requested: list[int] = field(default_factory=list)
    years_written: list[int] = field(default_factory=list)
    years_removed: list[int] = field(default_factory=list)
    years_skipped: list[int] = field(default_factory=list)
    files_parsed: list[str] = field(default_factory=list)
    years_handed_over: list[int] = field(default_factory=list)
    reports_written: int = 0
    statistics_written: int = 0
    quarantined_written: int = 0
    chunks_spilled: int = 0
    contract_errors: dict[str, list[str]] = field(default_factory=dict)


def _intact_manifest(layout: WarehouseLayout, year: int) -> dict[str, Any] | None:
    """A year's manifest, or None when one of the files it lists is missing (deleted by
    hand, or a crash between swaps): the year is then rebuilt, never merged into a hole."""
    manifest = read_json(layout.manifest(PARSE_STAGE, year))
    if manifest is None:
        return None
    tables = manifest.get("outputs", {})
    if set(tables) != set(PARSE_TABLES) or not all(
        layout.year_part(table, year).exists() for table in tables
    ):
        return None
    return manifest


def update_years(
    layout: WarehouseLayout,
    raw_dir: Path,
    years: Iterable[int],
    *,
    force: bool = False,
    workers: int = 1,
    version: str | None = None,
    spill_rows: int | None = None,
    handed_to: str | None = None,
) -> ParseSummary:
    """Bring the requested years' partitions up to date with the inventory.

    Each year is written whole (all its tables, then its manifest) or not at all. A year whose
    frames break a contract is not written; the other years are, and the errors are returned
    for the caller to raise. Parsed rows are held in memory up to `spill_rows` (default
    `SPILL_ROWS`), then spilled to disk; the bytes written do not depend on it.

    `handed_to`: this run's id, when its inventory handed over what it parsed: the years it
    holds whole are taken from there, not parsed again (`pipeline/stages/handoff.py`); the
    bytes written are the same.
    """
    version = version or parser_version()
    requested = sorted(set(years))
    if not layout.documents.exists():
        raise FileNotFoundError(
            f"no inventory at {layout.documents}: materialise `documents` first"
        )
    documents = read_parquet(layout.documents, DOCUMENTS_SCHEMA)
    manifests = {year: _intact_manifest(layout, year) for year in requested}
    plans = plan_years(documents, manifests, requested, version=version, force=force)
    # Taken (locked) before the leftovers are cleared: between the steps it is unlocked.
    with taking_over(layout, handed_to) as handoff:
        remove_leftovers(layout)
        taken = years_taken(handoff, plans, version) if handoff else set()
        with scratch_dir(layout, "spill") as spill_dir:
            buffer = YearBuffer(spill_dir, spill_rows)
            to_parse = [plan for plan in plans if plan.year not in taken]
            parsed = _parse_into(buffer, raw_dir, to_parse, workers)
            summary = ParseSummary(
                years_requested=requested,
                files_parsed=sorted(
                    {
                        *parsed,
                        *(name for plan in plans if plan.year in taken for name in plan.parse),
                    }
                ),
                years_handed_over=sorted(taken),
                chunks_spilled=buffer.chunks_written,
            )
            jobs = []
            for plan in plans:
                if plan.action == "skip":
                    summary.years_skipped.append(plan.year)
                    continue
                # A year taken over holds the rows of the hashes the inventory read (those
                # of its plan); a year parsed here, those of the bytes parsed.
                source = handoff.folder if handoff is not None and plan.year in taken else None
                jobs.append(
                    YearJob(
                        root=str(layout.root),
                        year=plan.year,
                        action=plan.action,
                        drop=tuple(sorted(plan.drop)),
                        files=dict(plan.files)
                        if source is not None
                        else {name: parsed.get(name, sha) for name, sha in plan.files.items()},
                        spill_dir=str(source or spill_dir),
                        version=version,
                    )
                )
            _write_years(jobs, workers, summary)
    # The parse's column lists are gone: their pages back to the system, not kept for the
    # rest of the run (pipeline/allocator.py).
    give_back_memory()
    return summary


def _parse_into(
    buffer: YearBuffer, raw_dir: Path, plans: Iterable[YearPlan], workers: int
) -> dict[str, str]:
    """Parse every file the plans name, once for all its years; return file -> sha256 read."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for plan in plans:
        for source_file in plan.parse:
            wanted[source_file].add(plan.year)
    sha256: dict[str, str] = {}
    for parsed in parse_files(raw_dir, wanted, workers):
        if parsed.sha256:
            sha256[parsed.source_file] = parsed.sha256
        buffer.add(parsed)
    buffer.spill()  # every fresh row on disk: a year is assembled by whoever writes it
    return sha256


def year_writers(jobs: Iterable[YearJob], workers: int) -> int:
    """How many years are written at once: `workers` when every year is rebuilt or removed
    (a rebuilt year is written a part at a time, `PART_ROWS`, so each writer holds a part),
    one while any year is updated (an updated year is merged whole in memory)."""
    return max(1, workers) if all(job.action != "update" for job in jobs) else 1


def _write_years(jobs: list[YearJob], workers: int, summary: ParseSummary) -> None:
    # A year is validated and written in a process of its own, which hands its memory back
    # when done: the run's memory follows what the writers hold, not the sum of the years.
    # With one worker (tests, a serial run) it happens in this process.
    with Progress("write years", len(jobs), "years") as progress:
        for outcome in map_ordered(
            write_year,
            jobs,
            year_writers(jobs, workers),
            chunksize=1,
            max_tasks_per_child=1,
            isolate=workers > 1,
        ):
            progress.advance()
            for table, messages in outcome.contract_errors.items():
                summary.contract_errors.setdefault(table, []).extend(messages)
            if outcome.removed:
                summary.years_removed.append(outcome.year)
            elif outcome.written:
                summary.years_written.append(outcome.year)
                summary.reports_written += outcome.reports
                summary.statistics_written += outcome.statistics
                summary.quarantined_written += outcome.quarantined
        progress.counts = {
            "reports": summary.reports_written,
            "statistics rows": summary.statistics_written,
        }


@dataclass(frozen=True, slots=True)
class YearJob:
    """What writing one year partition needs, picklable for a worker process."""

    root: str
    year: int
    action: str
    drop: tuple[str, ...]
    files: dict[str, str]
    spill_dir: str
    version: str


@dataclass(frozen=True, slots=True)
class YearOutcome:
    """What writing one year partition did."""

    year: int
    written: bool = False
    removed: bool = False
    reports: int = 0
    statistics: int = 0
    quarantined: int = 0
    contract_errors: dict[str, list[str]] = field(default_factory=dict)


def write_year(job: YearJob) -> YearOutcome:
    """Assemble one year from this run's parse and the stored partition, validate it, and
    write it whole (tables, then the manifest) or not at all.

    A rebuilt year is read from the spill chunks a part of whole files at a time, each part
    validated, counted and written as it comes: the writer holds a part, not the year. An
    updated year is merged in memory with the stored rows (one part)."""
    layout = WarehouseLayout(Path(job.root))
    with year_locks(layout, [job.year], shared=False):
        if job.action == "remove":
            remove_year_tables(layout, job.year, PARSE_TABLES)
            layout.manifest(PARSE_STAGE, job.year).unlink(missing_ok=True)
            return YearOutcome(job.year, removed=True)
        spill_dir = Path(job.spill_dir)
        parts = (
            (
                {table: in_file_order(frame) for table, frame in part.items()}
                for part in spilled_parts(spill_dir, job.year, PART_ROWS)
            )
            if job.action == "rebuild"
            else iter([_merged_year(layout, job.year, spill_dir, job.drop)])
        )
        written = _YearWriter(layout, job.year)
        try:
            for part in parts:
                written.add(part)
            errors = written.contract_errors()
            if errors:
                written.discard()
                return YearOutcome(job.year, contract_errors=errors)  # the old partition stays
            hashes = written.swap_in()
        except BaseException:
            written.discard()
            raise
        write_json_atomic(
            {
                "stage": PARSE_STAGE,
                "year": job.year,
                "parser_version": job.version,
                "files": job.files,
                "outputs": hashes,
                "table_rows": written.ledger.manifest(),
            },
            layout.manifest(PARSE_STAGE, job.year),
        )
    return YearOutcome(
        job.year,
        written=True,
        reports=written.rows["reports"],
        statistics=written.rows["statistics"],
        quarantined=written.rows["quarantine/statistics"],
    )


def _merged_year(
    layout: WarehouseLayout, year: int, spill_dir: Path, drop: Iterable[str]
) -> dict[str, pl.DataFrame]:
    # One table at a time, so that only the merged tables stay: a year's memory is about
    # its tables once, plus the largest table's fresh rows while it is merged.
    return {
        table: merge_table(
            read_year_table(layout, table, year), read_spilled(spill_dir, year, table), drop
        )
        for table in PARSE_TABLES
    }


class _YearWriter:
    """A year's parse tables staged part by part: each part checked against its contracts,
    counted in the table-row ledger and written beside the stored year, which is replaced
    only by `swap_in`.

    A part is written only once its contract holds: parts of a report-local contract as they
    come (a table that broke its contract is written no further), the others (reports,
    quarantine: small) held and written when the whole year has passed. So nothing that
    breaks a contract reaches the writer."""

    def __init__(self, layout: WarehouseLayout, year: int) -> None:
        self.rows = dict.fromkeys(PARSE_TABLES, 0)
        self.ledger = TableRowLedger()
        self._checks = {
            table: ContractCheck(_YEAR_CONTRACTS[table], f"{table} of {year}")
            for table in PARSE_TABLES
        }
        self._writers = {table: YearTableWriter(layout, year, table) for table in PARSE_TABLES}
        self._held: dict[str, list[pl.DataFrame]] = {table: [] for table in PARSE_TABLES}
        self._staged: dict[str, StagedTable] = {}

    def add(self, part: dict[str, pl.DataFrame]) -> None:
        """The next rows of every table: whole reports, in file order."""
        for table, frame in part.items():
            check = self._checks[table]
            check.add(frame)
            if not check.checks_each_part:
                self._held[table].append(frame)
            elif check.holds_so_far:
                self._writers[table].write(frame)
            self.rows[table] += frame.height
        if all(check.holds_so_far for check in self._checks.values()):
            self.ledger.add(part["table_rows"], part["statistics"], part["quarantine/statistics"])

    def contract_errors(self) -> dict[str, list[str]]:
        """Every table's breaches of its contract (empty when all hold)."""
        found = {table: check.messages() for table, check in self._checks.items()}
        return {table: messages for table, messages in found.items() if messages}

    def swap_in(self) -> dict[str, str]:
        """Put every table in its place (its contract held); return each file's sha256."""
        for table, frames in self._held.items():
            for frame in frames:
                self._writers[table].write(frame)
        self._held.clear()
        while self._writers:
            table, writer = self._writers.popitem()
            self._staged[table] = writer.close()
        for staged in self._staged.values():
            staged.swap_in()
        return {table: self._staged[table].sha256 for table in PARSE_TABLES}

    def discard(self) -> None:
        """Give up every table: the stored year stays as it was."""
        for writer in self._writers.values():
            writer.discard()
        for staged in self._staged.values():
            staged.discard()
