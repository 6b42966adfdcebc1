"""The report's four charts, from what the warehouse holds: which figures each one draws.

The page's captions and the numbers behind the requests chart are in the templates; this module
chooses the data, the series and their colours, and has `charts` draw them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipeline.model import TEMPLATES
from pipeline.reconcile import rules as rule_catalogue
from pipeline.report.charts import (
    Series,
    format_number,
    grouped_bar_chart,
    horizontal_bar_chart,
    no_data_chart,
    stacked_bar_chart,
)
from pipeline.report.data import HARMONISED_MART, REQUEST_SERIES, ReportData

TEMPLATE_STYLE: dict[str, tuple[str, str]] = {
    "old_table": ("#E69F00", "旧统计表 old table (2008–2018)"),
    "new_2019": ("#56B4E9", "新模板 new template 2019"),
    "new_2021": ("#0072B2", "新模板 new template 2021"),
    "prose": ("#CC79A7", "仅文字 prose only"),
}
OTHER_COLOURS = ("#009E73", "#F0E442", "#000000", "#D55E00")
FAILURE_COLOUR = "#D55E00"
QUARANTINE_COLOUR = "#CC79A7"

REQUESTS_TITLE = "Requests and outcomes per year 依申请公开：收到与办理结果（按年度合计）"
RULES_TITLE = "Rule failures by rule 勾稽关系不符（按规则）"
TEMPLATES_TITLE = "Reports by template per year 各年度报告（按模板）"
QUARANTINE_TITLE = "Quarantine by reason 隔离记录（按原因）"


@dataclass(frozen=True, slots=True)
class Figure:
    """One chart of the page: its name (the figure's id), its SVG and what its caption says."""

    name: str
    svg: str
    caption: dict[str, Any]


def template_label(template: str | None) -> str:
    """A template's legend text: Chinese and English."""
    return TEMPLATE_STYLE.get(template or "", ("", template or "unknown"))[1]


def request_series(data: ReportData) -> list[Series]:
    """The request figures, labelled as the harmonised mart labels them."""
    series = []
    for code, colour, label_zh, english in REQUEST_SERIES:
        zh, en = data.request_labels.get(code, (label_zh, english))
        series.append(Series(code, colour, f"{zh} {en}"))
    return series


def requests_figure(data: ReportData) -> Figure:
    """Sums of the harmonised request figures per year, with the reports behind each year."""
    if HARMONISED_MART not in data.tables:
        svg = no_data_chart(REQUESTS_TITLE, f"no data: {HARMONISED_MART} is not in this warehouse")
        return Figure("requests", svg, {"available": False, "table": []})
    series = request_series(data)
    years = data.years
    reports_per_year = Counter(r.report_year for r in data.reports if r.report_year is not None)
    footers = {
        str(y): f"{data.request_reports.get(y, 0)}/{reports_per_year.get(y, 0)}"
        + ("≈" if y in data.request_approximate_years else "")
        for y in years
    }
    descriptions = {
        (str(y), s.key): f"{y} · {s.label} (sum over {data.request_reports.get(y, 0)} reports)"
        for y in years
        for s in series
    }
    svg = grouped_bar_chart(
        REQUESTS_TITLE,
        [str(y) for y in years],
        series,
        {(str(y), code): v for (y, code), v in data.requests.items()},
        "requests 件 (sum over reports)",
        footers=footers,
        descriptions=descriptions,
    )
    table = [
        {
            "year": year,
            "reports": data.request_reports.get(year, 0),
            "cells": [format_number(data.requests.get((year, s.key))) for s in series],
        }
        for year in years
    ]
    return Figure(
        "requests",
        svg,
        {
            "available": True,
            "approx_figures": data.request_approx_figures,
            "series": [s.label for s in series],
            "table": table if data.requests else [],
        },
    )


def rules_figure(data: ReportData) -> Figure:
    """Failing evaluations per rule, every rule evaluated listed (a rule may fail none)."""
    rows = [
        (
            rule,
            float(failed),
            f"{failed:,} failed of {total:,} evaluation{'s' if total != 1 else ''}",
        )
        for rule, failed, total in data.rule_counts
    ]
    svg = horizontal_bar_chart(
        RULES_TITLE, rows, FAILURE_COLOUR, "failing evaluations", "no data: no rule evaluated"
    )
    formulas = rule_catalogue()
    listed = [(rule, formulas.get(rule, {}).get("formula", "")) for rule, _, _ in data.rule_counts]
    return Figure("rules", svg, {"rules": listed})


def templates_figure(data: ReportData) -> Figure:
    """Reports per report year, stacked by the template they print."""
    seen = sorted({t for _, t in data.templates_by_year})
    keys = [t for t in TEMPLATES if t in seen] + [t for t in seen if t not in TEMPLATES]
    others = iter(OTHER_COLOURS * 4)
    series = [
        Series(t, TEMPLATE_STYLE[t][0] if t in TEMPLATE_STYLE else next(others), template_label(t))
        for t in keys
    ]
    values = {(str(y), t): float(n) for (y, t), n in data.templates_by_year.items()}
    svg = stacked_bar_chart(
        TEMPLATES_TITLE, [str(y) for y in data.years], series, values, "reports 份"
    )
    return Figure("templates", svg, {})


def quarantine_figure(data: ReportData) -> Figure:
    """Quarantine rows per stage and reason, the commonest first."""
    if "quarantine" not in data.tables:
        svg = no_data_chart(QUARANTINE_TITLE, "no data: no quarantine table in this warehouse")
    else:
        rows = [
            (f"{stage}: {reason}", float(n), f"{n:,} row{'s' if n != 1 else ''}")
            for stage, reason, n in data.quarantine_reasons
        ]
        svg = horizontal_bar_chart(
            QUARANTINE_TITLE, rows, QUARANTINE_COLOUR, "rows", "no data: nothing quarantined"
        )
    return Figure("quarantine", svg, {})


def report_figures(data: ReportData) -> list[Figure]:
    """The page's charts, in page order."""
    return [
        requests_figure(data),
        rules_figure(data),
        templates_figure(data),
        quarantine_figure(data),
    ]
