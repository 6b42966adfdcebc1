"""Where stage outputs live, and how they are written: whole files, swapped in atomically.

A reader (a notebook, the next stage) sees either the previous file or the new one, never a
half-written one. A year's statistics are a directory `report_year=YYYY/` replaced whole.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.model import STATISTICS_SCHEMA

YEAR_PREFIX = "report_year="


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

    def file(self, name: str) -> Path:
        return self.parquet / name

    @property
    def statistics(self) -> Path:
        return self.parquet / "statistics"

    def quarantine_part(self, stage: str) -> Path:
        return self.parquet / "quarantine" / f"{stage}.parquet"


def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write a Parquet file beside its destination, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        frame.write_parquet(temporary, statistics=True)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_year_partitions(
    frame: pl.DataFrame, root: Path, years: list[int] | None = None
) -> list[int]:
    """Replace the `report_year=YYYY/` directories of the given years (default: every year
    in the frame, and drop year directories the frame no longer has).

    The partition column lives in the directory name only (Hive layout). Each directory is
    built beside its destination and swapped in with renames.
    """
    root.mkdir(parents=True, exist_ok=True)
    present = sorted(int(y) for y in frame["report_year"].unique().to_list())
    targets = present if years is None else sorted(years)
    for year in targets:
        part = frame.filter(pl.col("report_year") == year).drop("report_year")
        final = root / f"{YEAR_PREFIX}{year}"
        staging = root / f".{YEAR_PREFIX}{year}.{uuid.uuid4().hex}.tmp"
        staging.mkdir()
        try:
            if part.height:
                part.write_parquet(staging / "part-0.parquet", statistics=True)
            _swap_directory(staging, final, keep=part.height > 0)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if years is None:
        for stale in root.glob(f"{YEAR_PREFIX}*"):
            if stale.is_dir() and int(stale.name.removeprefix(YEAR_PREFIX)) not in present:
                shutil.rmtree(stale)
    return targets


def _swap_directory(staging: Path, final: Path, keep: bool) -> None:
    retired = final.with_name(f".{final.name}.{uuid.uuid4().hex}.old")
    if final.exists():
        os.replace(final, retired)
    if keep:
        os.replace(staging, final)
    shutil.rmtree(retired, ignore_errors=True)


def read_parquet(path: Path, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A stage output, or an empty frame with its schema when the stage wrote nothing."""
    if not path.exists():
        return pl.DataFrame(schema=schema)
    return pl.read_parquet(path)


def read_statistics(root: Path) -> pl.DataFrame:
    """All year partitions as one frame, report_year taken from the directory names."""

    if not any(root.glob(f"{YEAR_PREFIX}*/*.parquet")):
        return pl.DataFrame(schema=STATISTICS_SCHEMA)
    frame = pl.read_parquet(root / f"{YEAR_PREFIX}*" / "*.parquet", hive_partitioning=True)
    return frame.with_columns(pl.col("report_year").cast(pl.Int32)).select(list(STATISTICS_SCHEMA))


def combine_quarantine(layout: WarehouseLayout, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """All stages' quarantine rows in one frame, in stage order."""
    parts = [
        pl.read_parquet(layout.quarantine_part(stage))
        for stage in ("documents", "reports", "statistics")
        if layout.quarantine_part(stage).exists()
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)
