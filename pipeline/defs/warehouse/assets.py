"""Stage 4: the DuckDB warehouse, built from the Parquet outputs by the SQL in `sql/`."""

import dagster as dg

from pipeline.defs.reconciliation.assets import reconciliation
from pipeline.defs.resources import PipelineStorage
from pipeline.defs.statistics.assets import statistics
from pipeline.model import QUARANTINE_SCHEMA
from pipeline.storage import combine_quarantine, write_parquet_atomic
from pipeline.warehouse import build_warehouse


@dg.asset(deps=[statistics, reconciliation], group_name="reports_pipeline", kinds={"duckdb"})
def warehouse(context: dg.AssetExecutionContext, storage: PipelineStorage) -> dg.MaterializeResult:
    """`warehouse.duckdb`: reports, sections, statistics, prose figures, reconciliation,
    quarantine, the metric catalogue and the marts of `sql/marts/`.

    Grain: see each table's comment. Built into a temporary file and renamed into place, so a
    reader never sees a half-built warehouse.
    """
    layout = storage.layout
    write_parquet_atomic(
        combine_quarantine(layout, QUARANTINE_SCHEMA), layout.file("quarantine.parquet")
    )
    counts = build_warehouse(layout.parquet, layout.database)
    context.log.info("warehouse built at %s", layout.database)
    return dg.MaterializeResult(
        metadata={
            "path": str(layout.database),
            "row_counts": dg.MetadataValue.json(counts),
        }
    )
