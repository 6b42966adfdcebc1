"""What the report shows, read from one warehouse through the queries of `sql/report/`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipeline.report.queries import Warehouse
from pipeline.sources import Span

HARMONISED_MART = "mart_harmonised_metrics"

# The request figures of the first chart, in drawing order, with the colour of their bars
# (Okabe-Ito, readable by colour-blind readers) and the labels used when the mart has no rows.
REQUEST_SERIES: tuple[tuple[str, str, str, str], ...] = (
    ("requests_received", "#0072B2", "收到申请数", "Requests received"),
    ("requests_granted", "#009E73", "予以公开", "Requests granted"),
    ("requests_partly_granted", "#E69F00", "部分公开", "Requests partly granted"),
    ("requests_refused", "#D55E00", "不予公开", "Requests refused"),
    ("requests_unable", "#999999", "无法提供", "Unable to provide"),
)
REQUEST_CODES = [code for code, *_ in REQUEST_SERIES]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One failing rule evaluation."""

    rule: str
    subject: str | None
    dimension: str | None
    lhs: float | None
    rhs: float | None
    delta: float | None
    metrics: tuple[str, ...]
    source_lines: tuple[int, ...]
    other_report_id: str | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One report of `mart_data_quality`, with where it sits in its file."""

    report_id: str
    report_year: int | None
    agency: str | None
    region: str | None
    template: str | None
    source_file: str
    rules_passed: int
    rules_failed: int
    rules_not_assessable: int
    failing_rules: tuple[str, ...]
    # The inspectors' rules the report fails (late, a section or table missing, copied figures):
    # findings shown beside the failing rules, never a reason to call the report inconsistent.
    inspection_findings: tuple[str, ...] = ()

    @property
    def shown_rules(self) -> tuple[str, ...]:
        """Every failing rule the page links to: the arithmetic ones, then the findings."""
        return self.failing_rules + self.inspection_findings


@dataclass(slots=True)
class ReportData:
    """Everything the page shows, read from one warehouse."""

    tables: set[str]
    last_run: dict[str, Any] | None = None
    runs_recorded: int = 0
    files_in_warehouse: int = 0
    reports_by_template: dict[str, int] = field(default_factory=dict)
    statistics_rows: int = 0
    quarantined_rows: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)
    reports: list[ReportRow] = field(default_factory=list)
    spans: dict[str, Span] = field(default_factory=dict)
    failures: dict[str, list[Evaluation]] = field(default_factory=dict)
    metric_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    rule_counts: list[tuple[str, int, int]] = field(default_factory=list)
    templates_by_year: dict[tuple[int, str], int] = field(default_factory=dict)
    requests: dict[tuple[int, str], float] = field(default_factory=dict)
    request_reports: dict[int, int] = field(default_factory=dict)
    request_approximate_years: set[int] = field(default_factory=set)
    request_approx_figures: int = 0
    request_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    quarantine_reasons: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def consistent(self) -> int:
        return sum(1 for r in self.reports if r.rules_failed == 0)

    @property
    def years(self) -> list[int]:
        """Every year from the first to the last report year, gaps included."""
        known = [r.report_year for r in self.reports if r.report_year is not None]
        return list(range(min(known), max(known) + 1)) if known else []


def load_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Read what the page shows. A query the warehouse cannot answer (a table an older build
    lacks) leaves its part of the page empty; `sql/report/` says which query reads what."""
    warehouse = Warehouse(con)
    data = ReportData(tables=warehouse.tables)
    runs = warehouse.rows("last_runs") or []
    data.runs_recorded = len(runs)
    data.last_run = runs[0] if runs else None
    data.reports_by_template = {
        str(template): int(n) for template, n in warehouse.tuples("reports_by_template")
    }
    data.templates_by_year = {
        (int(year), str(template)): int(n)
        for year, template, n in warehouse.tuples("templates_by_year")
    }
    data.spans = {
        report_id: (source_file, start, end)
        for report_id, source_file, start, end in warehouse.tuples("report_spans")
    }
    data.files_in_warehouse = warehouse.scalar("files_in_warehouse")
    data.quarantined_rows = warehouse.scalar("quarantine_rows")
    data.quarantine_reasons = [
        (str(stage), str(reason), int(n))
        for stage, reason, n in warehouse.tuples("quarantine_reasons")
    ]
    data.statistics_rows = warehouse.scalar("statistics_rows")
    data.metric_labels = {
        code: (label or "", english or "")
        for code, label, english in warehouse.tuples("metric_labels")
    }
    data.status_counts = {
        str(status): int(n) for status, n in warehouse.tuples("evaluation_statuses")
    }
    data.rule_counts = [
        (str(rule), int(failed), int(total))
        for rule, failed, total in warehouse.tuples("rule_counts")
    ]
    for row in warehouse.rows("failing_evaluations") or []:
        data.failures.setdefault(row["report_id"], []).append(
            Evaluation(
                rule=row["rule"],
                subject=row["subject"],
                dimension=row["dimension"],
                lhs=row["lhs"],
                rhs=row["rhs"],
                delta=row["delta"],
                metrics=tuple(row["metrics"] or ()),
                source_lines=tuple(row["source_lines"] or ()),
                other_report_id=row["other_report_id"],
                detail=row["detail"],
            )
        )
    data.reports = [
        ReportRow(
            report_id=row["report_id"],
            report_year=row["report_year"],
            agency=row["agency"],
            region=row["region"],
            template=row["template"],
            source_file=row["source_file"],
            rules_passed=int(row["rules_passed"]),
            rules_failed=int(row["rules_failed"]),
            rules_not_assessable=int(row["rules_not_assessable"]),
            failing_rules=tuple(row["failing_rules"] or ()),
            inspection_findings=tuple(row["inspection_findings"] or ()),
        )
        for row in warehouse.rows("data_quality") or []
    ]
    _load_requests(warehouse, data)
    return data


def _load_requests(warehouse: Warehouse, data: ReportData) -> None:
    for year, metric, total, approximate, approx in warehouse.tuples(
        "request_totals", [REQUEST_CODES]
    ):
        data.requests[(int(year), str(metric))] = float(total)
        if approximate:
            data.request_approximate_years.add(int(year))
        data.request_approx_figures += int(approx)
    data.request_reports = {
        int(year): int(n) for year, n in warehouse.tuples("request_reports", [REQUEST_CODES])
    }
    data.request_labels = {
        str(code): (label or "", english or "")
        for code, label, english in warehouse.tuples("request_labels", [REQUEST_CODES])
    }
