"""Stage 4: the DuckDB warehouse, built from the Parquet outputs by the SQL in `sql/`."""

import dagster as dg

from pipeline.defs.partitions import FORCE_TAG, MODE_TAG
from pipeline.defs.resources import PipelineStorage
from pipeline.publish import publish_warehouse
from pipeline.versions import warehouse_version

# Every writer of warehouse.duckdb runs in this pool; its limit is 1 (see dagster.yaml), and a
# lock file serialises publishers that do not share a Dagster instance.
DUCKDB_POOL = "duckdb_writer"


@dg.asset(
    deps=["reconciliation", "statistics", "reports"],
    group_name="reports_pipeline",
    kinds={"duckdb"},
    code_version=warehouse_version(),
    pool=DUCKDB_POOL,
)
def warehouse(context: dg.AssetExecutionContext, storage: PipelineStorage) -> dg.MaterializeResult:
    """`warehouse.duckdb`: reports, sections, statistics, prose figures, reconciliation,
    quarantine, runs, the metric catalogue and the marts of `sql/marts/`.

    Grain: see each table's comment. Built into a temporary file and renamed into place, so a
    reader never sees a half-built warehouse; rebuilt only when an input changed (otherwise
    only the `runs` table is refreshed). Each run adds its row to `runs`.
    """
    tags = context.run.tags
    result = publish_warehouse(
        storage.layout,
        context.run.run_id,
        mode=tags.get(MODE_TAG, "dagster"),
        force=tags.get(FORCE_TAG, "").lower() == "true",
        sql_dir=storage.sql_path,
    )
    context.log.info(
        "warehouse %s at %s",
        "rebuilt" if result.rebuilt else "unchanged (runs refreshed)",
        storage.layout.database,
    )
    run = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in result.run.items()}
    return dg.MaterializeResult(
        metadata={
            "path": str(storage.layout.database),
            "rebuilt": result.rebuilt,
            "row_counts": dg.MetadataValue.json(result.counts),
            "run": dg.MetadataValue.json(run),
            "files_parsed": run["files_parsed"],
            "dagster/row_count": result.counts.get("statistics", 0),
            "reports": run["reports"],
            "quarantined": run["quarantined"],
            "rule_failures": run["rule_failures"],
            "tables": dg.MetadataValue.md(
                "| table | rows |\n| --- | --- |\n"
                + "\n".join(f"| {name} | {n:,} |" for name, n in sorted(result.counts.items()))
            ),
        }
    )
