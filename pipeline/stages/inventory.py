"""Stage 1: the inventory of the raw directory (`documents.parquet` and its quarantine).

A file is read again only when its size or mtime changed, and decoded and segmented again
only when its sha256 or the parser version changed; every other row is the previous run's.
What cannot be read never stops the inventory: it gets a quarantine row.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.allocator import give_back_memory
from pipeline.atomic_files import file_lock, sha256_file, write_parquet_atomic
from pipeline.documents import read_raw_file, same_stat, unreadable, walk_raw_dir
from pipeline.frames import DocumentsFrame, QuarantineFrame
from pipeline.model import DOCUMENTS_SCHEMA, QUARANTINE_SCHEMA, Rejected
from pipeline.parse import FileScan, scan_and_parse, scan_file
from pipeline.pool import map_ordered
from pipeline.progress import Progress
from pipeline.stages.columns import FileColumns, file_columns, in_file_order, quarantine_record
from pipeline.stages.contracts import contract_errors
from pipeline.stages.handoff import HandOver, handing_over
from pipeline.storage import WarehouseLayout, read_parquet, remove_leftovers
from pipeline.versions import parser_version

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InventoryOutput:
    """The inventory of the raw directory and the quarantine rows of unreadable files."""

    documents: pl.DataFrame
    quarantine: pl.DataFrame
    scanned: list[str]
    removed: list[str]


# What a worker sends back for one file: its name, mtime, and its scan, or the reason it could
# not be read; and the file's parse when it was asked for (a handoff to the year step).
ScanResult = tuple[str, int, FileScan | Rejected, FileColumns | None]


def _scan_job(item: tuple[str, str, str, bool]) -> ScanResult:
    source_file, path, raw_dir, parse = item
    try:
        data, stat = read_raw_file(Path(path), Path(raw_dir))
    except OSError as error:
        return source_file, 0, unreadable(error), None
    if not parse:
        return source_file, stat.st_mtime_ns, scan_file(source_file, data), None
    scan, parsed = scan_and_parse(source_file, data)
    return source_file, stat.st_mtime_ns, scan, file_columns(parsed)


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
    handed: HandOver | None = None,
) -> InventoryOutput:
    """Every raw file with its size, mtime, sha256, encoding and report years.

    Rows of the previous inventory are reused for files whose size and mtime (or, failing
    that, sha256) are unchanged and that were read by the same parser version; only the other
    files are read and segmented, in `workers` processes. Files that cannot be read get
    quarantine rows.

    What cannot be read never stops the inventory: a link out of the raw directory (never
    opened), a file the system refuses or that vanishes, a folder that cannot be listed; each
    gets a quarantine row. A file not read has an inventory row without hash or report (it is
    tried again on the next run). The files known from before below a folder that cannot be
    listed now keep their rows: an unlisted folder is not taken for an emptied one.

    With `handed`, each file read is parsed as it is segmented and handed over for the year
    step of the same run (`pipeline/stages/handoff.py`); the inventory is the same.
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
    to_scan: list[tuple[str, str, str, bool]] = []
    parse = handed is not None
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
            to_scan.append((source_file, str(path), str(raw_dir), parse))
        elif same_stat(old, stat):
            rows[source_file] = old
            kept.add(source_file)
        elif _same_hash(path, old["sha256"]):
            rows[source_file] = {**old, "mtime_ns": stat.st_mtime_ns}
            kept.add(source_file)
        else:
            to_scan.append((source_file, str(path), str(raw_dir), parse))
    for name, old in known.items():
        if name not in rows and _under(name, unlisted):
            rows[name] = old
            kept.add(name)
    label = "inventory: read, segment and parse" if parse else "inventory: read and segment"
    progress = Progress(label, len(to_scan))
    for source_file, mtime_ns, scan, parsed in map_ordered(_scan_job, to_scan, workers):
        if isinstance(scan, Rejected):
            progress.advance()
            problems.append(quarantine_record(source_file, None, "documents", scan))
            if scan.reason != "vanished":
                rows[source_file] = _unread_row(source_file, version, _lstat(raw_dir / source_file))
            continue
        progress.advance(reports=scan.reports)
        if handed is not None and parsed is not None:
            handed.add(parsed, scan.report_years)
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
        quarantine=in_file_order(quarantine),
        scanned=sorted(name for name, _, _, _ in to_scan),
        removed=sorted(set(known) - set(rows)),
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


class EmptyRawDirectory(RuntimeError):
    """The raw directory is empty although files were inventoried before."""


def update_inventory(
    layout: WarehouseLayout, raw_dir: Path, *, workers: int = 1, hand_to: str | None = None
) -> InventorySummary:
    """Bring `documents.parquet` and the inventory's quarantine up to date with the raw dir.

    `hand_to`: the id of a run whose year step follows; the files read are parsed as they are
    segmented and handed to it (`pipeline/stages/handoff.py`). An inventory with no year step
    after it (the sensor's inventory-only run) leaves it None and parses nothing.
    """
    with file_lock(layout.lock("inventory")):
        if hand_to is None:
            summary = _update_inventory(layout, raw_dir, workers, None)
        else:
            with handing_over(layout, hand_to, parser_version()) as handed:
                summary = _update_inventory(layout, raw_dir, workers, handed)
    give_back_memory()  # what the scans held, back to the system (pipeline/allocator.py)
    return summary


def _update_inventory(
    layout: WarehouseLayout, raw_dir: Path, workers: int, handed: HandOver | None
) -> InventorySummary:
    for leftover in remove_leftovers(layout):
        log.info("removed %s, left by a run that did not finish", leftover)
    previous = read_parquet(layout.documents, DOCUMENTS_SCHEMA)
    stored_quarantine = read_parquet(layout.quarantine_part("documents"), QUARANTINE_SCHEMA)
    output = inventory_documents(
        raw_dir, previous, stored_quarantine, workers=workers, handed=handed
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
        or not _same_frame(stored_quarantine, output.quarantine)
    ):
        # (A new link out of the raw directory or folder that cannot be listed changes the
        # quarantine without any file being read.)
        write_parquet_atomic(output.quarantine, layout.quarantine_part("documents"))
        write_parquet_atomic(output.documents, layout.documents)
    elif not _same_frame(previous, output.documents):
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
