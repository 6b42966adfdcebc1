"""Frames in, frame out: the reports' figures to readings, every rule of the catalogue on
them, the results as a frame of RECONCILIATION_SCHEMA."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

import polars as pl
import pyarrow as pa

from pipeline.model import RECONCILIATION_SCHEMA
from pipeline.reconcile.catalogue import (
    KINDS,
    PairCheck,
    ReportCheck,
    RuleCatalogue,
    load_rules,
)
from pipeline.reconcile.columns import first_printings
from pipeline.reconcile.cross_year import ReportIdentity, previous_reports, series_key
from pipeline.reconcile.readings import Reading, ReportFacts, ReportReadings, RuleResult


def _readings(frame: pl.DataFrame) -> Iterable[tuple[str, Reading]]:
    columns = [
        "metric",
        "dimension",
        "value",
        "value_kind",
        "qualifier",
        "source_line",
        "table_kind",
        "part_of",
        "note",
    ]
    # Whole columns to Python lists, then one tuple per row: far cheaper than iter_rows.
    report_ids = frame.get_column("report_id").to_list()
    values = [frame.get_column(name).to_list() for name in columns]
    yield from zip(report_ids, map(Reading._make, zip(*values, strict=True)), strict=True)


def report_facts(
    reports: pl.DataFrame,
    sections: pl.DataFrame | None = None,
    quarantine: pl.DataFrame | None = None,
) -> dict[str, ReportFacts]:
    """What the inspectors' rules read of each report: its metadata columns (when the frame
    has them), its section headings (when given) and whether rows of it were quarantined."""
    headings: Mapping[str, list[tuple[str, int]]] = defaultdict(list)
    if sections is not None:
        for report_id, title, line in sections.select(
            "report_id", "title", "line_start"
        ).iter_rows():
            headings[report_id].append((title, line))  # type: ignore[index]
    unread: dict[str, list[int]] = defaultdict(list)
    if quarantine is not None and not quarantine.is_empty():
        for report_id, line in quarantine.select("report_id", "source_line").iter_rows():
            if report_id is not None:
                unread[report_id].append(-1 if line is None else int(line))

    def column(name: str) -> list[Any]:
        if name in reports.columns:
            return reports.get_column(name).to_list()
        return [None] * reports.height

    facts = {}
    for report_id, template, published, kind, level in zip(
        reports.get_column("report_id").to_list(),
        column("template"),
        column("published_on"),
        column("agency_kind"),
        column("agency_level"),
        strict=True,
    ):
        if isinstance(published, str):
            published = dt.date.fromisoformat(published)
        facts[report_id] = ReportFacts(
            template=template,
            published_on=published,
            agency_kind=kind,
            agency_level=level,
            headings=tuple(headings.get(report_id, ())) if sections is not None else None,
            unread_lines=tuple(unread.get(report_id, ())),
        )
    return facts


def collect_readings(
    statistics: pl.DataFrame,
    prose_figures: pl.DataFrame,
    reports: pl.DataFrame,
    sections: pl.DataFrame | None = None,
    quarantine: pl.DataFrame | None = None,
) -> dict[str, ReportReadings]:
    """Each report's table figures (first printing of a figure wins) and prose figures."""
    facts = report_facts(reports, sections, quarantine)
    by_report = {
        report_id: ReportReadings(report_id, int(year), facts=facts[report_id])
        for report_id, year in reports.select("report_id", "report_year").iter_rows()
    }
    for report_id, reading in _readings(statistics.filter(pl.col("table_kind") != "prose")):
        if report_id in by_report:
            by_report[report_id].table.setdefault((reading.metric, reading.dimension), reading)
    for report_id, reading in _readings(prose_figures):
        if report_id in by_report:
            by_report[report_id].prose.append(reading)
    return by_report


def reconcile(
    statistics: pl.DataFrame,
    prose_figures: pl.DataFrame,
    reports: pl.DataFrame,
    years: Collection[int] | None = None,
    sections: pl.DataFrame | None = None,
    quarantine: pl.DataFrame | None = None,
    catalogue: RuleCatalogue | None = None,
) -> pl.DataFrame:
    """Every rule on every report (and every pair of consecutive years of one agency).

    With `years`, only the reports of those years are evaluated; the other reports given are
    there for the cross-year rules to compare with. `sections` (the reports' headings) and
    `quarantine` (their unread rows) feed the completeness rules; without `sections` the
    required-sections rule gives no row. `catalogue`: the rules evaluated, by default those
    of schemas/rules.yaml (`load_rules(path)` reads another file).
    """
    catalogue = catalogue or load_rules()
    report_rules = [
        (rule, cast(ReportCheck, KINDS[rule.kind].check)) for rule in catalogue.of_scope("report")
    ]
    pair_rules = [
        (rule, cast(PairCheck, KINDS[rule.kind].check))
        for rule in catalogue.of_scope("agency_years")
    ]
    by_report = collect_readings(statistics, prose_figures, reports, sections, quarantine)
    selected = [r for r in by_report.values() if years is None or r.report_year in years]
    # Kinds that evaluate column-wise settle their plain passes over all reports at once and
    # name the reports left to their report-by-report check.
    frames, left_to_check = _frame_checks(catalogue, statistics, selected)
    results: list[RuleResult] = []
    for readings in selected:
        for rule, check in report_rules:
            others = left_to_check.get(rule.id)
            if others is None or readings.report_id in others:
                results.extend(check(rule, readings))
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
        current, earlier = by_report[report_id], by_report[earlier_id]
        if years is not None and current.report_year not in years:
            continue
        for rule, pair_check in pair_rules:
            results.extend(pair_check(rule, current, earlier))
    return in_result_order(pl.concat([results_frame(results), *frames]), identities, catalogue)


# After the series and the report, the rule (in catalogue order), then every other column: two
# rows that tie on all of them are the same row, so the order is total.
RESULT_ORDER = (
    "subject",
    "dimension",
    "source_lines",
    "other_report_id",
    "status",
    "lhs",
    "rhs",
    "delta",
    "metrics",
    "detail",
)


def in_result_order(
    results: pl.DataFrame, identities: Sequence[ReportIdentity], catalogue: RuleCatalogue
) -> pl.DataFrame:
    """The results sorted by agency series, report, rule (in catalogue order) and the rest.

    The series comes first because a year is reconciled in batches of whole series taken in
    series order: the batches' results, concatenated, are then in this order too, whatever
    the size of a batch.
    """
    series = pl.DataFrame(
        {
            "report_id": [identity.report_id for identity in identities],
            "_series": [identity.series for identity in identities],
        },
        schema={"report_id": pl.String(), "_series": pl.String()},
    )
    ordinals = {rule.id: i for i, rule in enumerate(catalogue.rules)}
    return (
        results.join(series, on="report_id", how="left", maintain_order="left")
        .with_columns(_rule=pl.col("rule").replace_strict(ordinals, return_dtype=pl.Int32()))
        .sort(["_series", "report_id", "_rule", *RESULT_ORDER], nulls_last=True)
        .drop("_series", "_rule")
    )


def _frame_checks(
    catalogue: RuleCatalogue, statistics: pl.DataFrame, selected: Sequence[ReportReadings]
) -> tuple[list[pl.DataFrame], dict[str, set[str]]]:
    """The results of the column-wise kinds' rules, and for each the reports they leave to
    the report-by-report check."""
    framed = [
        (rule, frame_check)
        for rule in catalogue.of_scope("report")
        if (frame_check := KINDS[rule.kind].frame_check) is not None
    ]
    if not framed:
        return [], {}
    table = first_printings(
        statistics,
        pl.DataFrame(
            {
                "report_id": [r.report_id for r in selected],
                "report_year": [r.report_year for r in selected],
            },
            schema={"report_id": pl.String(), "report_year": pl.Int32()},
        ),
    )
    frames, left_to_check = [], {}
    for rule, frame_check in framed:
        frame, others = frame_check(rule, table)
        frames.append(frame)
        left_to_check[rule.id] = others
    return frames, left_to_check


def results_frame(results: Sequence[RuleResult]) -> pl.DataFrame:
    """Rule results as a frame of RECONCILIATION_SCHEMA."""
    # Column by column, list columns through Arrow: a frame built from one dict per result
    # turns every list cell into a Series of its own, which costs more than the rules.
    columns: dict[str, Any] = {
        name: [getattr(result, name) for result in results]
        for name in RECONCILIATION_SCHEMA
        if name not in {"metrics", "source_lines"}
    }
    columns["metrics"] = pa.array(
        [list(result.metrics) for result in results], type=pa.list_(pa.string())
    )
    columns["source_lines"] = pa.array(
        [list(result.source_lines) for result in results], type=pa.list_(pa.int32())
    )
    table = pa.table(columns)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.select([pl.col(name).cast(dtype) for name, dtype in RECONCILIATION_SCHEMA.items()])
