"""Rules across the consecutive years of one agency, and how its reports are linked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from pipeline.model import DIMENSIONS
from pipeline.reconcile.catalogue import Kind, Rule, Spec, register
from pipeline.reconcile.columns import NO_ROWS, operand, plain_passes
from pipeline.reconcile.figures import Figures
from pipeline.reconcile.readings import ReportReadings, RuleResult, evaluate, missing


@dataclass(frozen=True, slots=True)
class ReportIdentity:
    """What ties reports of different years to one agency."""

    report_id: str
    report_year: int
    series: str
    region: str | None


def series_key(agency_id: str | None, agency: str | None, source_file: str) -> str:
    """The canonical agency (`reports.agency_id`) when the text establishes it; else the
    agency as printed when the text names it; else the source file (one website, one agency).

    With the canonical agency, 天桥区 and 济南市天桥区 are one series, in one file or many.
    """
    if agency_id:
        return f"agency_id:{agency_id}"
    return f"agency:{agency}" if agency else f"file:{source_file}"


def _same_place(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a.endswith(b) or b.endswith(a)


def previous_reports(identities: Iterable[ReportIdentity]) -> dict[str, str]:
    """For each report, the report of the year before in the same series, when unambiguous."""
    by_series: dict[tuple[str, int], list[ReportIdentity]] = defaultdict(list)
    listed = list(identities)
    for identity in listed:
        by_series[(identity.series, identity.report_year)].append(identity)
    previous = {}
    for identity in listed:
        candidates = [
            c
            for c in by_series.get((identity.series, identity.report_year - 1), [])
            if _same_place(c.region, identity.region)
        ]
        if len(candidates) == 1 and len(by_series[(identity.series, identity.report_year)]) == 1:
            previous[identity.report_id] = candidates[0].report_id
    return previous


def check_carry_over(
    rule: Rule, current: ReportReadings, earlier: ReportReadings
) -> list[RuleResult]:
    """上年结转 in year Y = 结转下年度继续办理 in year Y-1, per applicant column and total."""
    spec = rule.spec
    results = []
    for dimension in DIMENSIONS:
        now = current.table.get((spec["current"], dimension))
        before = earlier.table.get((spec["previous"], dimension))
        if now is None or before is None:
            continue
        results.append(
            evaluate(
                current,
                rule,
                spec["current"],
                dimension,
                [now],
                [before],
                other_report_id=earlier.report_id,
            )
        )
    return results


def check_stock(rule: Rule, current: ReportReadings, earlier: ReportReadings) -> list[RuleResult]:
    """In force in Y = in force in Y-1 + issued in Y - repealed in Y."""
    spec = rule.spec
    results = []
    for subject in spec["subjects"]:
        now = current.table.get((f"{subject}.in_force", "total"))
        before = earlier.table.get((f"{subject}.in_force", "total"))
        if now is None or before is None:
            continue
        issued = current.table.get((f"{subject}.issued", "total"))
        repealed = current.table.get((f"{subject}.repealed", "total"))
        if issued is None or repealed is None:
            results.append(
                missing(
                    current,
                    rule.id,
                    f"{subject}.in_force",
                    "total",
                    [now, before],
                    "issued or repealed is missing",
                )
            )
            continue
        results.append(
            evaluate(
                current,
                rule,
                f"{subject}.in_force",
                "total",
                [now],
                [before, issued, repealed],
                rhs_signs=[1, 1, -1],
                other_report_id=earlier.report_id,
            )
        )
    return results


def _printed(figures: pl.DataFrame, name: str, metric: str, dimensions: list[str]) -> pl.DataFrame:
    """The figures of `metric` at `dimensions` as the operand `name`, keyed by `report_id` and
    `dimension`."""
    return operand(
        figures.filter((pl.col("metric") == metric) & pl.col("dimension").is_in(dimensions)),
        name,
        pl.col("metric"),
        pl.col("dimension"),
    ).select("report_id", pl.col("key_dimension").alias("dimension"), pl.col(f"^{name}_.*$"))


def _of_earlier(printed: pl.DataFrame) -> pl.DataFrame:
    return printed.rename({"report_id": "other_report_id"})


def frame_carry_over(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_carry_over` column-wise: its plain passes over many pairs of reports at once."""
    spec = rule.spec
    dimensions = list(DIMENSIONS)
    base = (
        figures.pairs.join(
            _printed(figures.table, "now", str(spec["current"]), dimensions), on="report_id"
        )
        .join(
            _of_earlier(_printed(figures.earlier, "before", str(spec["previous"]), dimensions)),
            on=["other_report_id", "dimension"],
        )
        .with_columns(subject=pl.lit(str(spec["current"])))
    )
    return plain_passes(rule, base, ["now"], ["before"])


def frame_stock(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_stock` column-wise: its plain passes over many pairs of reports at once (a
    missing issued or repealed figure leaves the report to the check)."""
    total = ["total"]
    bases = []
    for subject in rule.spec["subjects"]:
        in_force = f"{subject}.in_force"
        base = (
            figures.pairs.join(_printed(figures.table, "now", in_force, total), on="report_id")
            .join(
                _of_earlier(_printed(figures.earlier, "before", in_force, total)),
                on=["other_report_id", "dimension"],
            )
            .join(
                _printed(figures.table, "issued", f"{subject}.issued", total),
                on=["report_id", "dimension"],
                how="left",
            )
            .join(
                _printed(figures.table, "repealed", f"{subject}.repealed", total),
                on=["report_id", "dimension"],
                how="left",
            )
            .with_columns(subject=pl.lit(in_force))
        )
        bases.append(base)
    if not bases:
        return NO_ROWS, set()
    return plain_passes(
        rule, pl.concat(bases), ["now"], ["before", "issued", "repealed"], rhs_signs=[1, 1, -1]
    )


register(
    Kind(
        "carry_over",
        "agency_years",
        check_carry_over,
        earlier_metrics=lambda spec: [spec["previous"]],
        frame_check=frame_carry_over,
    )
)


def _stock_metrics(spec: Spec) -> list[str]:
    return [f"{subject}.in_force" for subject in spec["subjects"]]


register(
    Kind(
        "stock",
        "agency_years",
        check_stock,
        earlier_metrics=_stock_metrics,
        frame_check=frame_stock,
    )
)
