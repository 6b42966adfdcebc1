"""The inspectors' timeliness rule (issue 16): published by the statutory deadline.

It reads the report's metadata only (publication date, agency kind and level); the deadline
and the provision that sets it come from the rule's `regimes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from pipeline.reconcile.catalogue import Kind, Rule, Spec, register, rules
from pipeline.reconcile.columns import NO_LINES, NO_METRICS, results
from pipeline.reconcile.figures import Figures
from pipeline.reconcile.readings import ReportReadings, RuleResult, no_operands


def deadline_for(
    report_year: int,
    kind: str | None,
    level: str | None,
    regimes: Sequence[Spec] | None = None,
) -> tuple[dt.date, str] | None:
    """The publication deadline of a report and the provision that sets it; None when the
    report's regime needs a kind or level the text does not give (or sets no deadline).

    `regimes`: a timeliness rule's; by default those of inspection.timeliness."""
    if regimes is None:
        regimes = rules()["inspection.timeliness"]["regimes"]
    for regime in regimes:
        if "from_year" in regime and report_year < int(regime["from_year"]):
            continue
        if "until_year" in regime and report_year > int(regime["until_year"]):
            continue
        if "kind" in regime and kind != regime["kind"]:
            continue
        if "levels" in regime and level not in regime["levels"]:
            continue
        month, day = (int(part) for part in str(regime["deadline"]).split("-"))
        return dt.date(report_year + 1, month, day), str(regime["provision"])
    return None


def check_timeliness(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """Published by the statutory deadline (article 49 of 2019, article 31 of 2008)."""
    facts = readings.facts
    year = readings.report_year
    if facts.published_on is None:
        return [
            no_operands(
                readings, rule.id, "published_on", "not_assessable", detail="no publication date"
            )
        ]
    deadline = deadline_for(year, facts.agency_kind, facts.agency_level, rule.spec["regimes"])
    if deadline is None:
        return [
            no_operands(
                readings,
                rule.id,
                "published_on",
                "not_assessable",
                detail=(
                    f"published {facts.published_on.isoformat()}; the deadline depends on the "
                    "agency's kind and level, which the text does not establish "
                    f"(kind {facts.agency_kind or 'unknown'}, "
                    f"level {facts.agency_level or 'unknown'})"
                ),
            )
        ]
    due, provision = deadline
    year_end = dt.date(year, 12, 31)
    taken = float((facts.published_on - year_end).days)
    allowed = float((due - year_end).days)
    passed = taken <= allowed
    return [
        no_operands(
            readings,
            rule.id,
            "published_on",
            "pass" if passed else "fail",
            sides=(taken, allowed),
            detail=(
                f"published {facts.published_on.isoformat()}, deadline {due.isoformat()} "
                f"({provision})" + ("" if passed else f": {int(taken - allowed)} days late")
            ),
        )
    ]


def _iso(date: pl.Expr) -> pl.Expr:
    return date.dt.to_string("%Y-%m-%d")


def frame_timeliness(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_timeliness` column-wise: every report's result (it reads facts only)."""
    year = pl.col("report_year")
    kind, level, published = pl.col("agency_kind"), pl.col("agency_level"), pl.col("published_on")
    due: pl.Expr = pl.lit(None, pl.Date())
    provision: pl.Expr = pl.lit(None, pl.String())
    # the first regime that fits wins: chained from the last, each wraps the ones after it
    for regime in reversed(rule.spec["regimes"]):
        fits = pl.lit(True)
        if "from_year" in regime:
            fits = fits & (year >= int(regime["from_year"]))
        if "until_year" in regime:
            fits = fits & (year <= int(regime["until_year"]))
        if "kind" in regime:
            fits = fits & (kind == str(regime["kind"])).fill_null(False)
        if "levels" in regime:
            fits = fits & level.is_in(list(regime["levels"])).fill_null(False)
        month, day = (int(part) for part in str(regime["deadline"]).split("-"))
        due = pl.when(fits).then(pl.date(year + 1, month, day)).otherwise(due)
        provision = pl.when(fits).then(pl.lit(str(regime["provision"]))).otherwise(provision)
    year_end = pl.date(year, 12, 31)

    def unknown(fact: pl.Expr) -> pl.Expr:
        return pl.when(fact.is_null() | (fact == "")).then(pl.lit("unknown")).otherwise(fact)

    dated = figures.reports.with_columns(
        due=due,
        provision=provision,
        taken=(published - year_end).dt.total_days().cast(pl.Float64()),
    ).with_columns(allowed=(pl.col("due") - year_end).dt.total_days().cast(pl.Float64()))
    assessable = published.is_not_null() & pl.col("due").is_not_null()
    passed = pl.col("taken") <= pl.col("allowed")
    scored = dated.select(
        "report_id",
        "report_year",
        pl.lit("published_on").alias("subject"),
        pl.lit("total").alias("dimension"),
        pl.when(~assessable)
        .then(pl.lit("not_assessable"))
        .when(passed)
        .then(pl.lit("pass"))
        .otherwise(pl.lit("fail"))
        .alias("status"),
        pl.when(assessable).then(pl.col("taken")).alias("lhs"),
        pl.when(assessable).then(pl.col("allowed")).alias("rhs"),
        pl.when(assessable).then(pl.col("taken") - pl.col("allowed")).alias("delta"),
        NO_METRICS.alias("metrics"),
        NO_LINES.alias("source_lines"),
        pl.when(published.is_null())
        .then(pl.lit("no publication date"))
        .when(pl.col("due").is_null())
        .then(
            pl.format(
                "published {}; the deadline depends on the agency's kind and level, which the "
                "text does not establish (kind {}, level {})",
                _iso(published),
                unknown(kind),
                unknown(level),
            )
        )
        .otherwise(
            pl.format(
                "published {}, deadline {} ({}){}",
                _iso(published),
                _iso(pl.col("due")),
                pl.col("provision"),
                pl.when(passed)
                .then(pl.lit(""))
                .otherwise(
                    pl.format(
                        ": {} days late",
                        (pl.col("taken") - pl.col("allowed")).cast(pl.Int64()),
                    )
                ),
            )
        )
        .alias("detail"),
    )
    return results(rule, scored), set()


register(
    Kind(
        "timeliness",
        "report",
        check_timeliness,
        subjects=lambda spec: ["published_on"],
        frame_check=frame_timeliness,
    )
)
