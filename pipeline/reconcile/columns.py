"""Rules evaluated column-wise over the long frame of many reports' table figures.

A kind with a `frame_check` settles here, with Polars expressions, every report whose results
for the rule are all plain passes (every operand printed as an exact number, the sides equal).
A report with anything else (a missing operand, a dash, an approximate figure, a break and its
hint) is left to the kind's `check`, report by report, so the two give the same rows. Sums
are folded left to right from 0.0 in the order the report-by-report check adds them, so every
lhs and rhs is the same float.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

import polars as pl

from pipeline.model import RECONCILIATION_SCHEMA
from pipeline.reconcile.catalogue import Rule

OPERAND_FIELDS = ("metric", "value", "value_kind", "qualifier", "source_line")


def first_printings(statistics: pl.DataFrame, selected: pl.DataFrame) -> pl.DataFrame:
    """The table figures of the selected reports (report_id, report_year), the first printing
    of each (report, metric, dimension) only, as the report-by-report readings keep them."""
    return (
        statistics.filter(pl.col("table_kind") != "prose")
        .select("report_id", "metric", "dimension", "table_kind", *OPERAND_FIELDS[1:])
        .unique(["report_id", "metric", "dimension"], keep="first", maintain_order=True)
        .join(selected, on="report_id", how="inner")
    )


def operand(table: pl.DataFrame, name: str, metric: pl.Expr, dimension: pl.Expr) -> pl.DataFrame:
    """The figures printed at (metric, dimension), their fields prefixed with `name`; the
    frame has the keys `report_id`, `key_metric` (the metric as the base row names it) and
    `key_dimension`."""
    return table.select(
        "report_id",
        metric.alias("key_metric"),
        dimension.alias("key_dimension"),
        *(pl.col(field).alias(f"{name}_{field}") for field in OPERAND_FIELDS),
    )


def _fold(names: Sequence[str]) -> pl.Expr:
    return reduce(
        lambda total, name: total + pl.col(f"{name}_value"), names, pl.lit(0.0, pl.Float64)
    )


def plain_passes(
    rule: Rule, base: pl.DataFrame, lhs: Sequence[str], rhs: Sequence[str]
) -> tuple[pl.DataFrame, set[str]]:
    """The results of the rows of `base` that are plain passes, and the reports with a row
    that is not (left to the report-by-report check, with every row of theirs for the rule).

    `base`: one row per result with `report_id`, `report_year`, `subject`, `dimension` and,
    for each operand name of `lhs` and `rhs`, its fields (`operand`), null when not printed.
    """
    names = [*lhs, *rhs]
    plain = pl.all_horizontal(
        *(
            (pl.col(f"{name}_value_kind") == "number")
            & (pl.col(f"{name}_qualifier") == "exact")
            & pl.col(f"{name}_value").is_not_null()
            for name in names
        )
    ).fill_null(False)
    scored = base.with_columns(lhs=_fold(lhs), rhs=_fold(rhs)).with_columns(
        delta=pl.col("lhs") - pl.col("rhs")
    )
    passes = plain & (pl.col("delta").abs() <= rule.tolerance)
    others = set(scored.filter(~passes).get_column("report_id").to_list())
    settled = scored.filter(passes & ~pl.col("report_id").is_in(sorted(others)))
    return pass_results(
        rule,
        settled.with_columns(
            metrics=pl.concat_list([f"{name}_metric" for name in names]),
            source_lines=pl.concat_list([f"{name}_source_line" for name in names]),
        ),
    ), others


def exact_integer(value: pl.Expr) -> pl.Expr:
    """A figure whose sums are exact in any order: an integer well within a float's range."""
    return value.is_not_null() & (value == value.floor()) & (value.abs() < 2.0**40)


def pass_results(rule: Rule, settled: pl.DataFrame) -> pl.DataFrame:
    """Passing results as a frame of RECONCILIATION_SCHEMA, from `report_id`, `report_year`,
    `subject`, `dimension`, `lhs`, `rhs`, `delta`, and `metrics` and `source_lines` as the
    operands' lists in the order compared (made unique here, lines sorted)."""
    frame = settled.select(
        "report_id",
        "report_year",
        pl.lit(rule.id).alias("rule"),
        "subject",
        "dimension",
        pl.lit("pass").alias("status"),
        "lhs",
        "rhs",
        "delta",
        pl.col("metrics").list.unique(maintain_order=True),
        pl.col("source_lines").list.unique().list.sort(),
        pl.lit(None, pl.String).alias("other_report_id"),
        pl.lit(None, pl.String).alias("detail"),
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in RECONCILIATION_SCHEMA.items()])
