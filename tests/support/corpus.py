"""Every table of a raw directory in memory, for the tests: the stages run into a throw-away
warehouse and their Parquet is read back."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from pipeline.model import DOCUMENTS_SCHEMA, QUARANTINE_SCHEMA
from pipeline.stages.inventory import update_inventory
from pipeline.stages.years import update_years
from pipeline.storage import WarehouseLayout, read_parquet, read_table
from pipeline.years import all_years

_ORDINAL = r"#(\d+)$"


def in_file_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows by file, then report ordinal; rows of one report in reading order (as stored)."""
    source = (
        pl.col("source_file")
        if "source_file" in frame.columns
        else pl.col("report_id").str.replace(_ORDINAL, "")
    )
    ordinal = pl.col("report_id").str.extract(_ORDINAL, 1).cast(pl.Int64).fill_null(0)
    return frame.sort([source, ordinal], maintain_order=True)


def parse_corpus(raw_dir: Path, *, workers: int = 1) -> dict[str, pl.DataFrame]:
    """The inventory and every year of `raw_dir`, parsed by the stages, all years together.

    Keys: documents, reports, sections, statistics, prose_figures, quarantine (the
    inventory's, then the statistics' in file order).
    """
    with tempfile.TemporaryDirectory(prefix="parse-corpus-") as folder:
        layout = WarehouseLayout(Path(folder))
        update_inventory(layout, raw_dir, workers=workers)
        update_years(layout, raw_dir, all_years(), workers=workers)
        tables = {
            table: in_file_order(read_table(layout, table))
            for table in ("reports", "sections", "statistics", "prose_figures")
        }
        return {
            "documents": read_parquet(layout.documents, DOCUMENTS_SCHEMA),
            **tables,
            "quarantine": pl.concat(
                [
                    read_parquet(layout.quarantine_part("documents"), QUARANTINE_SCHEMA),
                    in_file_order(read_table(layout, "quarantine/statistics")),
                ]
            ),
        }
