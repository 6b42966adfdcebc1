"""The stages: raw directory → inventory → year partitions → reconciliation, incrementally.

Dagster assets call these functions and nothing else; the parsing itself is the pure functions
of `pipeline.parse`. Each stage compares what it is about to read with what its outputs were
built from (sha256 of raw files, hashes of the year partitions, code versions) and does only
the work that changed:

- the inventory reads a file again only when its size or mtime changed, and segments it again
  only when its sha256 or the parser version changed;
- a year partition is rebuilt from the previous one: rows of unchanged files are kept, only
  changed files are parsed, and rows of removed files are dropped; with `force` (a backfill),
  or when the parser version changed, the whole year is parsed again;
- a year's reconciliation is recomputed when that year's or the year before's partition changed
  (cross-year rules read both).

Every table row read ends up in its year's tables or in quarantine, and every file in the
inventory has reports or quarantine rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

import pandera.errors
import pandera.polars as pa
import polars as pl

from pipeline.accounting import table_row_accounting
from pipeline.documents import read_raw_file, same_stat, unreadable, walk_raw_dir
from pipeline.frames import (
    DocumentsFrame,
    QuarantineFrame,
    ReconciliationFrame,
    ReportsFrame,
    SectionsFrame,
    StatisticsFrame,
    TableRowsFrame,
)
from pipeline.model import (
    DOCUMENTS_SCHEMA,
    QUARANTINE_SCHEMA,
    REPORTS_SCHEMA,
    SECTIONS_SCHEMA,
    STATISTICS_SCHEMA,
    Rejected,
)
from pipeline.parse import FileParse, FileScan, YearRecords, parse_file, scan_and_parse, scan_file
from pipeline.pool import map_ordered
from pipeline.progress import Progress
from pipeline.reconcile import FAILED, earlier_year_metrics, reconcile, series_key
from pipeline.storage import (
    PARSE_TABLES,
    RECONCILIATION_TABLES,
    YEAR_TABLES,
    WarehouseLayout,
    file_lock,
    read_json,
    read_parquet,
    read_year_table,
    remove_leftovers,
    remove_year_tables,
    scratch_dir,
    sha256_file,
    stored_years,
    write_json_atomic,
    write_parquet_atomic,
    write_year_tables,
    year_locks,
)
from pipeline.versions import parser_version, reconcile_version

log = logging.getLogger(__name__)

PARSE_STAGE = "parse"
RECONCILIATION_STAGE = "reconciliation"
MAX_ERRORS_SHOWN = 5

_ORDINAL = r"#(\d+)$"
# Parsed rows held in memory (as Python lists) before they are spilled to Parquet chunks.
SPILL_ROWS = 200_000
# Reports of one year reconciled together (whole agency series): bounds the memory of a year.
RECONCILE_BATCH = 1_000


# ---------------------------------------------------------------------------- inventory


@dataclass(frozen=True, slots=True)
class InventoryOutput:
    """The inventory of the raw directory and the quarantine rows of unreadable files."""

    documents: pl.DataFrame
    quarantine: pl.DataFrame
    scanned: list[str]
    removed: list[str]
    # Files whose parse (every report year) went to the `parsed` buffer: file -> sha256.
    parsed: dict[str, str] = field(default_factory=dict)


# What a worker sends back for one file: its name, mtime, and its scan and parse, or the
# reason it could not be read (then with the size and mtime seen, when there were any).
ScanResult = tuple[str, int, "FileScan | Rejected", "FileColumns | None"]


def _read(item: tuple[str, str, str]) -> tuple[bytes, int] | Rejected:
    _, path, raw_dir = item
    try:
        data, stat = read_raw_file(Path(path), Path(raw_dir))
    except OSError as error:
        return unreadable(error)
    return data, stat.st_mtime_ns


def _scan_job(item: tuple[str, str, str]) -> ScanResult:
    read = _read(item)
    if isinstance(read, Rejected):
        return item[0], 0, read, None
    data, mtime_ns = read
    return item[0], mtime_ns, scan_file(item[0], data), None


def _scan_parse_job(item: tuple[str, str, str]) -> ScanResult:
    read = _read(item)
    if isinstance(read, Rejected):
        return item[0], 0, read, None
    data, mtime_ns = read
    scan, parsed = scan_and_parse(item[0], data)
    return item[0], mtime_ns, scan, file_columns(parsed)


def _unread_row(source_file: str, version: str, stat: os.stat_result | None) -> dict[str, Any]:
    """The inventory row of a file that was not read: no hash, no report; read again next run."""
    return {
        "source_file": source_file,
        "size_bytes": stat.st_size if stat else 0,
        "mtime_ns": stat.st_mtime_ns if stat else 0,
        "sha256": None,
        "encoding": None,
        "parser_version": version,
        "report_years": [],
        "reports": 0,
    }


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except OSError:
        return None


def _under(name: str, folders: Iterable[str]) -> bool:
    return any(name.startswith(folder) for folder in folders)


def inventory_documents(
    raw_dir: Path,
    previous: pl.DataFrame | None = None,
    previous_quarantine: pl.DataFrame | None = None,
    *,
    version: str | None = None,
    workers: int = 1,
    parsed: YearBuffer | None = None,
) -> InventoryOutput:
    """Every raw file with its size, mtime, sha256, encoding and report years.

    Rows of the previous inventory are reused for files whose size and mtime (or, failing
    that, sha256) are unchanged and that were read by the same parser version; only the other
    files are read and segmented. Files that cannot be read get quarantine rows. With a
    `parsed` buffer, each file read is also parsed for all its years (decoded and segmented
    once) and its rows go to the buffer, for the year partitions to take.

    What cannot be read never stops the inventory: a link out of the raw directory (never
    opened), a file the system refuses or that vanishes, a folder that cannot be listed; each
    gets a quarantine row. A file not read has an inventory row without hash or report (it is
    tried again on the next run). The files known from before below a folder that cannot be
    listed now keep their rows: an unlisted folder is not taken for an emptied one.
    """
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    version = version or parser_version()
    previous = previous if previous is not None else pl.DataFrame(schema=DOCUMENTS_SCHEMA)
    previous_quarantine = (
        previous_quarantine
        if previous_quarantine is not None
        else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    )
    known = {row["source_file"]: row for row in previous.iter_rows(named=True)}
    rows: dict[str, dict[str, Any]] = {}
    kept: set[str] = set()
    to_scan: list[tuple[str, str, str]] = []
    problems: list[dict[str, Any]] = []
    entries = walk_raw_dir(raw_dir)
    unlisted = [entry.name for entry in entries if entry.is_folder and entry.problem]
    for entry in entries:
        source_file = entry.name
        if entry.problem is not None:
            problems.append(quarantine_record(source_file, None, "documents", entry.problem))
            if not entry.is_folder and entry.problem.reason != "vanished":
                rows[source_file] = _unread_row(source_file, version, _lstat(entry.path))
            continue
        path = entry.path
        try:
            stat = path.lstat()
        except OSError as error:
            problems.append(quarantine_record(source_file, None, "documents", unreadable(error)))
            continue
        old = known.get(source_file)
        if (
            old is None
            or old["sha256"] is None
            or old["parser_version"] != version
            or old["size_bytes"] != stat.st_size
        ):
            to_scan.append((source_file, str(path), str(raw_dir)))
        elif same_stat(old, stat):
            rows[source_file] = old
            kept.add(source_file)
        elif _same_hash(path, old["sha256"]):
            rows[source_file] = {**old, "mtime_ns": stat.st_mtime_ns}
            kept.add(source_file)
        else:
            to_scan.append((source_file, str(path), str(raw_dir)))
    for name, old in known.items():
        if name not in rows and _under(name, unlisted):
            rows[name] = old
            kept.add(name)
    progress = Progress("inventory: read, segment and parse", len(to_scan))
    job = _scan_job if parsed is None else _scan_parse_job
    parsed_files: dict[str, str] = {}
    for source_file, mtime_ns, scan, columns in map_ordered(job, to_scan, workers):
        if isinstance(scan, Rejected):
            progress.advance()
            problems.append(quarantine_record(source_file, None, "documents", scan))
            if scan.reason != "vanished":
                rows[source_file] = _unread_row(source_file, version, _lstat(raw_dir / source_file))
            continue
        progress.advance(reports=scan.reports)
        if parsed is not None and columns is not None:
            parsed.add(columns)
            parsed_files[source_file] = scan.sha256
        rows[source_file] = {
            "source_file": source_file,
            "size_bytes": scan.size_bytes,
            "mtime_ns": mtime_ns,
            "sha256": scan.sha256,
            "encoding": scan.encoding,
            "parser_version": version,
            "report_years": list(scan.report_years),
            "reports": scan.reports,
        }
        problems.extend(
            quarantine_record(source_file, p.report_id, p.stage, p.rejected) for p in scan.problems
        )
    progress.finish()
    documents = pl.DataFrame([rows[name] for name in sorted(rows)], schema=DOCUMENTS_SCHEMA)
    quarantine = pl.concat(
        [
            previous_quarantine.filter(pl.col("source_file").is_in(sorted(kept))),
            pl.DataFrame(problems, schema=QUARANTINE_SCHEMA),
        ]
    )
    return InventoryOutput(
        documents=documents,
        quarantine=_in_file_order(quarantine),
        scanned=sorted(name for name, _, _ in to_scan),
        removed=sorted(set(known) - set(rows)),
        parsed=parsed_files,
    )


def _same_hash(path: Path, sha256: str) -> bool:
    try:
        return sha256_file(path) == sha256
    except OSError:
        return False  # read (and quarantined, if it still fails) with the files to scan


@dataclass(frozen=True, slots=True)
class InventorySummary:
    """What the inventory stage did in one run."""

    files_seen: int
    files_scanned: list[str]
    files_removed: list[str]
    quarantined: int
    bytes_seen: int
    contract_errors: dict[str, list[str]]


def update_inventory(
    layout: WarehouseLayout, raw_dir: Path, *, workers: int = 1
) -> InventorySummary:
    """Bring `documents.parquet` and the inventory's quarantine up to date with the raw dir."""
    with file_lock(layout.lock("inventory")):
        return _update_inventory(layout, raw_dir, workers)


class EmptyRawDirectory(RuntimeError):
    """The raw directory is empty although files were inventoried before."""


def _update_inventory(layout: WarehouseLayout, raw_dir: Path, workers: int) -> InventorySummary:
    for leftover in remove_leftovers(layout):
        log.info("removed %s, left by a run that did not finish", leftover)
    previous = read_parquet(layout.documents, DOCUMENTS_SCHEMA)
    with file_lock(layout.parse_cache_lock):
        shutil.rmtree(layout.parse_cache, ignore_errors=True)
        buffer = YearBuffer(layout.parse_cache_chunks)
        output = inventory_documents(
            raw_dir,
            previous,
            read_parquet(layout.quarantine_part("documents"), QUARANTINE_SCHEMA),
            workers=workers,
            parsed=buffer,
        )
        buffer.spill()
        write_json_atomic(
            {"parser_version": parser_version(), "files": output.parsed}, layout.parse_cache_index
        )
    if output.documents.is_empty() and output.quarantine.is_empty() and not previous.height:
        log.warning("the raw directory %s holds no file: nothing to read", raw_dir)
    if output.documents.is_empty() and previous.height:
        # An unmounted disk looks like an empty directory: never drop every year because of it.
        raise EmptyRawDirectory(
            f"{raw_dir} holds no file, but {previous.height} were inventoried before; "
            "refusing to drop them all (is the disk mounted?). Remove "
            f"{layout.documents} to start from nothing."
        )
    errors = {
        "documents": contract_errors(DocumentsFrame, output.documents, "documents"),
        "quarantine": contract_errors(QuarantineFrame, output.quarantine, "quarantine"),
    }
    if any(errors.values()):
        pass  # a pipeline bug: keep the previous inventory, report the broken contract
    elif (
        output.scanned
        or output.removed
        or not layout.documents.exists()
        or not _same_frame(
            read_parquet(layout.quarantine_part("documents"), QUARANTINE_SCHEMA),
            output.quarantine,
        )
    ):
        # (A new link out of the raw directory or folder that cannot be listed changes the
        # quarantine without any file being read.)
        write_parquet_atomic(output.quarantine, layout.quarantine_part("documents"))
        write_parquet_atomic(output.documents, layout.documents)
    elif not _same_frame(read_parquet(layout.documents, DOCUMENTS_SCHEMA), output.documents):
        # Only mtimes moved (files touched, content the same): remember them, parse nothing.
        write_parquet_atomic(output.documents, layout.documents)
    return InventorySummary(
        files_seen=output.documents.height,
        files_scanned=output.scanned,
        files_removed=output.removed,
        quarantined=output.quarantine.height,
        bytes_seen=int(output.documents["size_bytes"].sum() or 0),
        contract_errors=errors,
    )


def _same_frame(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    return a.schema == b.schema and a.equals(b)


# ---------------------------------------------------------------------------- year partitions


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


# A year's parse tables as plain columns (table -> column -> values): what a worker process
# sends back for one file, cheap to pickle, and what the parent appends to without building
# Python objects or frames per row.
Columns = dict[str, list[Any]]
YearColumns = dict[str, Columns]

_REPORT_FIELDS = tuple(REPORTS_SCHEMA)
_SECTION_FIELDS = tuple(name for name in SECTIONS_SCHEMA if name != "report_id")
_FIGURE_FIELDS = tuple(
    name for name in STATISTICS_SCHEMA if name not in {"report_id", "report_year"}
)
_QUARANTINE_FIELDS = ("reason", "message", "source_line", "raw")


def empty_columns() -> YearColumns:
    """Empty columns of every parse table of a year."""
    return {table: {name: [] for name in YEAR_TABLES[table]} for table in PARSE_TABLES}


def _extend(target: Columns, names: Sequence[str], items: Sequence[Any]) -> None:
    """Append the attributes `names` of each item to the columns of the same names."""
    if not items:
        return
    values = zip(*map(attrgetter(*names), items), strict=True) if len(names) > 1 else None
    if values is None:
        target[names[0]].extend(getattr(item, names[0]) for item in items)
        return
    for name, column in zip(names, values, strict=True):
        target[name].extend(column)


def add_year_records(columns: YearColumns, year: int, records: YearRecords) -> None:
    """Append one file's records of one year to a year's columns."""
    _extend(columns["reports"], _REPORT_FIELDS, records.reports)
    sections = columns["sections"]
    sections["report_id"].extend(report_id for report_id, _ in records.sections)
    _extend(sections, _SECTION_FIELDS, [section for _, section in records.sections])
    for table, figures in (("statistics", records.statistics), ("prose_figures", records.prose)):
        target = columns[table]
        target["report_id"].extend(report_id for report_id, _ in figures)
        target["report_year"].extend([year] * len(figures))
        _extend(target, _FIGURE_FIELDS, [figure for _, figure in figures])
    source_of = {report.report_id: report.source_file for report in records.reports}
    quarantine = columns["quarantine/statistics"]
    quarantine["source_file"].extend(source_of[report_id] for report_id, _ in records.rejected)
    quarantine["report_id"].extend(report_id for report_id, _ in records.rejected)
    quarantine["stage"].extend(["statistics"] * len(records.rejected))
    _extend(quarantine, _QUARANTINE_FIELDS, [rejected for _, rejected in records.rejected])
    table_rows = columns["table_rows"]
    table_rows["report_id"].extend(report_id for report_id, _ in records.table_rows)
    table_rows["source_line"].extend(line for _, line in records.table_rows)


def extend_columns(target: YearColumns, more: YearColumns) -> None:
    """Append one year's columns to another's."""
    for table, columns in more.items():
        for name, values in columns.items():
            target[table][name].extend(values)


def column_rows(columns: YearColumns) -> int:
    """Rows held, over every table."""
    return sum(len(next(iter(table.values()), [])) for table in columns.values())


def frame_from_columns(table: str, columns: Columns) -> pl.DataFrame:
    """One parse table of a year as a frame with exactly its schema."""
    schema = YEAR_TABLES[table]
    if table == "reports":
        text_schema = {**schema, "published_on": pl.String()}
        frame = pl.DataFrame(columns, schema=text_schema)
        return frame.with_columns(pl.col("published_on").str.to_date("%Y-%m-%d", strict=True))
    return pl.DataFrame(columns, schema=schema)


@dataclass(frozen=True, slots=True)
class FileColumns:
    """The parse of one file as columns, keyed by year."""

    source_file: str
    sha256: str
    by_year: dict[int, YearColumns]

    @property
    def reports(self) -> int:
        return sum(len(columns["reports"]["report_id"]) for columns in self.by_year.values())


def file_columns(parsed: FileParse) -> FileColumns:
    """A file's parse as columns, one set per year."""
    by_year = {}
    for year, records in parsed.by_year.items():
        columns = empty_columns()
        add_year_records(columns, year, records)
        by_year[year] = columns
    return FileColumns(parsed.source_file, parsed.sha256, by_year)


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


class YearBuffer:
    """Parsed columns per year, spilled to Parquet chunks when they grow past `limit` rows.

    The parse of a large corpus never sits in memory whole: what is held is at most `limit`
    rows plus the year being written. Chunks are read back in the order they were written,
    which is file order, so a year's frames are the same however often it was spilled.
    """

    def __init__(self, spill_dir: Path | None, limit: int | None = None) -> None:
        self._spill_dir = spill_dir
        self._limit = SPILL_ROWS if limit is None else limit
        self._columns: dict[int, YearColumns] = {}
        self._chunks: dict[int, list[Path]] = defaultdict(list)
        self._rows = 0

    def add(self, parsed: FileColumns) -> None:
        """Take one file's columns."""
        for year, columns in parsed.by_year.items():
            if year not in self._columns:
                self._columns[year] = empty_columns()
            extend_columns(self._columns[year], columns)
            self._rows += column_rows(columns)
        if self._spill_dir is not None and self._rows >= self._limit:
            self.spill()

    def spill(self) -> None:
        """Write every held year's columns as a chunk and let them go."""
        assert self._spill_dir is not None
        for year, columns in self._columns.items():
            chunk = self._spill_dir / str(year) / f"{len(self._chunks[year]):06d}"
            chunk.mkdir(parents=True)
            for table in PARSE_TABLES:
                frame_from_columns(table, columns[table]).write_parquet(chunk / _chunk_name(table))
            self._chunks[year].append(chunk)
        self._columns.clear()
        self._rows = 0

    def take(self, year: int) -> dict[str, pl.DataFrame]:
        """A year's frames (and forget them): the spilled chunks, then what is held."""
        parts: dict[str, list[pl.DataFrame]] = {table: [] for table in PARSE_TABLES}
        for chunk in self._chunks.pop(year, []):
            for table in PARSE_TABLES:
                parts[table].append(pl.read_parquet(chunk / _chunk_name(table)))
        held = self._columns.pop(year, None)
        for table in PARSE_TABLES:
            if held is not None or not parts[table]:
                parts[table].append(
                    frame_from_columns(table, held[table] if held else empty_columns()[table])
                )
        return {table: pl.concat(frames) for table, frames in parts.items()}


def _chunk_name(table: str) -> str:
    return table.replace("/", "__") + ".parquet"


def _cached_parses(layout: WarehouseLayout, documents: pl.DataFrame, version: str) -> set[str]:
    """Files whose parse the inventory left, read from their current bytes by this parser."""
    index = read_json(layout.parse_cache_index)
    if not index or index.get("parser_version") != version:
        return set()
    current = dict(documents.select("source_file", "sha256").iter_rows())
    return {name for name, sha in index.get("files", {}).items() if current.get(name) == sha}


def _read_chunks(buffer_dir: Path, year: int) -> dict[str, pl.DataFrame]:
    """The chunks of one year a `YearBuffer` spilled into `buffer_dir`, in write order."""
    chunks = sorted(path for path in (buffer_dir / str(year)).glob("*") if path.is_dir())
    frames: dict[str, pl.DataFrame] = {}
    for table in PARSE_TABLES:
        parts = [pl.read_parquet(chunk / _chunk_name(table)) for chunk in chunks]
        frames[table] = (
            pl.concat(parts) if parts else frame_from_columns(table, empty_columns()[table])
        )
    return frames


def _cached_year(layout: WarehouseLayout, year: int, files: set[str]) -> dict[str, pl.DataFrame]:
    """The rows the inventory parsed for one year, of the given files only."""
    frames = _read_chunks(layout.parse_cache_chunks, year)
    return {
        table: frame.filter(_file_column(frame).is_in(sorted(files)))
        for table, frame in frames.items()
    }


def collect_year(
    spill_dir: Path, year: int, cached: Mapping[str, pl.DataFrame] | None = None
) -> dict[str, pl.DataFrame]:
    """The new rows of one year: those the inventory parsed (`cached`), then this run's."""
    fresh = _read_chunks(spill_dir, year)
    if not cached:
        return fresh
    return {table: pl.concat([cached[table], frame]) for table, frame in fresh.items()}


def quarantine_record(
    source_file: str, report_id: str | None, stage: str, rejected: Rejected
) -> dict[str, Any]:
    return {
        "source_file": source_file,
        "report_id": report_id,
        "stage": stage,
        "reason": rejected.reason,
        "message": rejected.message,
        "source_line": rejected.source_line,
        "raw": rejected.raw,
    }


def year_frames(year: int, parts: Iterable[YearRecords]) -> dict[str, pl.DataFrame]:
    """The parse tables of one year from the records of the files that were parsed."""
    columns = empty_columns()
    for part in parts:
        add_year_records(columns, year, part)
    return {table: frame_from_columns(table, columns[table]) for table in PARSE_TABLES}


def _file_column(frame: pl.DataFrame) -> pl.Expr:
    if "source_file" in frame.columns:
        return pl.col("source_file")
    return pl.col("report_id").str.replace(_ORDINAL, "")


def _in_file_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows ordered by file, then report ordinal; rows of one report keep their order."""
    ordinal = pl.col("report_id").str.extract(_ORDINAL, 1).cast(pl.Int64).fill_null(0)
    return frame.sort([_file_column(frame), ordinal], maintain_order=True)


def merge_year(
    previous: Mapping[str, pl.DataFrame], new: Mapping[str, pl.DataFrame], drop: Iterable[str]
) -> dict[str, pl.DataFrame]:
    """A year's tables: the previous rows of files not dropped, plus the new rows, in order.

    The order depends only on the rows (file, report ordinal, then reading order), so an
    incremental update writes the same bytes as a full rebuild.
    """
    dropped = sorted(set(drop))
    merged = {}
    for table, fresh in new.items():
        old = previous.get(table)
        if old is not None and old.height:
            old = old.filter(_file_column(old).is_in(dropped).not_()).select(fresh.columns)
            fresh = pl.concat([old, fresh])
        merged[table] = _in_file_order(fresh)
    return merged


_YEAR_CONTRACTS: dict[str, type[pa.DataFrameModel]] = {
    "reports": ReportsFrame,
    "sections": SectionsFrame,
    "statistics": StatisticsFrame,
    "prose_figures": StatisticsFrame,
    "quarantine/statistics": QuarantineFrame,
    "table_rows": TableRowsFrame,
}


def contract_errors(model: type[pa.DataFrameModel], frame: pl.DataFrame, what: str) -> list[str]:
    """The frame's breaches of its Pandera contract, as messages (empty when it holds)."""
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        shown = cases.head(MAX_ERRORS_SHOWN).select(pl.all().cast(pl.String)).to_dicts()
        return [f"{what} breaks {model.__name__}: {cases.height} failure case(s), e.g. {shown}"]
    return []


@dataclass(slots=True)
class ParseSummary:
    """What the parse stage did in one run."""

    years_requested: list[int] = field(default_factory=list)
    years_written: list[int] = field(default_factory=list)
    years_removed: list[int] = field(default_factory=list)
    years_skipped: list[int] = field(default_factory=list)
    files_parsed: list[str] = field(default_factory=list)
    reports_written: int = 0
    statistics_written: int = 0
    quarantined_written: int = 0
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
) -> ParseSummary:
    """Bring the requested years' partitions up to date with the inventory.

    Each year is written whole (all its tables, then its manifest) or not at all. A year whose
    frames break a contract is not written; the other years are, and the errors are returned
    for the caller to raise.
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
    wanted: dict[str, set[int]] = defaultdict(set)
    for plan in plans:
        for source_file in plan.parse:
            wanted[source_file].add(plan.year)
    remove_leftovers(layout)
    # The inventory of this run parsed the files it read: take their rows instead of parsing
    # them again. The cache is used once and removed.
    with scratch_dir(layout, "spill") as spill_dir, file_lock(layout.parse_cache_lock):
        cached = _cached_parses(layout, documents, version) & set(wanted)
        summary = _update_years(
            layout, raw_dir, plans, wanted, cached, requested, workers, version, spill_dir
        )
        shutil.rmtree(layout.parse_cache, ignore_errors=True)
        return summary


def _update_years(
    layout: WarehouseLayout,
    raw_dir: Path,
    plans: list[YearPlan],
    wanted: Mapping[str, Iterable[int]],
    cached: set[str],
    requested: list[int],
    workers: int,
    version: str,
    spill_dir: Path,
) -> ParseSummary:
    buffer = YearBuffer(spill_dir)
    sha256: dict[str, str] = {}
    to_parse = {name: years for name, years in wanted.items() if name not in cached}
    for parsed in parse_files(raw_dir, to_parse, workers):
        if parsed.sha256:
            sha256[parsed.source_file] = parsed.sha256
        buffer.add(parsed)
    buffer.spill()  # every fresh row on disk: a year is assembled by whoever writes it
    summary = ParseSummary(years_requested=requested, files_parsed=sorted({*sha256, *cached}))
    jobs = []
    for plan in plans:
        if plan.action == "skip":
            summary.years_skipped.append(plan.year)
            continue
        jobs.append(
            YearJob(
                root=str(layout.root),
                year=plan.year,
                action=plan.action,
                parse=tuple(sorted(plan.parse)),
                drop=tuple(sorted(plan.drop)),
                files={name: sha256.get(name, sha) for name, sha in plan.files.items()},
                cached=tuple(sorted(cached & set(plan.parse))),
                spill_dir=str(spill_dir),
                version=version,
            )
        )
    # A year is assembled, validated and written in a process of its own (one at a time),
    # which hands its memory back when done: the run's memory follows the largest year, not
    # the sum of the years. With one worker (tests, a serial run) it happens in this process.
    with Progress("write years", len(jobs), "years") as progress:
        for outcome in map_ordered(
            write_year, jobs, 1, chunksize=1, max_tasks_per_child=1, isolate=workers > 1
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
    return summary


@dataclass(frozen=True, slots=True)
class YearJob:
    """What writing one year partition needs, picklable for a worker process."""

    root: str
    year: int
    action: str
    parse: tuple[str, ...]
    drop: tuple[str, ...]
    files: dict[str, str]
    cached: tuple[str, ...]
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
    """Assemble one year from the parse cache, this run's parse and the stored partition,
    validate it, and write it whole (tables, then the manifest) or not at all."""
    layout = WarehouseLayout(Path(job.root))
    with year_locks(layout, [job.year], shared=False):
        if job.action == "remove":
            remove_year_tables(layout, job.year, PARSE_TABLES)
            layout.manifest(PARSE_STAGE, job.year).unlink(missing_ok=True)
            return YearOutcome(job.year, removed=True)
        earlier = _cached_year(layout, job.year, set(job.cached)) if job.cached else None
        new = collect_year(Path(job.spill_dir), job.year, earlier)
        previous = (
            {}
            if job.action == "rebuild"
            else {table: read_year_table(layout, table, job.year) for table in PARSE_TABLES}
        )
        tables = merge_year(previous, new, job.drop)
        broken = {
            table: contract_errors(_YEAR_CONTRACTS[table], frame, f"{table} of {job.year}")
            for table, frame in tables.items()
        }
        errors = {table: messages for table, messages in broken.items() if messages}
        if errors:
            return YearOutcome(job.year, contract_errors=errors)  # the old partition stays
        ledger = table_row_accounting(
            list(tables["table_rows"].iter_rows()),
            tables["statistics"],
            tables["quarantine/statistics"],
        )
        hashes = write_year_tables(layout, job.year, tables)
        write_json_atomic(
            {
                "stage": PARSE_STAGE,
                "year": job.year,
                "parser_version": job.version,
                "files": job.files,
                "outputs": hashes,
                "table_rows": ledger,
            },
            layout.manifest(PARSE_STAGE, job.year),
        )
    return YearOutcome(
        job.year,
        written=True,
        reports=tables["reports"].height,
        statistics=tables["statistics"].height,
        quarantined=tables["quarantine/statistics"].height,
    )


# ---------------------------------------------------------------------------- reconciliation


@dataclass(slots=True)
class ReconciliationSummary:
    """What the reconciliation stage did in one run."""

    years_written: list[int] = field(default_factory=list)
    years_removed: list[int] = field(default_factory=list)
    years_skipped: list[int] = field(default_factory=list)
    evaluations_written: int = 0
    failures_written: int = 0
    contract_errors: list[str] = field(default_factory=list)


def reconciliation_signature(layout: WarehouseLayout, year: int) -> str | None:
    """What a year's reconciliation is computed from: its and the year before's partitions."""
    current = read_json(layout.manifest(PARSE_STAGE, year))
    if current is None:
        return None
    before = read_json(layout.manifest(PARSE_STAGE, year - 1))
    payload = {
        "version": reconcile_version(),
        "year": current.get("outputs"),
        "year_before": before.get("outputs") if before else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _series_batches(reports: pl.DataFrame, size: int) -> list[list[str]]:
    """Report ids in batches of about `size`, never splitting one agency's series.

    The cross-year rules need to know whether a series has one report in a year, so a series
    stays in one batch.
    """
    keyed = sorted(
        (series_key(agency_id, agency, source_file), report_id)
        for report_id, agency_id, agency, source_file in reports.select(
            "report_id", "agency_id", "agency", "source_file"
        ).iter_rows()
    )
    batches: list[list[str]] = []
    current: list[str] = []
    previous_key = None
    for key, report_id in keyed:
        if len(current) >= size and key != previous_key:
            batches.append(current)
            current = []
        current.append(report_id)
        previous_key = key
    if current:
        batches.append(current)
    return batches


def reconcile_year(layout: WarehouseLayout, year: int) -> pl.DataFrame:
    """Every rule on the reports of one year; cross-year rules read the year before.

    Of the year before, only the reports and the figures the cross-year rules compare with
    are read. The year's reports are evaluated in batches of RECONCILE_BATCH (whole agency
    series), so memory does not grow with the size of a year.
    """
    earlier = _read_rows(
        layout.year_part("statistics", year - 1),
        "statistics",
        year - 1,
        pl.col("metric").is_in(sorted(earlier_year_metrics())),
    )
    earlier_reports = read_year_table(layout, "reports", year - 1)
    reports = read_year_table(layout, "reports", year)
    sections = read_year_table(layout, "sections", year)
    quarantine = read_year_table(layout, "quarantine/statistics", year)
    statistics_file = layout.year_part("statistics", year)
    prose_file = layout.year_part("prose_figures", year)
    frames = []
    for batch in _series_batches(reports, RECONCILE_BATCH):
        wanted = pl.col("report_id").is_in(batch)
        statistics = _read_rows(statistics_file, "statistics", year, wanted)
        prose = _read_rows(prose_file, "prose_figures", year, wanted)
        frames.append(
            reconcile(
                pl.concat([earlier, statistics]),
                prose,
                pl.concat([earlier_reports, reports.filter(wanted)]),
                years=[year],
                sections=sections.filter(wanted),
                quarantine=quarantine.filter(wanted),
            )
        )
    if not frames:
        return reconcile(earlier, earlier.head(0), earlier_reports.head(0), years=[year])
    # Batches come in the order of their series keys, and rules in evaluation order: the
    # same rows in the same order on every run.
    return pl.concat(frames)


def _read_rows(path: Path, table: str, year: int, wanted: pl.Expr) -> pl.DataFrame:
    schema = YEAR_TABLES[table]
    if not path.exists():
        return pl.DataFrame(schema=schema)
    frame = (
        pl.scan_parquet(path)
        .filter(wanted)
        .with_columns(pl.lit(year, dtype=pl.Int32).alias("report_year"))
        .collect()
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


@dataclass(frozen=True, slots=True)
class ReconcileOutcome:
    """What evaluating and writing one year's reconciliation did."""

    year: int
    evaluations: int = 0
    failures: int = 0
    contract_errors: tuple[str, ...] = ()


def reconcile_and_write(item: tuple[str, int]) -> ReconcileOutcome:
    """Evaluate one year's rules and write them (in a worker: only counts travel back)."""
    root, year = item
    layout = WarehouseLayout(Path(root))
    # Read under shared locks: no parse writes these years meanwhile. The signature read
    # here is the one stored with the result, so a year changed just after is redone next run.
    with year_locks(layout, [year - 1, year], shared=True):
        signature = reconciliation_signature(layout, year)
        frame = reconcile_year(layout, year)
    broken = contract_errors(ReconciliationFrame, frame, f"reconciliation of {year}")
    if broken:
        return ReconcileOutcome(year, contract_errors=tuple(broken))
    with year_locks(layout, [year], shared=False):
        hashes = write_year_tables(layout, year, {"reconciliation": frame})
        write_json_atomic(
            {
                "stage": RECONCILIATION_STAGE,
                "year": year,
                "signature": signature,
                "outputs": hashes,
            },
            layout.manifest(RECONCILIATION_STAGE, year),
        )
    return ReconcileOutcome(year, frame.height, frame.filter(FAILED).height)


def update_reconciliation(
    layout: WarehouseLayout,
    years: Iterable[int] | None = None,
    *,
    force: bool = False,
    workers: int = 1,
) -> ReconciliationSummary:
    """Recompute the reconciliation of every year whose inputs changed (or all, with force).

    Years are independent (each reads itself and the year before), so they are evaluated in
    `workers` processes; results are written in year order.
    """
    summary = ReconciliationSummary()
    parsed_years = set(stored_years(layout, "reports"))
    candidates = sorted(
        set(years)
        if years is not None
        else parsed_years | set(stored_years(layout, "reconciliation"))
    )
    to_compute = []
    for year in candidates:
        manifest_path = layout.manifest(RECONCILIATION_STAGE, year)
        if year not in parsed_years:
            if manifest_path.exists() or layout.year_dir("reconciliation", year).exists():
                with year_locks(layout, [year], shared=False):
                    remove_year_tables(layout, year, RECONCILIATION_TABLES)
                    manifest_path.unlink(missing_ok=True)
                summary.years_removed.append(year)
            continue
        with year_locks(layout, [year - 1, year], shared=True):
            signature = reconciliation_signature(layout, year)
        stored = read_json(manifest_path)
        if not force and stored is not None and stored.get("signature") == signature:
            summary.years_skipped.append(year)
            continue
        to_compute.append(year)
    progress = Progress("reconcile", len(to_compute), "years")
    jobs = [(str(layout.root), year) for year in to_compute]
    # One year per worker process, which evaluates and writes it: a year's memory goes back
    # to the system when it is done, and only counts come back here.
    for outcome in map_ordered(
        reconcile_and_write, jobs, workers, chunksize=1, max_tasks_per_child=1
    ):
        progress.advance()
        if outcome.contract_errors:
            summary.contract_errors.extend(outcome.contract_errors)
            continue
        summary.years_written.append(outcome.year)
        summary.evaluations_written += outcome.evaluations
        summary.failures_written += outcome.failures
    progress.counts = {
        "rule evaluations": summary.evaluations_written,
        "rule failures": summary.failures_written,
    }
    progress.finish()
    return summary


def parse_corpus(raw_dir: Path, *, workers: int = 1) -> dict[str, pl.DataFrame]:
    """Every table of a raw directory in memory, without storage (tests, one-off analyses).

    The same functions as the stages: the inventory, which parses every file it reads for
    all its years.
    Keys: documents, reports, sections, statistics, prose_figures, quarantine.
    """
    buffer = YearBuffer(None)
    inventory = inventory_documents(raw_dir, workers=workers, parsed=buffer)
    by_year = files_by_year(inventory.documents)
    years = [buffer.take(year) for year in sorted(by_year)]
    tables = {
        table: _in_file_order(
            pl.concat([frames[table] for frames in years])
            if years
            else frame_from_columns(table, empty_columns()[table])
        )
        for table in PARSE_TABLES
    }
    return {
        "documents": inventory.documents,
        "reports": tables["reports"],
        "sections": tables["sections"],
        "statistics": tables["statistics"],
        "prose_figures": tables["prose_figures"],
        "quarantine": pl.concat([inventory.quarantine, tables["quarantine/statistics"]]),
    }
