"""Stage 3: the reconciliation rules (勾稽关系) on every report and every agency's years."""

from collections.abc import Iterator

import dagster as dg

from pipeline.defs.contracts import contract_result, validate_contract
from pipeline.defs.resources import PipelineStorage
from pipeline.frames import ReportArithmeticFrame
from pipeline.publish import now, record_step
from pipeline.reconcile import FAILED
from pipeline.stages.reconciliation import update_reconciliation
from pipeline.storage import scan_table
from pipeline.versions import reconcile_version

MAX_FAILURES_SHOWN = 50


@dg.asset(
    deps=["reports", "statistics"],
    group_name="reports_pipeline",
    kinds={"python", "parquet"},
    code_version=reconcile_version(),
    check_specs=[
        dg.AssetCheckSpec("reconciliation_contract", asset="reconciliation", blocking=True),
        dg.AssetCheckSpec("reports_arithmetic", asset="reconciliation", blocking=False),
    ],
)
def reconciliation(
    context: dg.AssetExecutionContext, storage: PipelineStorage
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Every reconciliation rule evaluated on the figures as printed (schemas/rules.yaml).

    Grain: one row per rule evaluation (report, rule, subject metric, dimension) with status
    pass / fail / not_assessable, both sides, the difference and the figures involved, in
    `parquet/reconciliation/report_year=YYYY/`. Cross-year rules name the earlier report in
    `other_report_id`. A year is evaluated again only when its partition or the year before's
    changed. A failing rule is data about the report (a WARN check), not an error.
    """
    started = now()
    layout = storage.layout
    summary = update_reconciliation(layout, workers=storage.worker_count)
    record_step(
        layout,
        context.run.run_id,
        "reconciliation",
        {"started_at": started.isoformat(), "years_written": summary.years_written},
    )
    # Summaries stream over the stored years: only the failing evaluations are loaded.
    results = scan_table(layout, "reconciliation")
    by_status = dict(results.group_by("status").len().sort("status").collect().iter_rows())
    evaluations = sum(by_status.values())
    failures = results.filter(FAILED).collect()
    context.log.info(
        "reconciliation: %d years evaluated, %d unchanged; %s",
        len(summary.years_written),
        len(summary.years_skipped),
        by_status,
    )
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": evaluations,
            "rule_failures": failures.height,
            "evaluations": evaluations,
            "years_evaluated": dg.MetadataValue.json(summary.years_written),
            "by_status": dg.MetadataValue.json(by_status),
            "failures_by_rule": dg.MetadataValue.json(
                dict(failures.group_by("rule").len().sort("rule").iter_rows())
            ),
            "reports_failing": failures["report_id"].n_unique(),
        }
    )
    yield contract_result(
        "reconciliation", "reconciliation_contract", summary.contract_errors, evaluations
    )
    # Only failing rows can break this contract, so checking them gives the same verdict.
    verdict = validate_contract(ReportArithmeticFrame, failures, dg.AssetCheckSeverity.WARN)
    shown = (
        failures.head(MAX_FAILURES_SHOWN)
        .select("report_id", "rule", "subject", "dimension", "lhs", "rhs", "delta", "detail")
        .to_dicts()
    )
    yield dg.AssetCheckResult(
        asset_key="reconciliation",
        check_name="reports_arithmetic",
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{failures.height} rule evaluation(s) fail in "
        f"{failures['report_id'].n_unique()} report(s)",
        metadata={
            "failures": dg.MetadataValue.json(shown),
            "failure_count": failures.height,
            "evaluations": evaluations,
        },
    )
