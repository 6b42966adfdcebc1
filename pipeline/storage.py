"""Where stage outputs live: every path below the warehouse, the year tables, the scratch.

Layout below the warehouse directory (see `WarehouseLayout`):

    parquet/documents.parquet                         inventory of the raw directory
    parquet/quarantine/documents.parquet              files and reports that could not be read
    parquet/<table>/report_year=YYYY/part-0.parquet   one directory per table and year
    parquet/_manifests/<stage>/YYYY.json              what each year's outputs were built from
    parquet/_manifests/warehouse.json                 what the warehouse was last built from
    parquet/quarantine.parquet                        every stage's quarantine, for the warehouse
    parquet/_runs/<run_id>/<step>.json                what each step of an unfinished run did
    parquet/_locks/<name>.lock                        advisory locks (see below)
    parquet/runs.parquet                              one row per pipeline run
    warehouse.duckdb                                  the analysts' database
    .scratch/                                         every temporary folder (see below)

Temporary folders all live below `.scratch/` (`WarehouseLayout.scratch`): dbt's target folder
(`.scratch/dbt/`, reused by every warehouse build), and one private folder per process and
purpose (`.scratch/runs/<purpose>-*/`: this run's parsed rows spilled by the year partitions,
DuckDB's spill files). A private folder holds a lock (flock) on its `owner.lock` for as long as
its process uses it; a process that dies (killed, out of memory) lets go of it, and the next
run removes such leftovers (`remove_leftovers`), never the folder of a live run.

One folder passes from one step of a run to the next: `.scratch/runs/handoff-<run_id>/`
(`WarehouseLayout.handoff`), the files the inventory parsed as it read them, which the year
partitions of the same run take instead of parsing them again (`pipeline/stages/handoff.py`).
Written locked by the inventory (`hand_over`), left unlocked between the two steps, taken
locked and removed by the year step (`take_over`). No other run reads it; a cleaner that
removes it between the steps (as a leftover) only makes the year step parse the files itself.
Nothing parsed is kept beyond the run.

A reader (a notebook, the next stage) sees either the previous file or the new one, never a
half-written one: files are written beside their destination and renamed into place, and a
year's directory is replaced whole (the primitives, which know no path of the warehouse, are
in `pipeline/atomic_files.py`). A year's manifest is written last, so a run killed half-way
leaves a manifest that no longer matches and the next run rebuilds that year.

Writers of a year and readers of all years synchronise through advisory file locks in
`parquet/_locks/` (one per year, plus one for the warehouse), so two runs never write the same
year at once and the warehouse is never built from a year caught mid-swap.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.atomic_files import (
    ROW_GROUP_ROWS,
    file_lock,
    is_stale_staging,
    sha256_file,
    staging_name,
    swap_directory,
)
from pipeline.model import (
    QUARANTINE_SCHEMA,
    RECONCILIATION_SCHEMA,
    REPORTS_SCHEMA,
    SECTIONS_SCHEMA,
    STATISTICS_SCHEMA,
    TABLE_ROWS_SCHEMA,
)

YEAR_PREFIX = "report_year="

PART_FILE = "part-0.parquet"

# Tables stored one directory per report year, and their full schemas. The year lives in the
# directory name (Hive layout): a table whose schema has `report_year` gets it back on reading.
YEAR_TABLES: dict[str, dict[str, pl.DataType]] = {
    "reports": REPORTS_SCHEMA,
    "sections": SECTIONS_SCHEMA,
    "statistics": STATISTICS_SCHEMA,
    "prose_figures": STATISTICS_SCHEMA,
    "quarantine/statistics": QUARANTINE_SCHEMA,
    "reconciliation": RECONCILIATION_SCHEMA,
    "table_rows": TABLE_ROWS_SCHEMA,
}
# The tables the parse stage writes for a year, and the one the reconciliation stage writes.
PARSE_TABLES = (
    "reports",
    "sections",
    "statistics",
    "prose_figures",
    "quarantine/statistics",
    "table_rows",
)
RECONCILIATION_TABLES = ("reconciliation",)


@dataclass(frozen=True, slots=True)
class WarehouseLayout:
    """Paths of every output below one warehouse directory."""

    root: Path

    @property
    def parquet(self) -> Path:
        return self.root / "parquet"

    @property
    def database(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def report(self) -> Path:
        """The HTML quality report (`pipeline/report/`), refreshed by every run."""
        return self.root / "report.html"

    @property
    def documents(self) -> Path:
        return self.parquet / "documents.parquet"

    @property
    def statistics(self) -> Path:
        return self.table_root("statistics")

    @property
    def runs(self) -> Path:
        return self.parquet / "runs.parquet"

    def table_root(self, table: str) -> Path:
        return self.parquet / table

    def year_dir(self, table: str, year: int) -> Path:
        return self.table_root(table) / f"{YEAR_PREFIX}{year}"

    def year_part(self, table: str, year: int) -> Path:
        """The one Parquet file of a table's year."""
        return self.year_dir(table, year) / PART_FILE

    def quarantine_part(self, stage: str) -> Path:
        return self.parquet / "quarantine" / f"{stage}.parquet"

    @property
    def quarantine(self) -> Path:
        """Every stage's quarantine in one file, written for the warehouse build."""
        return self.parquet / "quarantine.parquet"

    def manifests(self, stage: str) -> Path:
        """The folder of a stage's manifests, one `YYYY.json` per year."""
        return self.parquet / "_manifests" / stage

    def manifest(self, stage: str, year: int) -> Path:
        return self.manifests(stage) / f"{year}.json"

    @property
    def warehouse_manifest(self) -> Path:
        """What the warehouse was last built from (its signature), its counts and dbt nodes."""
        return self.parquet / "_manifests" / "warehouse.json"

    def lock(self, name: str) -> Path:
        return self.parquet / "_locks" / f"{name}.lock"

    @property
    def run_dirs(self) -> Path:
        """The parent of every unfinished run's step records."""
        return self.parquet / "_runs"

    def run_dir(self, run_id: str) -> Path:
        return self.run_dirs / run_id

    def run_step(self, run_id: str, step: str) -> Path:
        """What one stage of a run did (JSON), kept until the run is published."""
        return self.run_dir(run_id) / f"{step}.json"

    @property
    def scratch(self) -> Path:
        """The one folder of every temporary file and folder of the runs (hidden)."""
        return self.root / ".scratch"

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for this warehouse's builds: compiled SQL and the parse state it
        reuses from one build to the next (used under the warehouse lock only)."""
        return self.scratch / "dbt"

    def handoff(self, run_id: str) -> Path:
        """The inventory's parse handed to the year step of the run `run_id`."""
        return self.private_scratch / f"handoff-{run_id}"

    @property
    def private_scratch(self) -> Path:
        """The parent of the per-process temporary folders (see `scratch_dir`)."""
        return self.scratch / "runs"


@dataclass(frozen=True, slots=True)
class StagedTable:
    """A year's table written in full beside its place, not yet swapped in."""

    staging: Path
    final: Path
    sha256: str

    def swap_in(self) -> None:
        """Put the table in its place (the old one, if any, moved aside and removed)."""
        swap_directory(self.staging, self.final)

    def discard(self) -> None:
        """Remove the staged table; the one in place stays."""
        shutil.rmtree(self.staging, ignore_errors=True)


class YearTableWriter:
    """One table of a year written frame by frame beside its `report_year=YYYY/` directory,
    replacing nothing until `StagedTable.swap_in`: a table made in parts never sits in memory
    whole.

    Every year table is written by this class, in row groups of exactly `ROW_GROUP_ROWS` rows
    (the last one shorter), each made contiguous before it is written: the bytes depend on the
    rows only, not on how they were split into frames or chunks in memory, so a year rebuilt
    from spill chunks, updated in memory or reconciled batch by batch writes what it would
    have written whole. With no row at all, the file still holds the table's schema.
    """

    def __init__(self, layout: WarehouseLayout, year: int, table: str) -> None:
        self.final = layout.year_dir(table, year)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.staging = staging_name(self.final)
        self.staging.mkdir()
        self._path = self.staging / PART_FILE
        self._columns = [name for name in YEAR_TABLES[table] if name != "report_year"]
        empty = pl.DataFrame(schema=YEAR_TABLES[table]).select(self._columns).to_arrow()
        self._schema = empty.schema
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            self._path, self._schema, compression="zstd", write_statistics=True
        )
        self._held: list[pa.Table] = []
        self._rows_held = 0

    def write(self, frame: pl.DataFrame) -> None:
        """Add the frame's rows (its `report_year`, if any, lives in the directory name)."""
        part = frame.select(self._columns).to_arrow()
        if part.schema != self._schema:
            part = part.cast(self._schema)
        self._held.append(part)
        self._rows_held += part.num_rows
        if self._rows_held >= ROW_GROUP_ROWS:
            self._flush(final=False)

    def _flush(self, *, final: bool) -> None:
        assert self._writer is not None, "the table is already closed"
        held = pa.concat_tables(self._held).combine_chunks()
        start = 0
        while held.num_rows - start >= ROW_GROUP_ROWS or (final and start < held.num_rows):
            group = held.slice(start, ROW_GROUP_ROWS)
            self._writer.write_table(group, row_group_size=ROW_GROUP_ROWS)
            start += group.num_rows
        rest = held.slice(start)
        self._held = [rest] if rest.num_rows else []
        self._rows_held = rest.num_rows

    def close(self) -> StagedTable:
        """Write what is held and close the file: the table, staged."""
        try:
            if self._held:
                self._flush(final=True)
            assert self._writer is not None, "the table is already closed"
            self._writer.close()
            self._writer = None
        except BaseException:
            self.discard()
            raise
        return StagedTable(self.staging, self.final, sha256_file(self._path))

    def discard(self) -> None:
        """Give up the table: nothing of it stays."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._held = []
        shutil.rmtree(self.staging, ignore_errors=True)


def stage_year_table(
    layout: WarehouseLayout, year: int, table: str, frames: Iterable[pl.DataFrame]
) -> StagedTable:
    """Write one table of a year frame by frame (`YearTableWriter`), replacing nothing
    (`StagedTable.swap_in` does). With no frame at all, the empty table is written."""
    writer = YearTableWriter(layout, year, table)
    try:
        for frame in frames:
            writer.write(frame)
    except BaseException:
        writer.discard()
        raise
    return writer.close()


def remove_year_tables(layout: WarehouseLayout, year: int, tables: Iterable[str]) -> None:
    """Drop a year's directories of the given tables (the year no longer has any report)."""
    for table in tables:
        final = layout.year_dir(table, year)
        if final.exists():
            retired = staging_name(final, "old")
            os.replace(final, retired)
            shutil.rmtree(retired, ignore_errors=True)


def read_parquet(path: Path, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A stage output, or an empty frame with its schema when the stage wrote nothing."""
    if not path.exists():
        return pl.DataFrame(schema=schema)
    return pl.read_parquet(path)


def _with_schema(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return frame.with_columns(
        [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in schema.items()
            if name not in frame.columns
        ]
    ).select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def read_year_table(layout: WarehouseLayout, table: str, year: int) -> pl.DataFrame:
    """One table's rows of one year (empty, with the schema, when never written)."""
    schema = YEAR_TABLES[table]
    path = layout.year_part(table, year)
    if not path.exists():
        return pl.DataFrame(schema=schema)
    frame = pl.read_parquet(path)
    if "report_year" in schema:
        frame = frame.with_columns(pl.lit(year, dtype=pl.Int32).alias("report_year"))
    return _with_schema(frame, schema)


def stored_years(layout: WarehouseLayout, table: str) -> list[int]:
    """The years for which a table has a directory."""
    root = layout.table_root(table)
    if not root.is_dir():
        return []
    return sorted(
        int(path.name.removeprefix(YEAR_PREFIX))
        for path in root.glob(f"{YEAR_PREFIX}*")
        if path.is_dir() and path.name.removeprefix(YEAR_PREFIX).isdigit()
    )


def read_table(
    layout: WarehouseLayout, table: str, years: Iterable[int] | None = None
) -> pl.DataFrame:
    """A year-partitioned table, all years (or the given ones), in year order."""
    wanted = stored_years(layout, table) if years is None else sorted(set(years))
    frames = [read_year_table(layout, table, year) for year in wanted]
    frames = [frame for frame in frames if frame.height]
    if not frames:
        return pl.DataFrame(schema=YEAR_TABLES[table])
    return pl.concat(frames, how="vertical")


def scan_table(layout: WarehouseLayout, table: str) -> pl.LazyFrame:
    """A year-partitioned table as a lazy scan (with report_year where the schema has it).

    For summaries over every year that must not load the whole table: filters and
    aggregations stream over the files.
    """
    schema = YEAR_TABLES[table]
    paths = [
        layout.year_part(table, year)
        for year in stored_years(layout, table)
        if (layout.year_part(table, year)).exists()
    ]
    if not paths:
        return pl.LazyFrame(schema=schema)
    frames = []
    for path in paths:
        frame = pl.scan_parquet(path)
        if "report_year" in schema:
            year = int(path.parent.name.split("=", 1)[1])
            frame = frame.with_columns(pl.lit(year, dtype=pl.Int32).alias("report_year"))
        frames.append(frame.select(list(schema)))
    return pl.concat(frames, how="vertical")


def count_rows(layout: WarehouseLayout, table: str, years: Iterable[int] | None = None) -> int:
    """Rows of a year-partitioned table, from the Parquet footers (no data is read)."""
    wanted = stored_years(layout, table) if years is None else sorted(set(years))
    paths = [layout.year_part(table, year) for year in wanted]
    return sum(pq.ParquetFile(path).metadata.num_rows for path in paths if path.exists())


def combine_quarantine(layout: WarehouseLayout) -> pl.DataFrame:
    """All stages' quarantine rows in one frame: the inventory's, then each year's."""
    parts = [read_parquet(layout.quarantine_part("documents"), QUARANTINE_SCHEMA)]
    parts.append(read_table(layout, "quarantine/statistics"))
    return pl.concat([_with_schema(part, QUARANTINE_SCHEMA) for part in parts])


@contextmanager
def year_locks(layout: WarehouseLayout, years: Iterable[int], *, shared: bool) -> Iterator[None]:
    """Locks of several years, always taken in year order (no deadlock between runs)."""
    with ExitStack() as stack:
        for year in sorted(set(years)):
            stack.enter_context(file_lock(layout.lock(str(year)), shared=shared))
        yield


# ---------------------------------------------------------------------------- scratch folders

OWNER_LOCK = "owner.lock"


def _hold_owner_lock(folder: Path, mode: str) -> IO[str]:
    """`folder`'s owner lock, opened (`mode`: "a" creates it, "r" requires it) and held
    without waiting; BlockingIOError when another process holds it."""
    owner = (folder / OWNER_LOCK).open(mode)
    try:
        fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        owner.close()
        raise
    return owner


@contextmanager
def scratch_dir(layout: WarehouseLayout, purpose: str) -> Iterator[Path]:
    """A private temporary folder below `layout.scratch`, removed when the block ends.

    Its `owner.lock` is locked (flock) from its creation until the block ends: the lock says
    "in use" while this process lives, and no longer once it died, which is how
    `remove_leftovers` tells a dead run's folder from a live one's. Creation and locking
    happen under the scratch lock, so a cleaner never sees the folder unlocked.
    """
    parent = layout.private_scratch
    parent.mkdir(parents=True, exist_ok=True)
    with file_lock(layout.scratch / "scratch.lock"):
        folder = Path(tempfile.mkdtemp(prefix=f"{purpose}-", dir=parent))
        owner = _hold_owner_lock(folder, "a")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        owner.close()


@contextmanager
def hand_over(folder: Path, layout: WarehouseLayout) -> Iterator[Path]:
    """`folder` (a private scratch folder, `WarehouseLayout.handoff`) made empty and locked for
    the block, then left in place unlocked for a later step to `take_over`; removed instead
    when the block fails."""
    layout.private_scratch.mkdir(parents=True, exist_ok=True)
    with file_lock(layout.scratch / "scratch.lock"):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        owner = _hold_owner_lock(folder, "a")
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        owner.close()


@contextmanager
def take_over(folder: Path, layout: WarehouseLayout) -> Iterator[Path | None]:
    """The folder a `hand_over` left, locked for the block and removed when it ends; None
    when there is none (never handed over, or removed as a leftover meanwhile) or another
    process holds it."""
    if not layout.scratch.is_dir():
        yield None
        return
    with file_lock(layout.scratch / "scratch.lock"):
        try:
            owner: IO[str] | None = _hold_owner_lock(folder, "r")
        except OSError:  # no such folder, or held (BlockingIOError)
            owner = None
    if owner is None:
        yield None
        return
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        owner.close()


def remove_leftovers(layout: WarehouseLayout) -> list[Path]:
    """Remove the temporary folders of processes that died; return what was removed.

    A folder whose `owner.lock` is still locked belongs to a live process (a concurrent run)
    and is left alone. The staging files and folders of atomic writes (beside their
    destinations below `parquet/`) are removed when the process named in them is gone. What
    older versions left (`.spill-*` and `.parse-cache` in the warehouse root, the parse cache
    `.scratch/parse-cache`) is removed too.
    """
    removed: list[Path] = []
    parent = layout.private_scratch
    if parent.is_dir():
        with file_lock(layout.scratch / "scratch.lock"):
            for folder in sorted(parent.iterdir()):
                if folder.is_dir() and not _in_use(folder):
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
    removed.extend(_remove_stale_staging(layout))
    legacy = [
        *layout.root.glob(".spill-*"),
        layout.root / ".parse-cache",
        layout.scratch / "parse-cache",
    ]
    for old in sorted(legacy) if layout.root.is_dir() else []:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    for lock in (layout.root / ".parse-cache.lock", layout.scratch / "parse-cache.lock"):
        lock.unlink(missing_ok=True)
    return removed


def _in_use(folder: Path) -> bool:
    """True while the process that made the folder holds its owner lock."""
    try:
        handle = (folder / OWNER_LOCK).open("a")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _remove_stale_staging(layout: WarehouseLayout) -> list[Path]:
    """Remove the staging files and folders of atomic writes whose writer is gone."""
    if not layout.parquet.is_dir():
        return []
    stale = [path for path in layout.parquet.rglob(".*") if is_stale_staging(path.name)]
    removed: list[Path] = []
    for path in sorted(stale):
        if any(path.is_relative_to(parent) for parent in removed):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed
