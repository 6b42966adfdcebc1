"""Every rule evaluated report by report, through each kind's `check` only: the reference the
column-wise evaluation of `reconcile` must equal, row for row."""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from pipeline.reconcile import (
    KINDS,
    ReportIdentity,
    RuleCatalogue,
    RuleResult,
    collect_readings,
    load_rules,
    previous_reports,
    results_frame,
    series_key,
)


def reconcile_report_by_report(
    statistics: pl.DataFrame,
    prose_figures: pl.DataFrame,
    reports: pl.DataFrame,
    years: Collection[int] | None = None,
    sections: pl.DataFrame | None = None,
    quarantine: pl.DataFrame | None = None,
    catalogue: RuleCatalogue | None = None,
) -> pl.DataFrame:
    """`reconcile`'s rows, each rule's `check` on every report's readings (and every pair of
    consecutive reports of one agency), in no particular order."""
    catalogue = catalogue or load_rules()
    by_report = collect_readings(statistics, prose_figures, reports, sections, quarantine)
    chosen = {
        report_id
        for report_id, readings in by_report.items()
        if years is None or readings.report_year in years
    }
    results: list[RuleResult] = []
    for report_id in chosen:
        for rule in catalogue.of_scope("report"):
            results.extend(KINDS[rule.kind].check(rule, by_report[report_id]))  # type: ignore[call-arg]
    agency_ids = (
        reports.get_column("agency_id").to_list()
        if "agency_id" in reports.columns
        else [None] * reports.height
    )
    identities = [
        ReportIdentity(report_id, int(year), series_key(agency_id, agency, source_file), region)
        for (report_id, year, agency, source_file, region), agency_id in zip(
            reports.select(
                "report_id", "report_year", "agency", "source_file", "region"
            ).iter_rows(),
            agency_ids,
            strict=True,
        )
    ]
    for report_id, earlier_id in previous_reports(identities).items():
        if report_id not in chosen:
            continue
        for rule in catalogue.of_scope("agency_years"):
            results.extend(
                KINDS[rule.kind].check(rule, by_report[report_id], by_report[earlier_id])  # type: ignore[call-arg]
            )
    return results_frame(results)


def as_sorted_rows(results: pl.DataFrame) -> list[tuple]:
    """The rows of a results frame in one order, to compare two frames as multisets."""
    return sorted(
        results.iter_rows(),
        key=lambda row: tuple((value is None, repr(value)) for value in row),
    )
