"""Contract of the statistics stage."""

import dagster as dg

from pipeline.defs.contracts import validate_contract
from pipeline.defs.resources import PipelineStorage
from pipeline.defs.statistics.assets import statistics
from pipeline.model import STATISTICS_SCHEMA
from pipeline.storage import read_parquet, read_statistics
from schemas.frames import StatisticsFrame


@dg.asset_check(asset=statistics, blocking=True)
def statistics_contract(storage: PipelineStorage) -> dg.AssetCheckResult:
    """Catalogue metrics only, known dimensions and kinds, no negative counts, no duplicates."""
    return validate_contract(StatisticsFrame, read_statistics(storage.layout.statistics))


@dg.asset_check(asset=statistics, blocking=True)
def prose_figures_contract(storage: PipelineStorage) -> dg.AssetCheckResult:
    """Prose readings obey the same contract as the statistics."""
    return validate_contract(
        StatisticsFrame,
        read_parquet(storage.layout.file("prose_figures.parquet"), STATISTICS_SCHEMA),
    )
