"""The page: what each part of `templates/` shows, rendered with Jinja2.

The templates hold the page's markup and words; this module hands them the figures of one
warehouse, in the order the page shows them. Autoescaping is on: every value a template prints
is escaped (agency names, details and quoted lines come from scraped text); only the charts'
SVG, drawn from escaped data by vl-convert, goes in as markup.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from pipeline.reconcile import rules as rule_catalogue
from pipeline.report.charts import format_number
from pipeline.report.data import HARMONISED_MART, Evaluation, ReportData, ReportRow
from pipeline.report.figures import report_figures
from pipeline.sources import SourceLines, line_owner, quoted_lines

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> jinja2.Environment:
    """The templates of `templates/`, escaping everything they print."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _anchor(index: int, rule_index: int | None = None) -> str:
    return f"report-{index}" if rule_index is None else f"fail-{index}-{rule_index}"


def _cards(data: ReportData) -> list[dict[str, Any]]:
    """The headline figures; `data-count` holds the number for tests and scripts."""
    run = data.last_run
    files = run["files_seen"] if run and run["files_seen"] is not None else None
    total_reports = sum(data.reports_by_template.values())
    by_template = ", ".join(f"{t} {n}" for t, n in sorted(data.reports_by_template.items()))
    inconsistent = len(data.reports) - data.consistent
    status = data.status_counts
    evaluations = sum(status.values())
    if files is not None:
        files_card = {
            "count": files,
            "value": format_number(files),
            "label": "files seen by the last run",
            "sub": f"{data.files_in_warehouse} with reports or quarantine rows",
        }
    else:
        files_card = {
            "count": data.files_in_warehouse,
            "value": format_number(data.files_in_warehouse),
            "label": "files with reports or quarantine rows",
            "sub": "",
        }
    return [
        {"name": "files", **files_card},
        {
            "name": "reports",
            "count": total_reports,
            "value": format_number(total_reports),
            "label": "reports",
            "sub": by_template or "none",
        },
        {
            "name": "statistics",
            "count": data.statistics_rows,
            "value": format_number(data.statistics_rows),
            "label": "statistics rows (printed figures)",
            "sub": "",
        },
        {
            "name": "quarantined",
            "count": data.quarantined_rows,
            "value": format_number(data.quarantined_rows),
            "label": "quarantined rows",
            "sub": "",
        },
        {
            "name": "consistent",
            "count": data.consistent,
            "value": f"{data.consistent} / {inconsistent}",
            "label": "reports consistent / not",
            "sub": "consistent: no reconciliation rule fails",
        },
        {
            "name": "evaluations",
            "count": evaluations,
            "value": format_number(evaluations),
            "label": "rule evaluations",
            "sub": f"{status.get('pass', 0)} pass, {status.get('fail', 0)} fail, "
            f"{status.get('not_assessable', 0)} not assessable",
        },
    ]


def _report_rows(data: ReportData) -> list[dict[str, Any]]:
    rows = []
    for index, report in enumerate(data.reports, start=1):
        failing = len(report.failing_rules)
        rows.append(
            {
                "report": report,
                "anchor": _anchor(index),
                "state": "consistent" if report.rules_failed == 0 else "inconsistent",
                "ordinal": report.report_id.rsplit("#", 1)[-1] if "#" in report.report_id else "",
                "rules": [
                    (_anchor(index, j), rule)
                    for j, rule in enumerate(report.failing_rules, start=1)
                ],
                "findings": [
                    (_anchor(index, j), rule)
                    for j, rule in enumerate(report.inspection_findings, start=failing + 1)
                ],
            }
        )
    return rows


def _cited_lines(
    report: ReportRow, evaluation: Evaluation, data: ReportData, sources: SourceLines
) -> list[dict[str, Any]]:
    lines = []
    for line in evaluation.source_lines:
        owner = line_owner(line, report.report_id, evaluation.other_report_id, data.spans)
        source_file = data.spans.get(owner, (report.source_file, None, None))[0]
        lines.append(
            {
                "line": line,
                "source_file": source_file,
                "uri": sources.uri(source_file),
                "owner": owner if owner != report.report_id else None,
                "quoted": quoted_lines(sources, source_file, line),
            }
        )
    return lines


def _failure_blocks(data: ReportData, sources: SourceLines) -> list[dict[str, Any]]:
    formulas = rule_catalogue()
    blocks = []
    for index, report in enumerate(data.reports, start=1):
        if not report.shown_rules:
            continue
        evaluations = data.failures.get(report.report_id, [])
        rules = [
            {
                "anchor": _anchor(index, j),
                "rule": rule,
                "formula": formulas.get(rule, {}).get("formula"),
                "evaluations": [
                    {"evaluation": e, "lines": _cited_lines(report, e, data, sources)}
                    for e in evaluations
                    if e.rule == rule
                ],
            }
            for j, rule in enumerate(report.shown_rules, start=1)
        ]
        blocks.append({"report": report, "anchor": _anchor(index), "rules": rules})
    return blocks


def render_report(data: ReportData, warehouse_dir: Path, raw_dir: Path | None = None) -> str:
    """The whole page, as a string."""
    sources = SourceLines(raw_dir)

    def file_link(source_file: str) -> Markup:
        code = Markup("<code>{}</code>").format(source_file)
        uri = sources.uri(source_file)
        return code if uri is None else Markup('<a href="{}">{}</a>').format(uri, code)

    return (
        environment()
        .get_template("report.html.j2")
        .render(
            warehouse_dir=warehouse_dir,
            raw_dir=raw_dir,
            run=data.last_run,
            runs_recorded=data.runs_recorded,
            cards=_cards(data),
            figures=report_figures(data),
            harmonised_mart=HARMONISED_MART,
            rows=_report_rows(data),
            failures=_failure_blocks(data, sources),
            metric_labels=data.metric_labels,
            number=format_number,
            file_link=file_link,
        )
    )
