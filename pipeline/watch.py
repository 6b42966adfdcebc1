"""What the raw-directory sensor asks for: the years of new, changed and removed files.

A pure function of the directory, the inventory and the sensor's cursor. The cursor remembers
the files already asked for (path → sha256) until the inventory has caught up with them, so a
file starts one run however many times the sensor looks before that run finishes, and the
cursor stays small whatever the size of the corpus.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.documents import read_raw_file, same_stat, walk_raw_dir
from pipeline.parse import scan_file

REMOVED = "removed"
# The cursor value of an entry that could not be read (a link out, a file refused).
UNREAD = "unread"


@dataclass(frozen=True, slots=True)
class RawChanges:
    """Years to run, each with the files that need it; files with no year; the new cursor."""

    years: dict[int, tuple[str, ...]]
    without_year: tuple[str, ...]
    cursor: dict[str, str]

    def run_key(self, year: int | None) -> str:
        """A key naming exactly these files at these contents (one run per key)."""
        files = self.years[year] if year is not None else self.without_year
        digest = hashlib.sha256()
        for name in files:
            digest.update(f"{name}\0{self.cursor.get(name, '')}\0".encode())
        return f"{year if year is not None else 'inventory'}:{digest.hexdigest()[:16]}"


# Files read and segmented in one sensor evaluation at most; the others wait for the next
# evaluation (they are not in the cursor yet), so a large drop never times the sensor out.
MAX_FILES_PER_TICK = 300


def find_raw_changes(
    raw_dir: Path,
    documents: pl.DataFrame,
    cursor: dict[str, str],
    limit: int = MAX_FILES_PER_TICK,
) -> RawChanges:
    """Files that differ from the inventory and were not asked for yet, by report year.

    A changed file asks for its new years and the years it held before (its reports may have
    left them); a removed file asks for the years it held. Files whose size and mtime match the
    inventory are not read at all, and at most `limit` new files are read per evaluation.
    """
    known = {row["source_file"]: row for row in documents.iter_rows(named=True)}
    years: dict[int, set[str]] = defaultdict(set)
    without_year: set[str] = set()
    new_cursor: dict[str, str] = {}
    present: set[str] = set()
    scanned = 0
    entries = walk_raw_dir(raw_dir)
    unlisted = [raw.name for raw in entries if raw.is_folder and raw.problem]
    # Known files below a folder that cannot be listed now are not taken as removed.
    present.update(name for name in known if any(name.startswith(f) for f in unlisted))
    for raw in entries:
        name = raw.name
        present.add(name)
        entry = known.get(name)
        if raw.problem is not None:
            # Never opened. A new one asks the inventory once, for its quarantine row.
            if not raw.is_folder and entry is None and cursor.get(name) != UNREAD:
                without_year.add(name)
            new_cursor[name] = UNREAD
            continue
        try:
            stat = raw.path.lstat()
        except OSError:
            continue  # gone since the walk
        if same_stat(entry, stat) and entry is not None and entry["sha256"] is not None:
            continue
        if scanned >= limit:
            if name in cursor:
                new_cursor[name] = cursor[name]  # asked for already; look again next time
            continue  # the next evaluation reads it
        try:
            data, _ = read_raw_file(raw.path, raw_dir)
        except OSError:
            # The inventory quarantines it; ask once, not on every evaluation.
            if entry is None and cursor.get(name) != UNREAD:
                without_year.add(name)
            new_cursor[name] = UNREAD
            continue
        sha256 = hashlib.sha256(data).hexdigest()
        if entry and entry["sha256"] == sha256:
            continue
        if cursor.get(name) == sha256:
            new_cursor[name] = sha256
            continue
        scanned += 1
        new_cursor[name] = sha256
        scan = scan_file(name, data)
        before = (entry["report_years"] or []) if entry else []
        wanted = set(scan.report_years) | {int(year) for year in before}
        for year in wanted:
            years[year].add(name)
        if not wanted:
            without_year.add(name)
    for name, entry in known.items():
        if name in present:
            continue
        new_cursor[name] = REMOVED
        if cursor.get(name) == REMOVED:
            continue
        for year in entry["report_years"] or []:
            years[int(year)].add(name)
        if not entry["report_years"]:
            without_year.add(name)
    return RawChanges(
        years={year: tuple(sorted(names)) for year, names in sorted(years.items())},
        without_year=tuple(sorted(without_year)),
        cursor=new_cursor,
    )
