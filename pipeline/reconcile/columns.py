"""Rules evaluated column-wise over the frames of many reports (`Figures`).

Every kind has a `frame_check` that settles here, with Polars expressions, the results it can
give exactly as its report-by-report `check` gives them: for the arithmetic and prose kinds,
the plain passes (every operand printed as an exact number, the sides equal); for the
inspectors' kinds, the facts of the report (every outcome of the timeliness rule, the contents
and tables found). A report with anything else for a rule (a missing operand, a dash, an
approximate figure, a break and its hint, a content not found) is left to the kind's `check`,
report by report, with every row of it for that rule, so the two give the same rows.

Sums are the same floats as the check's: a side of named operands is added in the check's
order from 0.0; a side gathered by a group (children, parts, a table's cells) is settled here
only when its sum does not depend on the order of addition (`order_free`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

import polars as pl

from pipeline.model import RECONCILIATION_SCHEMA
from pipeline.reconcile.catalogue import Rule
from pipeline.reconcile.readings import children

OPERAND_FIELDS = ("metric", "value", "value_kind", "qualifier", "source_line")
NO_ROWS = pl.DataFrame(schema=RECONCILIATION_SCHEMA)
# Results that compare facts of a report rather than printed figures (the inspectors' kinds)
# name no metric, and some no line.
NO_METRICS = pl.lit([], pl.List(pl.String()))
NO_LINES = pl.lit([], pl.List(pl.Int32()))


def first_printings(statistics: pl.DataFrame, selected: pl.DataFrame) -> pl.DataFrame:
    """The table figures of the selected reports (report_id, report_year), the first printing
    of each (report, metric, dimension) only, as the report-by-report readings keep them."""
    # The selected reports' rows first: whole reports drop out, so the first printing of
    # every key that stays is the same, and the rest is done on fewer rows.
    wanted = pl.col("report_id").is_in(selected.get_column("report_id").unique().implode())
    return (
        statistics.lazy()
        .filter(wanted & (pl.col("table_kind") != "prose"))
        .select("report_id", "metric", "dimension", "table_kind", *OPERAND_FIELDS[1:])
        .unique(["report_id", "metric", "dimension"], keep="first", maintain_order=True)
        .join(selected.lazy(), on="report_id", how="inner", maintain_order="left")
        .collect()
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


def is_plain(value: pl.Expr, value_kind: pl.Expr, qualifier: pl.Expr) -> pl.Expr:
    """A figure the check compares as printed: an exact number (never NULL: a figure not
    printed is not plain)."""
    return ((value_kind == "number") & (qualifier == "exact") & value.is_not_null()).fill_null(
        False
    )


def plain_operand(name: str) -> pl.Expr:
    """`is_plain` for the operand fields prefixed with `name`."""
    return is_plain(
        pl.col(f"{name}_value"), pl.col(f"{name}_value_kind"), pl.col(f"{name}_qualifier")
    )


def _fold(names: Sequence[str], signs: Sequence[int] | None = None) -> pl.Expr:
    signed = zip(names, signs or [1] * len(names), strict=True)
    return reduce(
        lambda total, item: (
            total + pl.col(f"{item[0]}_value")
            if item[1] == 1
            else total - pl.col(f"{item[0]}_value")
        ),
        signed,
        pl.lit(0.0, pl.Float64),
    )


def plain_passes(
    rule: Rule,
    base: pl.DataFrame,
    lhs: Sequence[str],
    rhs: Sequence[str],
    *,
    rhs_signs: Sequence[int] | None = None,
) -> tuple[pl.DataFrame, set[str]]:
    """The results of the rows of `base` that are plain passes, and the reports with a row
    that is not (left to the report-by-report check, with every row of theirs for the rule).

    `base`: one row per result with `report_id`, `report_year`, `subject`, `dimension`
    (and `other_report_id` for a rule across years) and, for each operand name of `lhs` and
    `rhs`, its fields (`operand`), null when not printed. Each side is added in the order
    given, from 0.0, as the check adds it (`rhs_signs`: +1 or -1 for each operand of `rhs`).
    """
    names = [*lhs, *rhs]
    plain = pl.all_horizontal(*(plain_operand(name) for name in names))
    scored = base.with_columns(lhs=_fold(lhs), rhs=_fold(rhs, rhs_signs)).with_columns(
        delta=pl.col("lhs") - pl.col("rhs")
    )
    return settle(
        rule,
        scored.with_columns(
            metrics=pl.concat_list([f"{name}_metric" for name in names]),
            source_lines=pl.concat_list([f"{name}_source_line" for name in names]),
        ),
        plain & (pl.col("delta").abs() <= rule.tolerance),
    )


def settle(
    rule: Rule, scored: pl.DataFrame, settled: pl.Expr, others: set[str] | None = None
) -> tuple[pl.DataFrame, set[str]]:
    """The results of the rows of `scored` for which `settled` holds, unless their report has
    a row for which it does not (or is one of `others`): those reports are left to the check.
    """
    flag = settled.fill_null(False)
    left = set(scored.filter(~flag).get_column("report_id").to_list()) | (others or set())
    kept = scored.filter(flag & ~pl.col("report_id").is_in(sorted(left)))
    return results(rule, kept), left


def exact_integer(value: pl.Expr) -> pl.Expr:
    """A figure whose sums are exact in any order: an integer well within a float's range."""
    return value.is_not_null() & (value == value.floor()) & (value.abs() < 2.0**40)


def order_free(figures: pl.Expr, inexact: pl.Expr) -> pl.Expr:
    """A sum of `figures` figures, `inexact` of them not exact integers, that is the same
    float in any order of addition (from 0.0): at most two figures, or only exact integers."""
    return (figures <= 2) | (inexact == 0)


def results(rule: Rule, settled: pl.DataFrame) -> pl.DataFrame:
    """Results as a frame of RECONCILIATION_SCHEMA, from `report_id`, `report_year`,
    `subject`, `dimension`, `lhs`, `rhs`, `delta`, and `metrics` and `source_lines` as the
    operands' lists in the order compared (made unique here, lines sorted). `status` is
    `pass`, `other_report_id` and `detail` NULL, unless the frame has them."""

    def given(name: str, default: pl.Expr) -> pl.Expr:
        return pl.col(name) if name in settled.columns else default.alias(name)

    frame = settled.select(
        "report_id",
        "report_year",
        pl.lit(rule.id).alias("rule"),
        "subject",
        "dimension",
        given("status", pl.lit("pass")),
        "lhs",
        "rhs",
        "delta",
        pl.col("metrics").list.unique(maintain_order=True),
        pl.col("source_lines").list.unique().list.sort(),
        given("other_report_id", pl.lit(None, pl.String)),
        given("detail", pl.lit(None, pl.String)),
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in RECONCILIATION_SCHEMA.items()])


def expansions(table: pl.DataFrame, start: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame:
    """The printed figures that make up each `node` of `start`, found as
    `ReportReadings.expand` finds them: a node printed is itself, a node not printed is
    replaced by its children, level by level (the catalogue's parent codes).

    `start`: the columns `key` (the first of them `report_id`, one of them `dimension`),
    `node` and `path` (a string; each level appends the child's place among its siblings, so
    that sorting by `path` gives the order `expand` gives). Returns one row per figure found,
    with `key`, `node`, `path`, the figure's `value`, `value_kind`, `qualifier`,
    `source_line`, and `leaf` (True) or, for a node neither printed nor with children, one
    row with `leaf` False and the figure's fields NULL.
    """
    codes = children()
    edges = pl.DataFrame(
        [(node, child, f"{i:03d}") for node, kids in codes.items() for i, child in enumerate(kids)],
        schema={"node": pl.String(), "child": pl.String(), "step": pl.String()},
        orient="row",
    )
    printed = table.select(
        "report_id",
        pl.col("metric").alias("node"),
        "dimension",
        "value",
        "value_kind",
        "qualifier",
        "source_line",
        pl.lit(True).alias("leaf"),
    )
    on = ["report_id", "node", "dimension"]
    frontier = start.select(*key, "node", "path")
    found = []
    while frontier.height:
        looked = frontier.join(printed, on=on, how="left")
        found.append(looked.filter(pl.col("leaf").fill_null(False)))
        unprinted = looked.filter(pl.col("leaf").is_null()).select(*key, "node", "path")
        found.append(
            unprinted.join(edges, on="node", how="anti").with_columns(
                *(pl.lit(None, printed.schema[name]).alias(name) for name in printed.columns[3:-1]),
                leaf=pl.lit(False),
            )
        )
        frontier = unprinted.join(edges, on="node", how="inner").select(
            *key, pl.col("child").alias("node"), pl.col("path") + pl.col("step")
        )
    columns = [*key, "node", "path", *printed.columns[3:]]
    empty = start.head(0).select(*key, "node", "path").join(printed, on=on, how="left")
    return pl.concat([frame.select(columns) for frame in [empty.select(columns), *found]])
