"""Stage 5: the quality report, `report.html` in the warehouse directory, refreshed by every run.

Downstream of every model of the warehouse (the published DuckDB file, which it reads
read-only).
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from pipeline.defs.resources import PipelineStorage
from pipeline.defs.warehouse.assets import warehouse
from pipeline.report import publish_report
from pipeline.versions import report_version


@dg.asset(
    deps=[warehouse],
    group_name="reports_pipeline",
    kinds={"html"},
    code_version=report_version(),
    check_specs=[dg.AssetCheckSpec("report_contract", asset="report", blocking=True)],
)
def report(
    context: dg.AssetExecutionContext, storage: PipelineStorage
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """`report.html`: one self-contained page on the published warehouse: counts, requests and
    outcomes per year, rule failures by rule, reports by template per year, quarantine by
    reason, and every report whose failing rules link to the evaluations, with the source lines
    quoted from the raw directory.

    Grain: one page per warehouse, one table row per report. Rewritten by every run, beside
    its destination and renamed into place, so a reader never sees half a page.
    `python -m pipeline report` writes the same page on demand.
    """
    raw_dir = storage.raw_path if storage.raw_path.is_dir() else None
    path, data = publish_report(storage.layout.root, raw_dir, storage.layout.report)
    context.log.info("quality report written to %s", path)
    with duckdb.connect(str(storage.layout.database), read_only=True) as con:
        row = con.execute("select count(*) from reports").fetchone()
    in_warehouse = int(row[0]) if row else 0
    last_run = data.last_run or {}
    yield dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "reports": len(data.reports),
            "reports_consistent": data.consistent,
            "reports_with_rule_failures": len(data.reports) - data.consistent,
            "quarantined": data.quarantined_rows,
            "warehouse_run": str(last_run.get("run_id", "")),
            "bytes": path.stat().st_size,
        }
    )
    # The page lists every report of the warehouse it was built from.
    yield dg.AssetCheckResult(
        check_name="report_contract",
        passed=path.is_file() and len(data.reports) == in_warehouse,
        metadata={"reports_on_page": len(data.reports), "reports_in_warehouse": in_warehouse},
    )
