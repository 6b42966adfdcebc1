"""The report's prose against itself and against its tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import polars as pl

from pipeline.reconcile.catalogue import Kind, Rule, register
from pipeline.reconcile.columns import exact_integer, expansions, is_plain, order_free, settle
from pipeline.reconcile.figures import Figures
from pipeline.reconcile.readings import Reading, ReportReadings, RuleResult, evaluate

PLAIN = is_plain(pl.col("value"), pl.col("value_kind"), pl.col("qualifier"))


def check_prose_parts(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """Prose: parts listed after a stated total sum to that total."""
    groups: dict[tuple[int, str], list[Reading]] = defaultdict(list)
    for reading in readings.prose:
        if reading.part_of:
            groups[(reading.line, reading.part_of)].append(reading)
    results = []
    for (line, total_metric), parts in groups.items():
        totals = [
            r
            for r in readings.prose
            if r.metric == total_metric and r.line <= line and not r.part_of
        ]
        if not totals:
            continue
        total = max(totals, key=lambda r: r.line)
        results.append(evaluate(readings, rule, total_metric, "total", [total], parts))
    return results


def check_prose_against_table(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """Prose: a figure stated in prose equals the same figure in the report's tables."""
    results = []
    for reading in readings.prose:
        table = readings.expand(reading.metric, reading.dimension)
        if not table or all(r.table_kind == "prose" for r in table):
            continue
        result = evaluate(readings, rule, reading.metric, reading.dimension, [reading], table)
        if result.status == "fail" and reading.note and reading.note.startswith("scope:"):
            # The prose speaks of a narrower body (区政府) than the table may cover (全区).
            result = replace(
                result,
                status="not_assessable",
                detail=(
                    f"the prose figure is about {reading.note.removeprefix('scope:').strip()}; "
                    f"the table may cover more (prose {reading.value:g}, table {result.rhs:g})"
                ),
            )
        results.append(result)
    return results


def frame_prose_parts(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_prose_parts` column-wise: its plain passes over many reports at once.

    The parts of one line that name the same total are a group; its total is the last figure
    of that metric stated on or before that line (the first stated, of several on one line)
    and not itself a part. Parts are added in the order printed: a group whose sum depends on
    that order (`order_free`) is left to the check.
    """
    prose = figures.prose
    a_part = pl.col("part_of").is_not_null() & (pl.col("part_of") != "")
    parts = prose.filter(a_part)
    groups = (
        parts.sort("position")
        .group_by("report_id", "report_year", "source_line", "part_of", maintain_order=True)
        .agg(
            rhs=pl.col("value").sum() + 0.0,
            parts=pl.len(),
            unplain=(~PLAIN).sum(),
            inexact=(~exact_integer(pl.col("value"))).sum(),
            part_metrics=pl.col("metric"),
            part_lines=pl.col("source_line"),
        )
    )
    totals = prose.filter(~a_part).select(
        "report_id",
        pl.col("metric").alias("part_of"),
        pl.col("source_line").alias("total_line"),
        "position",
        "value",
        plain=PLAIN,
    )
    scored = (
        groups.join(totals, on=["report_id", "part_of"], how="inner")
        .filter(pl.col("total_line") <= pl.col("source_line"))
        .sort("total_line", "position", descending=[True, False])
        .unique(["report_id", "source_line", "part_of"], keep="first", maintain_order=True)
        .select(
            "report_id",
            "report_year",
            pl.col("part_of").alias("subject"),
            pl.lit("total").alias("dimension"),
            (0.0 + pl.col("value")).alias("lhs"),
            "rhs",
            (0.0 + pl.col("value") - pl.col("rhs")).alias("delta"),
            pl.concat_list(pl.col("part_of"), pl.col("part_metrics")).alias("metrics"),
            pl.concat_list(pl.col("total_line"), pl.col("part_lines")).alias("source_lines"),
            "plain",
            "parts",
            "unplain",
            "inexact",
        )
    )
    passes = (
        pl.col("plain")
        & (pl.col("unplain") == 0)
        & order_free(pl.col("parts"), pl.col("inexact"))
        & (pl.col("delta").abs() <= rule.tolerance)
    )
    return settle(rule, scored, passes)


def frame_prose_against_table(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_prose_against_table` column-wise: its plain passes over many reports at once.

    The table side of a prose figure is the same metric and dimension as `expansions` finds
    it; a side whose sum depends on the order of addition (`order_free`) is left to the check.
    """
    stated = figures.prose.select(
        "report_id",
        "report_year",
        "position",
        pl.col("metric").alias("subject"),
        "dimension",
        pl.col("source_line").alias("prose_line"),
        (0.0 + pl.col("value")).alias("lhs"),
        plain=PLAIN,
    )
    key = ["report_id", "position", "dimension"]
    found = expansions(
        figures.table, stated.select(*key, pl.col("subject").alias("node"), path=pl.lit("")), key
    ).filter(pl.col("leaf"))
    sides = (
        found.sort([*key, "path"])
        .group_by(key, maintain_order=True)
        .agg(
            rhs=pl.col("value").sum() + 0.0,
            unplain=(~PLAIN).sum(),
            inexact=(~exact_integer(pl.col("value"))).sum(),
            table_metrics=pl.col("node"),
            table_lines=pl.col("source_line"),
        )
    )
    scored = stated.join(sides, on=key, how="inner").with_columns(
        delta=pl.col("lhs") - pl.col("rhs"),
        metrics=pl.concat_list(pl.col("subject"), pl.col("table_metrics")),
        source_lines=pl.concat_list(pl.col("prose_line"), pl.col("table_lines")),
    )
    passes = (
        pl.col("plain")
        & (pl.col("unplain") == 0)
        & order_free(pl.col("table_metrics").list.len(), pl.col("inexact"))
        & (pl.col("delta").abs() <= rule.tolerance)
    )
    return settle(rule, scored, passes)


register(Kind("prose_parts", "report", check_prose_parts, frame_check=frame_prose_parts))
register(
    Kind("prose_table", "report", check_prose_against_table, frame_check=frame_prose_against_table)
)
