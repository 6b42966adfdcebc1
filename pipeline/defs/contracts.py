"""Running a Pandera contract inside a Dagster asset check."""

from __future__ import annotations

import dagster as dg
import pandera.errors
import pandera.polars as pa
import polars as pl

MAX_FAILURES_SHOWN = 20


def validate_contract(
    model: type[pa.DataFrameModel],
    frame: pl.DataFrame,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetCheckResult:
    """Validate lazily (every failure at once) and put the failure cases in the metadata."""
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        shown = cases.head(MAX_FAILURES_SHOWN).select(pl.all().cast(pl.String)).to_dicts()
        return dg.AssetCheckResult(
            passed=False,
            severity=severity,
            description=f"{model.__name__}: {cases.height} failure case(s)",
            metadata={
                "failure_cases": dg.MetadataValue.json(shown),
                "failure_count": cases.height,
                "rows": frame.height,
            },
        )
    return dg.AssetCheckResult(passed=True, metadata={"rows": frame.height})


def contract_result(asset: str, check: str, errors: list[str], rows: int) -> dg.AssetCheckResult:
    """The verdict of a contract a stage validated before writing (errors: its breaches)."""
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=check,
        passed=not errors,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(errors)[:2000] if errors else None,
        metadata={"failures": dg.MetadataValue.json(errors[:MAX_FAILURES_SHOWN]), "rows": rows},
    )
