"""The inspectors' copied-figures rule (issue 16): a table, or an article-20 item, identical
cell for cell to the one in the agency's previous report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import polars as pl

from pipeline.catalogue import metrics
from pipeline.reconcile.catalogue import Kind, Rule, Spec, register
from pipeline.reconcile.columns import exact_integer, order_free, settle
from pipeline.reconcile.figures import Figures
from pipeline.reconcile.readings import Reading, ReportReadings, RuleResult, result


def _copy_groups(spec: Spec, readings: ReportReadings) -> dict[str, dict[tuple[str, str], Reading]]:
    """A report's table figures by the groups the copied-figures rule compares."""
    groups: dict[str, dict[tuple[str, str], Reading]] = defaultdict(dict)
    by_table = {g["table"]: g["by"] for g in spec["groups"]}
    for key, reading in readings.table.items():
        by = by_table.get(reading.table_kind)
        if by is None:
            continue
        name = reading.table_kind if by == "table" else ".".join(reading.metric.split(".")[:2])
        groups[name][key] = reading
    return groups


def check_copied(rule: Rule, current: ReportReadings, earlier: ReportReadings) -> list[RuleResult]:
    """A table (or article-20 item) identical, cell for cell, to the agency's previous year's.

    All-zero tables are not flagged (an agency with nothing to report prints zeros every
    year), nor a group with fewer than `min_nonzero` non-zero figures.
    """
    spec = rule.spec
    minimum = int(spec["min_nonzero"])
    now, before = _copy_groups(spec, current), _copy_groups(spec, earlier)
    results = []
    for name in sorted(now.keys() & before.keys()):
        cells, previous = now[name], before[name]
        operands = sorted(cells.values(), key=lambda r: r.line)
        total_now = sum(r.value or 0.0 for r in cells.values())
        total_before = sum(r.value or 0.0 for r in previous.values())
        identical = cells.keys() == previous.keys() and all(
            cells[key].kind == previous[key].kind and cells[key].value == previous[key].value
            for key in cells
        )
        nonzero = sum(1 for r in cells.values() if r.kind == "number" and r.value)
        if identical and nonzero >= minimum:
            status = "fail"
            before_lines = sorted({r.line for r in previous.values()})
            detail = (
                f"all {len(cells)} figures of {name} equal those of {earlier.report_year} "
                f"({earlier.report_id}, lines {', '.join(map(str, before_lines))}): "
                "copied from the previous year's report?"
            )
        else:
            status = "pass"
            detail = None
            if identical:
                detail = f"identical to {earlier.report_year}, but only {nonzero} non-zero figures"
        results.append(
            result(
                current,
                rule.id,
                name,
                "total",
                operands,
                status,
                sides=(total_now, total_before),
                detail=detail,
                other_report_id=earlier.report_id,
            )
        )
    return results


def _group_cells(spec: Spec, table: pl.DataFrame) -> pl.DataFrame:
    """`_copy_groups` column-wise: the table figures of the groups compared, with `group`."""
    by_table = {str(g["table"]): str(g["by"]) for g in spec["groups"]}
    by = pl.col("table_kind").replace_strict(by_table, default=None, return_dtype=pl.String())
    return table.filter(by.is_not_null()).with_columns(
        group=pl.when(by == "table")
        .then(pl.col("table_kind"))
        .otherwise(pl.col("metric").str.split(".").list.slice(0, 2).list.join("."))
    )


def frame_copied(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_copied` column-wise: every pair's groups, unless a side's sum depends on the
    order of addition (`order_free`; a figure printed empty adds 0), which leaves the report
    to the check."""
    spec = rule.spec
    pairs = figures.pairs
    inexact = (~exact_integer(pl.col("value").fill_null(0.0))).sum()
    now = (
        _group_cells(spec, figures.table.with_row_index("position"))
        .join(pairs.drop("report_year"), on="report_id", how="inner")
        .select(
            "report_id",
            "report_year",
            "other_report_id",
            "other_report_year",
            "group",
            "metric",
            "dimension",
            "value",
            "value_kind",
            "source_line",
            "position",
        )
    )
    before = (
        _group_cells(spec, figures.earlier)
        .rename({"report_id": "other_report_id"})
        .join(pairs.select("report_id", "other_report_id"), on="other_report_id", how="inner")
        .select("report_id", "group", "metric", "dimension", "value", "value_kind", "source_line")
    )
    key = ["report_id", "group"]
    cells = ["report_id", "group", "metric", "dimension"]
    same = (
        now.join(before, on=cells, how="inner", suffix="_before")
        .filter(
            (pl.col("value_kind") == pl.col("value_kind_before"))
            & pl.col("value").eq_missing(pl.col("value_before"))
        )
        .group_by(key)
        .agg(same=pl.len())
    )
    sides_now = (
        now.sort("report_id", "group", "source_line", "position")
        .group_by(key, maintain_order=True)
        .agg(
            pl.col("report_year", "other_report_id", "other_report_year").first(),
            cells=pl.len(),
            lhs=pl.col("value").fill_null(0.0).sum() + 0.0,
            nonzero=((pl.col("value_kind") == "number") & (pl.col("value").fill_null(0.0) != 0))
            .fill_null(False)
            .sum(),
            metrics=pl.col("metric"),
            source_lines=pl.col("source_line"),
            inexact=inexact,
        )
    )
    sides_before = before.group_by(key).agg(
        cells_before=pl.len(),
        rhs=pl.col("value").fill_null(0.0).sum() + 0.0,
        lines_before=pl.col("source_line").unique().sort(),
        inexact_before=inexact,
    )
    identical = (pl.col("same").fill_null(0) == pl.col("cells")) & (
        pl.col("cells") == pl.col("cells_before")
    )
    copied = identical & (pl.col("nonzero") >= int(spec["min_nonzero"]))
    scored = (
        sides_now.join(sides_before, on=key, how="inner")
        .join(same, on=key, how="left")
        .select(
            "report_id",
            "report_year",
            pl.col("group").alias("subject"),
            pl.lit("total").alias("dimension"),
            pl.when(copied).then(pl.lit("fail")).otherwise(pl.lit("pass")).alias("status"),
            "lhs",
            "rhs",
            (pl.col("lhs") - pl.col("rhs")).alias("delta"),
            "metrics",
            "source_lines",
            "other_report_id",
            pl.when(copied)
            .then(
                pl.format(
                    "all {} figures of {} equal those of {} ({}, lines {}): "
                    "copied from the previous year's report?",
                    pl.col("cells"),
                    pl.col("group"),
                    pl.col("other_report_year"),
                    pl.col("other_report_id"),
                    pl.col("lines_before").cast(pl.List(pl.String())).list.join(", "),
                )
            )
            .when(identical)
            .then(
                pl.format(
                    "identical to {}, but only {} non-zero figures",
                    pl.col("other_report_year"),
                    pl.col("nonzero"),
                )
            )
            .alias("detail"),
            (
                order_free(pl.col("cells"), pl.col("inexact"))
                & order_free(pl.col("cells_before"), pl.col("inexact_before"))
            ).alias("plain"),
        )
    )
    return settle(rule, scored, pl.col("plain"))


def _copied_subjects(spec: Spec) -> Iterable[str]:
    by_item = {g["table"] for g in spec["groups"] if g["by"] == "item"}
    yield from (g["table"] for g in spec["groups"])
    for code, metric in metrics().items():
        if metric.table in by_item:
            yield ".".join(code.split(".")[:2])


def _copied_metrics(spec: Spec) -> Iterable[str]:
    tables = {group["table"] for group in spec["groups"]}
    return (code for code, metric in metrics().items() if metric.table in tables)


register(
    Kind(
        "copied_table",
        "agency_years",
        check_copied,
        subjects=_copied_subjects,
        earlier_metrics=_copied_metrics,
        frame_check=frame_copied,
    )
)
