"""Checks of the reconciliation stage: the frame's contract (ERROR) and the reports' own
arithmetic (WARN: a report that breaks its rules is data, and the run goes on)."""

import dagster as dg
import polars as pl

from pipeline.defs.contracts import validate_contract
from pipeline.defs.reconciliation.assets import reconciliation
from pipeline.defs.resources import PipelineStorage
from pipeline.model import RECONCILIATION_SCHEMA
from pipeline.reconcile import FAILED
from pipeline.storage import read_parquet
from schemas.frames import ReconciliationFrame, ReportArithmeticFrame

MAX_FAILURES_SHOWN = 50


def _results(storage: PipelineStorage) -> pl.DataFrame:
    return read_parquet(storage.layout.file("reconciliation.parquet"), RECONCILIATION_SCHEMA)


@dg.asset_check(asset=reconciliation, blocking=True)
def reconciliation_contract(storage: PipelineStorage) -> dg.AssetCheckResult:
    """Known rule ids and statuses; a pass or fail has both sides and their difference."""
    return validate_contract(ReconciliationFrame, _results(storage))


@dg.asset_check(asset=reconciliation, blocking=False)
def reports_arithmetic(storage: PipelineStorage) -> dg.AssetCheckResult:
    """WARN when any report breaks one of its own reconciliation rules; lists the failures."""
    results = _results(storage)
    verdict = validate_contract(ReportArithmeticFrame, results, dg.AssetCheckSeverity.WARN)
    failures = results.filter(FAILED)
    shown = (
        failures.head(MAX_FAILURES_SHOWN)
        .select("report_id", "rule", "subject", "dimension", "lhs", "rhs", "delta", "detail")
        .to_dicts()
    )
    return dg.AssetCheckResult(
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{failures.height} rule evaluation(s) fail in "
        f"{failures['report_id'].n_unique()} report(s)",
        metadata={
            "failures": dg.MetadataValue.json(shown),
            "failure_count": failures.height,
            "evaluations": results.height,
        },
    )
