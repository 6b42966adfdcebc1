"""The arithmetic of one report's tables: balance, parent sums, row totals.

Parent sums follow the `parent` codes of the metric catalogue; the other two read their
operands from their spec.
"""

from __future__ import annotations

import polars as pl

from pipeline.model import DIMENSIONS
from pipeline.reconcile.catalogue import Kind, Rule, register
from pipeline.reconcile.columns import (
    exact_integer,
    expansions,
    is_plain,
    operand,
    order_free,
    plain_passes,
    settle,
)
from pipeline.reconcile.figures import Figures
from pipeline.reconcile.readings import (
    APPLICANT_COLUMNS,
    ReportReadings,
    RuleResult,
    children,
    evaluate,
    missing,
    result,
)


def check_balance(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """sum(lhs) = sum(rhs), per applicant column and total (requests.r1_balance: new +
    carried over = handled + carried forward). `subject` names the result's row."""
    spec = rule.spec
    subject = str(spec["subject"])
    results = []
    for dimension in spec.get("dimensions", DIMENSIONS):
        lhs = [readings.table.get((m, dimension)) for m in spec["lhs"]]
        rhs = [readings.table.get((m, dimension)) for m in spec["rhs"]]
        present = [r for r in (*lhs, *rhs) if r is not None]
        if not present:
            continue
        if len(present) < len(lhs) + len(rhs):
            results.append(
                missing(readings, rule.id, subject, dimension, present, "an operand row is missing")
            )
            continue
        results.append(
            evaluate(
                readings,
                rule,
                subject,
                dimension,
                [r for r in lhs if r],
                [r for r in rhs if r],
            )
        )
    return results


def check_parent_sums(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """A printed parent of the spec's `tables` equals the sum of its printed children.

    With `every_child_printed`, the template prints every child row: one that was not read (a
    row printed apart from its label, quarantined) leaves the sum unknown, not broken.
    """
    tables = set(rule.spec["tables"])
    every_child = bool(rule.spec.get("every_child_printed", False))
    results = []
    for (metric, dimension), parent in sorted(
        readings.table.items(), key=lambda item: item[1].line
    ):
        codes = children().get(metric)
        if parent.table_kind not in tables or not codes:
            continue
        parts = [readings.expand(child, dimension) for child in codes]
        summands = sorted((r for part in parts if part for r in part), key=lambda r: r.line)
        if not summands:
            continue
        if every_child and not all(readings.complete(child, dimension) for child in codes):
            results.append(
                result(
                    readings,
                    rule.id,
                    metric,
                    dimension,
                    [parent, *summands],
                    "not_assessable",
                    detail="an outcome row of the template was not read",
                )
            )
            continue
        results.append(evaluate(readings, rule, metric, dimension, [parent], summands))
    return results


def check_row_totals(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """In every row of the spec's `tables`, 总计 = the six applicant columns."""
    tables = set(rule.spec["tables"])
    results = []
    for (metric, dimension), total in readings.table.items():
        if dimension != "total" or total.table_kind not in tables:
            continue
        columns = [readings.table.get((metric, column)) for column in APPLICANT_COLUMNS]
        present = [c for c in columns if c is not None]
        if len(present) < len(columns):
            results.append(
                missing(
                    readings,
                    rule.id,
                    metric,
                    "total",
                    [total, *present],
                    "an applicant column is missing",
                )
            )
            continue
        results.append(evaluate(readings, rule, metric, "total", [total], present))
    return results


def frame_balance(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_balance` column-wise: its plain passes over many reports at once."""
    spec = rule.spec
    table = figures.table
    dimensions = list(spec.get("dimensions", DIMENSIONS))
    sides = {
        **{f"lhs{i}": metric for i, metric in enumerate(spec["lhs"])},
        **{f"rhs{i}": metric for i, metric in enumerate(spec["rhs"])},
    }
    in_rule = table.filter(
        pl.col("dimension").is_in(dimensions) & pl.col("metric").is_in(list(sides.values()))
    )
    base = in_rule.select("report_id", "report_year", "dimension").unique(maintain_order=True)
    base = base.with_columns(subject=pl.lit(str(spec["subject"])))
    for name, metric in sides.items():
        printed = operand(
            in_rule.filter(pl.col("metric") == metric), name, pl.col("metric"), pl.col("dimension")
        )
        base = base.join(
            printed.drop("key_metric"),
            left_on=["report_id", "dimension"],
            right_on=["report_id", "key_dimension"],
            how="left",
        )
    names = list(sides)
    return plain_passes(rule, base, names[: len(spec["lhs"])], names[len(spec["lhs"]) :])


def frame_parent_sums(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_parent_sums` column-wise: its plain passes over many reports at once.

    A parent's summands are its children as `expansions` finds them (a descendant neither
    printed nor with children adds nothing). A report whose sum would depend on the order of
    addition (`order_free`), or, with `every_child_printed`, where such a descendant leaves
    the sum not assessable, is left to the check.
    """
    table = figures.table
    codes = children()
    parents = table.filter(
        pl.col("table_kind").is_in(list(rule.spec["tables"])) & pl.col("metric").is_in(list(codes))
    ).rename({"metric": "subject"})
    key = ["report_id", "subject", "dimension"]
    edges = pl.DataFrame(
        [(node, child, f"{i:03d}") for node, kids in codes.items() for i, child in enumerate(kids)],
        schema={"node": pl.String(), "child": pl.String(), "path": pl.String()},
        orient="row",
    )
    first_children = parents.select(*key, pl.col("subject").alias("node")).join(
        edges, on="node", how="inner"
    )
    found = expansions(
        table, first_children.select(*key, pl.col("child").alias("node"), "path"), key
    )
    leaf = pl.col("leaf")
    plain = is_plain(pl.col("value"), pl.col("value_kind"), pl.col("qualifier"))
    sums = (
        found.sort([*key, "source_line", "path"], nulls_last=True)
        .group_by(key, maintain_order=True)
        .agg(
            rhs=pl.col("value").filter(leaf).sum() + 0.0,
            unplain=(~plain & leaf).sum(),
            inexact=(~exact_integer(pl.col("value")) & leaf).sum(),
            printed=leaf.sum(),
            unread=(~leaf).sum(),
            metrics=pl.col("node").filter(leaf),
            source_lines=pl.col("source_line").filter(leaf),
        )
        # a parent none of whose descendants is printed gives no row
        .filter(pl.col("printed") > 0)
    )
    scored = (
        parents.join(sums, on=key, how="inner")
        .with_columns(lhs=0.0 + pl.col("value"))
        .with_columns(delta=pl.col("lhs") - pl.col("rhs"))
        .with_columns(
            metrics=pl.concat_list(pl.col("subject"), pl.col("metrics")),
            source_lines=pl.concat_list(pl.col("source_line"), pl.col("source_lines")),
        )
    )
    complete = (
        pl.col("unread") == 0 if rule.spec.get("every_child_printed", False) else pl.lit(True)
    )
    passes = (
        is_plain(pl.col("value"), pl.col("value_kind"), pl.col("qualifier"))
        & (pl.col("unplain") == 0)
        & order_free(pl.col("printed"), pl.col("inexact"))
        & complete
        & (pl.col("delta").abs() <= rule.tolerance)
    )
    return settle(rule, scored, passes)


def frame_row_totals(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_row_totals` column-wise: its plain passes over many reports at once."""
    table = figures.table
    totals = table.filter(
        (pl.col("dimension") == "total") & pl.col("table_kind").is_in(list(rule.spec["tables"]))
    )
    base = operand(totals, "total", pl.col("metric"), pl.col("dimension")).join(
        totals.select("report_id", "report_year").unique(), on="report_id", how="left"
    )
    base = base.rename({"key_metric": "subject", "key_dimension": "dimension"})
    for column in APPLICANT_COLUMNS:
        printed = operand(
            table.filter(pl.col("dimension") == column), column, pl.col("metric"), pl.lit(column)
        )
        base = base.join(
            printed.drop("key_dimension"),
            left_on=["report_id", "subject"],
            right_on=["report_id", "key_metric"],
            how="left",
        )
    return plain_passes(rule, base, ["total"], list(APPLICANT_COLUMNS))


register(Kind("balance", "report", check_balance, frame_check=frame_balance))
register(Kind("parent_sum", "report", check_parent_sums, frame_check=frame_parent_sums))
register(Kind("row_total", "report", check_row_totals, frame_check=frame_row_totals))
