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
from pipeline.reconcile.figures import Figures
from pipeline.reconcile.readings import Reading, ReportFacts, ReportReadings, RuleResult

# The columns of a figure that make its `Reading`, in the order of its fields.
READING_COLUMNS = (
    "metric",
    "dimension",
    "value",
    "value_kind",
    "qualifier",
    "source_line",
    "table_kind",
    "part_of",
    "note",
)
# Every column of a figure the rules read: the printed text of a label or value, its unit and
# its reader are for people, not for arithmetic (a stage reads only these).
FIGURE_COLUMNS = ("report_id", *READING_COLUMNS)


def _readings(frame: pl.DataFrame) -> Iterable[tuple[str, Reading]]:
    # Whole columns to Python lists, then one tuple per row: far cheaper than iter_rows.
    report_ids = frame.get_column("report_id").to_list()
    values = [frame.get_column(name).to_list() for name in READING_COLUMNS]
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

    Each rule goes first to its kind's column-wise evaluation (`frame_check`) over all the
    reports at once; the reports it leaves (a break, a missing or unreadable operand: the
    rows with a detail to write) go to the kind's `check`, report by report, and only those
    reports' figures are read into Python.
    """
    catalogue = catalogue or load_rules()
    identities = _identities(reports)
    selected = reports if years is None else reports.filter(pl.col("report_year").is_in(years))
    chosen = set(selected.get_column("report_id").to_list())
    pairs = {
        report_id: earlier_id
        for report_id, earlier_id in previous_reports(identities).items()
        if report_id in chosen
    }
    figures = year_figures(statistics, prose_figures, reports, selected, pairs, sections)
    frames = []
    left: dict[str, set[str] | None] = {}
    for rule in catalogue.rules:
        frame_check = KINDS[rule.kind].frame_check
        if frame_check is None:
            left[rule.id] = None
            continue
        frame, left[rule.id] = frame_check(rule, figures)
        frames.append(frame)
    checked = _check_report_by_report(
        catalogue,
        left,
        statistics,
        prose_figures,
        reports,
        selected.get_column("report_id").to_list(),
        pairs,
        sections,
        quarantine,
    )
    return in_result_order(pl.concat([checked, *frames]), identities, catalogue)


def _identities(reports: pl.DataFrame) -> list[ReportIdentity]:
    agency_ids = (
        reports.get_column("agency_id").to_list()
        if "agency_id" in reports.columns
        else [None] * reports.height
    )
    return [
        ReportIdentity(report_id, int(year), series_key(agency_id, agency, source_file), region)
        for (report_id, year, agency, source_file, region), agency_id in zip(
            reports.select(
                "report_id", "report_year", "agency", "source_file", "region"
            ).iter_rows(),
            agency_ids,
            strict=True,
        )
    ]


def year_figures(
    statistics: pl.DataFrame,
    prose_figures: pl.DataFrame,
    reports: pl.DataFrame,
    selected: pl.DataFrame,
    pairs: Mapping[str, str],
    sections: pl.DataFrame | None = None,
) -> Figures:
    """The frames the kinds' column-wise evaluations read (`Figures`): the selected reports'
    figures, facts and headings, and of the reports of the year before they are paired with
    (`pairs`: report id -> the earlier report's), the table figures."""
    keys = selected.select("report_id", pl.col("report_year").cast(pl.Int32()))
    years = reports.select("report_id", pl.col("report_year").cast(pl.Int32()))
    paired = (
        pl.DataFrame(
            {"report_id": list(pairs), "other_report_id": list(pairs.values())},
            schema={"report_id": pl.String(), "other_report_id": pl.String()},
        )
        .join(keys, on="report_id", how="inner", maintain_order="left")
        .join(
            years.rename({"report_id": "other_report_id", "report_year": "other_report_year"}),
            on="other_report_id",
            how="inner",
            maintain_order="left",
        )
    )
    earlier = years.join(paired.select(report_id="other_report_id"), on="report_id", how="semi")

    def fact(name: str) -> pl.Expr:
        if name not in selected.columns:
            return pl.lit(None, pl.String()).alias(name)
        return pl.col(name).cast(pl.String())

    published = (
        pl.lit(None, pl.Date())
        if "published_on" not in selected.columns
        else pl.col("published_on").str.to_date()
        if selected.schema["published_on"] == pl.String()
        else pl.col("published_on").cast(pl.Date())
    )
    prose = (
        prose_figures.with_row_index("position")
        .select(
            "report_id",
            "position",
            "metric",
            "dimension",
            "value",
            "value_kind",
            "qualifier",
            "source_line",
            "part_of",
        )
        .join(keys, on="report_id", how="inner", maintain_order="left")
    )
    headings = (
        None
        if sections is None
        else sections.with_row_index("position")
        .select("report_id", "title", pl.col("line_start").alias("line"), "position")
        .join(keys, on="report_id", how="semi")
    )
    return Figures(
        table=first_printings(statistics, keys),
        prose=prose,
        reports=selected.select(
            "report_id",
            pl.col("report_year").cast(pl.Int32()),
            fact("template"),
            published.alias("published_on"),
            fact("agency_kind"),
            fact("agency_level"),
        ),
        headings=headings,
        pairs=paired,
        earlier=first_printings(statistics, earlier),
    )


def _check_report_by_report(
    catalogue: RuleCatalogue,
    left: Mapping[str, set[str] | None],
    statistics: pl.DataFrame,
    prose_figures: pl.DataFrame,
    reports: pl.DataFrame,
    selected: Sequence[str],
    pairs: Mapping[str, str],
    sections: pl.DataFrame | None,
    quarantine: pl.DataFrame | None,
) -> pl.DataFrame:
    """The results of each rule on the reports its column-wise evaluation left (`left`: rule
    id -> report ids, None for every report), from those reports' readings only."""
    report_rules = [
        (rule, cast(ReportCheck, KINDS[rule.kind].check)) for rule in catalogue.of_scope("report")
    ]
    pair_rules = [
        (rule, cast(PairCheck, KINDS[rule.kind].check))
        for rule in catalogue.of_scope("agency_years")
    ]
    needed: set[str] = set()
    for rule, _check in report_rules:
        others = left[rule.id]
        needed.update(selected if others is None else others)
    for rule, _pair_check in pair_rules:
        others = left[rule.id]
        current = set(pairs) if others is None else others & set(pairs)
        needed.update(current)
        needed.update(pairs[report_id] for report_id in current)
    if not needed:
        return results_frame([])
    wanted = pl.col("report_id").is_in(sorted(needed))
    by_report = collect_readings(
        statistics.filter(wanted),
        prose_figures.filter(wanted),
        reports.filter(wanted),
        None if sections is None else sections.filter(wanted),
        None if quarantine is None else quarantine.filter(wanted),
    )

    def is_left(rule_id: str, report_id: str) -> bool:
        others = left[rule_id]
        return others is None or report_id in others

    results: list[RuleResult] = []
    for report_id in selected:
        if report_id not in needed:
            continue
        readings = by_report[report_id]
        for rule, check in report_rules:
            if is_left(rule.id, report_id):
                results.extend(check(rule, readings))
    for report_id, earlier_id in pairs.items():
        for rule, pair_check in pair_rules:
            if is_left(rule.id, report_id):
                results.extend(pair_check(rule, by_report[report_id], by_report[earlier_id]))
    return results_frame(results)


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
