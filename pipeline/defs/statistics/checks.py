"""Contract of the statistics stage."""

import dagster as dg
import polars as pl

from pipeline.defs.contracts import validate_contract
from pipeline.defs.resources import PipelineStorage
from pipeline.defs.statistics.assets import statistics
from pipeline.model import STATISTICS_SCHEMA
from pipeline.storage import read_parquet
from schemas.frames import StatisticsFrame


def read_statistics(storage: PipelineStorage) -> pl.DataFrame:
    """All year partitions as one frame (report_year from the directory names)."""
    root = storage.layout.statistics
    if not any(root.glob("report_year=*/*.parquet")):
        return pl.DataFrame(schema=STATISTICS_SCHEMA)
    frame = pl.read_parquet(root / "**/*.parquet", hive_partitioning=True)
    return frame.with_columns(pl.col("report_year").cast(pl.Int32)).select(list(STATISTICS_SCHEMA))


@dg.asset_check(asset=statistics, blocking=True)
def statistics_contract(storage: PipelineStorage) -> dg.AssetCheckResult:
    """Catalogue metrics only, known dimensions and kinds, no negative counts, no duplicates."""
    return validate_contract(StatisticsFrame, read_statistics(storage))


@dg.asset_check(asset=statistics, blocking=True)
def prose_figures_contract(storage: PipelineStorage) -> dg.AssetCheckResult:
    """Prose readings obey the same contract as the statistics."""
    return validate_contract(
        StatisticsFrame,
        read_parquet(storage.layout.file("prose_figures.parquet"), STATISTICS_SCHEMA),
    )
