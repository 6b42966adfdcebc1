"""The contracts of the reconciliation stage's output (rule ids and subjects from rules.yaml)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipeline.catalogue import metric_codes
from pipeline.frames.columns import contract_base
from pipeline.model import RECONCILIATION
from pipeline.reconcile import inspection_subjects, rules


class ReconciliationFrame(
    contract_base(
        RECONCILIATION,
        isin={
            "rule": sorted(rules()),
            "subject": sorted(metric_codes() | inspection_subjects()),
        },
    )
):
    """One row per rule evaluation; ids come from schemas/rules.yaml."""

    @pa.dataframe_check
    def assessed_rows_have_both_sides(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A pass or a fail carries lhs, rhs and delta; not_assessable carries a reason."""
        assessed = pl.col("status") != "not_assessable"
        sides = (
            pl.col("lhs").is_not_null()
            & pl.col("rhs").is_not_null()
            & pl.col("delta").is_not_null()
        )
        return data.lazyframe.select(
            pl.when(assessed).then(sides).otherwise(pl.col("detail").is_not_null())
        )


class ReportArithmeticFrame(pa.DataFrameModel):
    """The reports' own arithmetic holds: no rule evaluation fails.

    Validated with WARN severity: a failure here is data about a report, never a reason to
    stop the run. A view of the reconciliation table (its failures), not a table of its own.
    """

    report_id: str
    rule: str
    subject: str
    dimension: str
    status: str = pa.Field(notin=["fail"])
