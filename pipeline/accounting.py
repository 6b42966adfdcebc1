"""The accounting invariant: nothing read is lost.

Every file of the inventory is either in `reports` (as many reports as the inventory found in
it) or in `quarantine`; every statistics-table row a reader took is either in `statistics` or in
`quarantine`. A file whose years have not all been parsed yet (a run of some years only) is
pending, not lost. The row side is counted when a year is written and kept in its manifest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipeline.atomic_files import read_json
from pipeline.model import DOCUMENTS_SCHEMA, QUARANTINE_SCHEMA
from pipeline.storage import WarehouseLayout, read_parquet, read_table, stored_years

MAX_LISTED = 20
UNLISTED_FOLDER = "unreadable_folder"


@dataclass(slots=True)
class Accounting:
    """Where every file and every table row read went."""

    files: int = 0
    files_with_reports: int = 0
    files_only_quarantined: int = 0
    files_pending: list[str] = field(default_factory=list)
    files_lost: list[str] = field(default_factory=list)
    table_rows_read: int = 0
    table_rows_in_statistics: int = 0
    table_rows_quarantined: int = 0
    table_rows_lost: list[str] = field(default_factory=list)
    # Files that could not be read (refused, a link out of the raw directory, …): counted
    # among the files only quarantined.
    files_unread: int = 0
    # Folders that could not be listed: what they hold is not known, so not counted.
    folders_unlisted: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        """Nothing read was lost (the blocking check of every run)."""
        return not self.files_lost and not self.table_rows_lost

    @property
    def complete(self) -> bool:
        """Every folder of the raw directory could be listed, so every file was counted."""
        return not self.folders_unlisted

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "files_with_reports": self.files_with_reports,
            "files_only_quarantined": self.files_only_quarantined,
            "files_pending": len(self.files_pending),
            "files_lost": self.files_lost[:MAX_LISTED],
            "table_rows_read": self.table_rows_read,
            "table_rows_in_statistics": self.table_rows_in_statistics,
            "table_rows_quarantined": self.table_rows_quarantined,
            "table_rows_lost": self.table_rows_lost[:MAX_LISTED],
            "files_unread": self.files_unread,
            "folders_unlisted": self.folders_unlisted[:MAX_LISTED],
        }


def account(layout: WarehouseLayout) -> Accounting:
    """Check the invariant over everything stored below the warehouse directory."""
    documents = read_parquet(layout.documents, DOCUMENTS_SCHEMA)
    inventory_quarantine = read_parquet(layout.quarantine_part("documents"), QUARANTINE_SCHEMA)
    quarantined = set(inventory_quarantine["source_file"])
    years = stored_years(layout, "reports")
    manifests = {year: read_json(layout.manifest("parse", year)) or {} for year in years}
    reports = read_table(layout, "reports")
    per_file = Counter(reports["source_file"].to_list())
    result = Accounting(files=documents.height)
    result.files_unread = documents.filter(pl.col("sha256").is_null()).height
    result.folders_unlisted = sorted(
        inventory_quarantine.filter(pl.col("reason") == UNLISTED_FOLDER)["source_file"]
    )
    for row in documents.iter_rows(named=True):
        name, expected = row["source_file"], int(row["reports"] or 0)
        if expected == 0:
            if name in quarantined:
                result.files_only_quarantined += 1
            else:
                result.files_lost.append(f"{name}: no report and no quarantine row")
            continue
        current = all(
            manifests.get(int(year), {}).get("files", {}).get(name) == row["sha256"]
            for year in row["report_years"] or []
        )
        if not current:
            result.files_pending.append(name)
        elif per_file.get(name, 0) != expected:
            result.files_lost.append(
                f"{name}: {expected} report(s) found, {per_file.get(name, 0)} stored"
            )
        else:
            result.files_with_reports += 1
    for year, manifest in manifests.items():
        rows = manifest.get("table_rows")
        if not rows:
            continue
        result.table_rows_read += int(rows.get("read", 0))
        result.table_rows_in_statistics += int(rows.get("in_statistics", 0))
        result.table_rows_quarantined += int(rows.get("quarantined", 0))
        result.table_rows_lost.extend(f"{year}: {lost}" for lost in rows.get("lost", []))
    return result


_ROW_KEY = ["report_id", "source_line"]


@dataclass(slots=True)
class TableRowLedger:
    """Of the (report, line) table rows the readers took, which are in which table.

    Counted part by part as a year is written; each part holds whole reports (all of a
    report's table rows, statistics and quarantine rows), so no row is counted twice.
    """

    read: int = 0
    in_statistics: int = 0
    quarantined: int = 0
    lost: list[tuple[str, int]] = field(default_factory=list)

    def add(
        self, table_rows: pl.DataFrame, statistics: pl.DataFrame, quarantine: pl.DataFrame
    ) -> None:
        """Count the table rows of one part against its statistics and quarantine rows."""
        taken = table_rows.select(_ROW_KEY).unique()
        stored = statistics.select(_ROW_KEY).unique()
        set_aside = quarantine.select(_ROW_KEY).unique()
        kept = taken.join(stored, on=_ROW_KEY, how="semi", nulls_equal=True)
        elsewhere = taken.join(stored, on=_ROW_KEY, how="anti", nulls_equal=True)
        quarantined = elsewhere.join(set_aside, on=_ROW_KEY, how="semi", nulls_equal=True)
        lost = elsewhere.join(set_aside, on=_ROW_KEY, how="anti", nulls_equal=True)
        self.read += taken.height
        self.in_statistics += kept.height
        self.quarantined += quarantined.height
        self.lost.extend(lost.sort(_ROW_KEY).head(MAX_LISTED).iter_rows())

    def manifest(self) -> dict[str, Any]:
        """The counts as a year's manifest keeps them (the first lost rows listed)."""
        lost = sorted(self.lost)[:MAX_LISTED]
        return {
            "read": self.read,
            "in_statistics": self.in_statistics,
            "quarantined": self.quarantined,
            "lost": [f"{report_id} line {line}" for report_id, line in lost],
        }
