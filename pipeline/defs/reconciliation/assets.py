"""Stage 3b: the reconciliation rules (勾稽关系) on every report and every agency's years."""

import dagster as dg

from pipeline.defs.reports.assets import reports
from pipeline.defs.resources import PipelineStorage
from pipeline.defs.statistics.assets import statistics
from pipeline.model import REPORTS_SCHEMA, STATISTICS_SCHEMA
from pipeline.reconcile import FAILED, reconcile
from pipeline.storage import read_parquet, read_statistics, write_parquet_atomic


@dg.asset(deps=[reports, statistics], group_name="reports_pipeline", kinds={"python", "parquet"})
def reconciliation(
    context: dg.AssetExecutionContext, storage: PipelineStorage
) -> dg.MaterializeResult:
    """Every reconciliation rule evaluated on the figures as printed (schemas/rules.yaml).

    Grain: one row per rule evaluation (report, rule, subject metric, dimension) with status
    pass / fail / not_assessable, both sides, the difference and the figures involved. Cross-year
    rules name the earlier report in `other_report_id`. Written to
    `parquet/reconciliation.parquet`. A failing rule is data about the report, not an error.
    """
    layout = storage.layout
    frame = reconcile(
        read_statistics(layout.statistics),
        read_parquet(layout.file("prose_figures.parquet"), STATISTICS_SCHEMA),
        read_parquet(layout.file("reports.parquet"), REPORTS_SCHEMA),
    )
    write_parquet_atomic(frame, layout.file("reconciliation.parquet"))
    by_status = dict(frame.group_by("status").len().sort("status").iter_rows())
    failing = frame.filter(FAILED).group_by("rule").len().sort("rule")
    context.log.info("reconciliation: %s", by_status)
    return dg.MaterializeResult(
        metadata={
            "evaluations": frame.height,
            "by_status": dg.MetadataValue.json(by_status),
            "failures_by_rule": dg.MetadataValue.json(dict(failing.iter_rows())),
            "reports_failing": frame.filter(FAILED)["report_id"].n_unique(),
        }
    )
