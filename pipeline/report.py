"""The data-quality report: one self-contained HTML page about a published warehouse.

`write_report` opens `warehouse.duckdb` read-only (it never writes to it) and writes one HTML
file that an oversight office can open from disk: no network, inline CSS, charts drawn here as
inline SVG, and a few lines of inline JavaScript that only measure the drawn charts (tests read
the measurement back from a real browser). It shows the run the warehouse reflects, the counts,
four charts (requests and outcomes per year, rule failures by rule, reports by template per
year, quarantine by reason) and a table of every report whose failing rules link to the failing
evaluations, with their source lines quoted from the raw files when `raw_dir` is given.

Everything printed comes from the warehouse and is escaped (agency names come from scraped
text). The same warehouse gives the same bytes: rows are ordered explicitly and the only time
shown is the last run's, not the clock's.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.documents import decode_document
from pipeline.model import TEMPLATES
from pipeline.reconcile import rules as rule_catalogue
from pipeline.storage import WarehouseLayout, write_text_atomic

# (source file, first line, last line) of a report in its file.
Span = tuple[str, int | None, int | None]
HARMONISED_MART = "mart_harmonised_metrics"

FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
    '"Microsoft YaHei", sans-serif'
)

# The request figures of the first chart, in drawing order, with the colour of their bars
# (Okabe-Ito, readable by colour-blind readers) and the labels used when the mart has no rows.
REQUEST_SERIES: tuple[tuple[str, str, str, str], ...] = (
    ("requests_received", "#0072B2", "收到申请数", "Requests received"),
    ("requests_granted", "#009E73", "予以公开", "Requests granted"),
    ("requests_partly_granted", "#E69F00", "部分公开", "Requests partly granted"),
    ("requests_refused", "#D55E00", "不予公开", "Requests refused"),
    ("requests_unable", "#999999", "无法提供", "Unable to provide"),
)
TEMPLATE_STYLE: dict[str, tuple[str, str]] = {
    "old_table": ("#E69F00", "旧统计表 old table (2008–2018)"),
    "new_2019": ("#56B4E9", "新模板 new template 2019"),
    "new_2021": ("#0072B2", "新模板 new template 2021"),
    "prose": ("#CC79A7", "仅文字 prose only"),
}
OTHER_COLOURS = ("#009E73", "#F0E442", "#000000", "#D55E00")
FAILURE_COLOUR = "#D55E00"
QUARANTINE_COLOUR = "#CC79A7"

CHART_WIDTH = 1120
TICK_FONT = 13
TITLE_FONT = 17
# Rough advance widths, to lay out labels without font metrics: a CJK character is one em,
# anything else about 0.58 em (a little wider than most Latin glyphs of the CJK fonts).
_WIDE = ("W", "F")
_NARROW_EM = 0.58
# A quoted value line gets up to this many lines above it, until one holds a label.
_CONTEXT_LINES = 3
_LABEL_CHARACTERS = 3


def esc(value: object) -> str:
    """Text for HTML content or a quoted attribute: every `<`, `>`, `&`, `"` and `'` escaped."""
    return html.escape("" if value is None else str(value), quote=True)


def text_width(text: str, size: float) -> float:
    """Estimated width in px of `text` at font size `size`."""
    return sum(
        size if unicodedata.east_asian_width(ch) in _WIDE else size * _NARROW_EM for ch in text
    )


def format_number(value: float | None) -> str:
    """A figure for people, never rounded away from what was printed: thousands separated,
    no `.0` on whole numbers, `—` for NULL. Six decimals absorb float noise in sums only."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{round(value, 6):,}"


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Axis ticks from 0 to at least `maximum` in steps of 1, 2 or 5 × 10^k (whole numbers)."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if maximum / (m * magnitude) <= count)
    step = max(step, 1.0)
    top = math.ceil(maximum / step - 1e-9) * step
    return [i * step for i in range(round(top / step) + 1)]


def _attr_number(value: float) -> str:
    # repr round-trips a double exactly, so tests compare the drawn value with the warehouse.
    return repr(float(value))


# ---------------------------------------------------------------------------------------------
# Charts: pure functions from numbers to an SVG string.


@dataclass(frozen=True, slots=True)
class Series:
    """One coloured series of a chart, with its legend text."""

    key: str
    colour: str
    label: str


def _svg_open(name: str, title: str, height: float) -> list[str]:
    return [
        f'<svg class="chart-svg" data-chart="{esc(name)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{CHART_WIDTH}" height="{height:.0f}" viewBox="0 0 {CHART_WIDTH} {height:.0f}" '
        f'role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
        f'<text class="chart-title" x="0" y="{TITLE_FONT + 6}" font-size="{TITLE_FONT}" '
        f'font-weight="bold">{esc(title)}</text>',
    ]


def no_data_chart(name: str, title: str, message: str = "no data") -> str:
    """A chart frame that says there is nothing to draw."""
    height = 120
    parts = _svg_open(name, title, height)
    parts.append(
        f'<rect x="0.5" y="34.5" width="{CHART_WIDTH - 1}" height="{height - 40}" '
        'fill="#fafafa" stroke="#ccc"/>'
    )
    parts.append(
        f'<text class="no-data" x="{CHART_WIDTH / 2}" y="{34 + (height - 40) / 2 + 6}" '
        f'text-anchor="middle" font-size="16" fill="#666">{esc(message)}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(series: Sequence[Series], y: float) -> tuple[list[str], float]:
    """Legend swatches in rows across the chart; returns the SVG and the y below it."""
    parts: list[str] = ['<g class="legend">']
    x = 0.0
    row_height = TICK_FONT * 1.8
    for item in series:
        width = 18 + text_width(item.label, TICK_FONT) + 24
        if x > 0 and x + width > CHART_WIDTH:
            x = 0.0
            y += row_height
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="12" height="12" fill="{item.colour}"/>'
        )
        parts.append(
            f'<text x="{x + 18:.1f}" y="{y:.1f}" font-size="{TICK_FONT}">{esc(item.label)}</text>'
        )
        x += width
    parts.append("</g>")
    return parts, y + row_height


def _y_axis(ticks: Sequence[float], left: float, right: float, top: float, bottom: float) -> str:
    scale = (bottom - top) / ticks[-1]
    parts = ['<g class="axis y-axis">']
    for tick in ticks:
        y = bottom - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#333" if tick == 0 else "#e3e3e3"}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="{TICK_FONT}">{esc(format_number(tick))}</text>'
        )
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="#333"/>')
    parts.append("</g>")
    return "\n".join(parts)


def _axis_title(text: str, x: float, y: float, anchor: str = "start") -> str:
    return (
        f'<text class="axis-title" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
        f'font-size="{TICK_FONT}" fill="#444">{esc(text)}</text>'
    )


def _label_every(band: float, widest: float) -> int:
    """Label every n-th category so that labels of width `widest` do not touch."""
    return max(1, math.ceil((widest + 8) / band)) if band > 0 else 1


def grouped_bar_chart(
    name: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Mapping[tuple[str, str], float],
    y_title: str,
    footers: Mapping[str, str] | None = None,
    tooltips: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """Vertical bars, one group per category and one bar per series with a value.

    A missing (category, series) value draws no bar: not printed is not zero.
    """
    if not categories or not values:
        return no_data_chart(name, title)
    parts = _svg_open(name, title, 0)  # height patched below
    legend, top = _legend(series, TITLE_FONT + 30)
    parts += legend
    top += 8
    plot_height = 260.0
    bottom = top + plot_height
    left = 16 + text_width(format_number(max(values.values()) * 1.25), TICK_FONT) + 8
    right = CHART_WIDTH - 4
    ticks = nice_ticks(max(values.values()))
    parts.append(_axis_title(y_title, left, top - 8))
    parts.append(_y_axis(ticks, left, right, top + 10, bottom))
    scale = (bottom - top - 10) / ticks[-1]
    band = (right - left) / len(categories)
    bar = band * 0.8 / len(series)
    widest = max(
        [text_width(c, TICK_FONT) for c in categories]
        + [text_width(f, TICK_FONT - 1) for f in (footers or {}).values()]
    )
    every = _label_every(band, widest)
    parts.append('<g class="bars">')
    for i, category in enumerate(categories):
        x0 = left + i * band + band * 0.1
        for j, item in enumerate(series):
            value = values.get((category, item.key))
            if value is None:
                continue
            height = value * scale
            tip = (tooltips or {}).get((category, item.key), f"{category} {item.label}")
            parts.append(
                f'<rect class="bar" data-category="{esc(category)}" data-series="{esc(item.key)}" '
                f'data-value="{_attr_number(value)}" x="{x0 + j * bar:.2f}" '
                f'y="{bottom - height:.2f}" width="{bar:.2f}" height="{height:.2f}" '
                f'fill="{item.colour}">'
                f"<title>{esc(tip)}: {esc(format_number(value))}</title></rect>"
            )
    parts.append("</g>")
    parts.append('<g class="axis x-axis">')
    for i, category in enumerate(categories):
        if i % every:
            continue
        x = left + (i + 0.5) * band
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + TICK_FONT + 6}" text-anchor="middle" '
            f'font-size="{TICK_FONT}">{esc(category)}</text>'
        )
        footer = (footers or {}).get(category)
        if footer:
            parts.append(
                f'<text class="footer" data-category="{esc(category)}" x="{x:.1f}" '
                f'y="{bottom + 2.6 * TICK_FONT + 8}" '
                f'text-anchor="middle" font-size="{TICK_FONT - 1}" fill="#555">{esc(footer)}</text>'
            )
    parts.append("</g>")
    height = bottom + 3.2 * TICK_FONT + 14
    parts.append("</svg>")
    parts[0] = (
        parts[0]
        .replace('height="0"', f'height="{height:.0f}"')
        .replace(f'viewBox="0 0 {CHART_WIDTH} 0"', f'viewBox="0 0 {CHART_WIDTH} {height:.0f}"')
    )
    return "\n".join(parts)


def stacked_bar_chart(
    name: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Mapping[tuple[str, str], float],
    y_title: str,
) -> str:
    """Vertical bars, one per category, stacked by series; the total is printed on top."""
    totals = {c: sum(values.get((c, s.key), 0.0) for s in series) for c in categories}
    if not categories or not any(totals.values()):
        return no_data_chart(name, title)
    parts = _svg_open(name, title, 0)
    legend, top = _legend(series, TITLE_FONT + 30)
    parts += legend
    top += 8
    plot_height = 220.0
    bottom = top + plot_height
    left = 16 + text_width(format_number(max(totals.values()) * 1.25), TICK_FONT) + 8
    right = CHART_WIDTH - 4
    ticks = nice_ticks(max(totals.values()))
    parts.append(_axis_title(y_title, left, top - 8))
    parts.append(_y_axis(ticks, left, right, top + 18, bottom))
    scale = (bottom - top - 18) / ticks[-1]
    band = (right - left) / len(categories)
    every = _label_every(band, max(text_width(c, TICK_FONT) for c in categories))
    parts.append('<g class="bars">')
    for i, category in enumerate(categories):
        x = left + i * band + band * 0.15
        width = band * 0.7
        y = bottom
        for item in series:
            value = values.get((category, item.key))
            if not value:
                continue
            height = value * scale
            y -= height
            parts.append(
                f'<rect class="bar" data-category="{esc(category)}" data-series="{esc(item.key)}" '
                f'data-value="{_attr_number(value)}" x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" '
                f'height="{height:.2f}" fill="{item.colour}" stroke="#fff" stroke-width="0.5">'
                f"<title>{esc(category)} {esc(item.label)}: {esc(format_number(value))}</title>"
                "</rect>"
            )
        if totals[category] and text_width(format_number(totals[category]), TICK_FONT) < band:
            parts.append(
                f'<text class="total" x="{x + width / 2:.1f}" y="{y - 5:.1f}" '
                f'text-anchor="middle" font-size="{TICK_FONT}">'
                f"{esc(format_number(totals[category]))}</text>"
            )
    parts.append("</g>")
    parts.append('<g class="axis x-axis">')
    for i, category in enumerate(categories):
        if i % every:
            continue
        parts.append(
            f'<text x="{left + (i + 0.5) * band:.1f}" y="{bottom + TICK_FONT + 6}" '
            f'text-anchor="middle" font-size="{TICK_FONT}">{esc(category)}</text>'
        )
    parts.append("</g>")
    height = bottom + TICK_FONT + 16
    parts.append("</svg>")
    parts[0] = (
        parts[0]
        .replace('height="0"', f'height="{height:.0f}"')
        .replace(f'viewBox="0 0 {CHART_WIDTH} 0"', f'viewBox="0 0 {CHART_WIDTH} {height:.0f}"')
    )
    return "\n".join(parts)


def horizontal_bar_chart(
    name: str,
    title: str,
    rows: Sequence[tuple[str, float, str]],
    colour: str,
    x_title: str,
    empty_message: str = "no data",
) -> str:
    """One horizontal bar per row (label, value, text after the bar), longest label first."""
    if not rows:
        return no_data_chart(name, title, empty_message)
    row_height = 30.0
    top = TITLE_FONT + 44
    height = top + row_height * len(rows) + 34
    parts = _svg_open(name, title, height)
    left = max(text_width(label, TICK_FONT) for label, _, _ in rows) + 16
    notes = max(text_width(note, TICK_FONT) for _, _, note in rows) + 12
    right = CHART_WIDTH - notes
    bottom = top + row_height * len(rows)
    ticks = nice_ticks(max(value for _, value, _ in rows))
    scale = (right - left) / ticks[-1]
    parts.append(_axis_title(x_title, left, top - 14))
    parts.append('<g class="axis x-axis">')
    for tick in ticks:
        x = left + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" '
            f'stroke="{"#333" if tick == 0 else "#e3e3e3"}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + TICK_FONT + 8}" text-anchor="middle" '
            f'font-size="{TICK_FONT}">{esc(format_number(tick))}</text>'
        )
    parts.append("</g>")
    parts.append('<g class="bars">')
    for i, (label, value, note) in enumerate(rows):
        y = top + i * row_height
        width = value * scale
        parts.append(
            f'<text class="category" x="{left - 8:.1f}" y="{y + row_height / 2 + 5:.1f}" '
            f'text-anchor="end" font-size="{TICK_FONT}">{esc(label)}</text>'
        )
        parts.append(
            f'<rect class="bar" data-category="{esc(label)}" data-value="{_attr_number(value)}" '
            f'x="{left:.2f}" y="{y + 6:.2f}" width="{width:.2f}" height="{row_height - 12:.2f}" '
            f'fill="{colour}"><title>{esc(label)}: {esc(note)}</title></rect>'
        )
        parts.append(
            f'<text class="note" x="{left + width + 6:.1f}" y="{y + row_height / 2 + 5:.1f}" '
            f'font-size="{TICK_FONT}" fill="#333">{esc(note)}</text>'
        )
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# What the report shows, read from the warehouse.


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


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.columns where table_schema = 'main' "
        "and table_name = ? and column_name = ?",
        [table, column],
    ).fetchone()
    return bool(row and row[0])


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def load_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Read what the page shows. Tables a warehouse lacks (an older build) are shown as absent."""
    tables = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }
    data = ReportData(tables=tables)
    if "runs" in tables:
        runs = _rows(
            con,
            """
            select
                run_id, mode,
                strftime(timezone('UTC', started_at), '%Y-%m-%d %H:%M:%S UTC') as started,
                strftime(timezone('UTC', finished_at), '%Y-%m-%d %H:%M:%S UTC') as finished,
                years_written, files_seen, files_scanned, files_parsed, files_skipped,
                warehouse_rebuilt, parser_version,
            from runs
            order by finished_at desc nulls last, started_at desc nulls last, run_id desc
            """,
        )
        data.runs_recorded = len(runs)
        data.last_run = runs[0] if runs else None
    if "reports" in tables:
        data.reports_by_template = dict(
            con.execute(
                "select coalesce(template, 'unknown'), count(*) from reports group by 1 order by 1"
            ).fetchall()
        )
        data.templates_by_year = {
            (int(year), str(template)): int(n)
            for year, template, n in con.execute(
                "select report_year, coalesce(template, 'unknown'), count(*) from reports "
                "where report_year is not null group by all order by all"
            ).fetchall()
        }
        data.spans = {
            report_id: (source_file, start, end)
            for report_id, source_file, start, end in con.execute(
                "select report_id, source_file, line_start, line_end from reports order by 1"
            ).fetchall()
        }
    files_sql = ["select source_file from reports"] if "reports" in tables else []
    if "quarantine" in tables:
        files_sql.append("select source_file from quarantine where source_file is not null")
        data.quarantined_rows = _scalar(con, "select count(*) from quarantine")
        data.quarantine_reasons = [
            (str(stage), str(reason), int(n))
            for stage, reason, n in con.execute(
                "select coalesce(stage, '?'), coalesce(reason, '?'), count(*) from quarantine "
                "group by all order by 3 desc, 1, 2"
            ).fetchall()
        ]
    if files_sql:
        data.files_in_warehouse = _scalar(
            con, f"select count(distinct source_file) from ({' union all '.join(files_sql)})"
        )
    if "statistics" in tables:
        data.statistics_rows = _scalar(con, "select count(*) from statistics")
    if "metrics" in tables:
        data.metric_labels = {
            code: (label or "", english or "")
            for code, label, english in con.execute(
                "select code, label, english from metrics order by code"
            ).fetchall()
        }
    if "reconciliation" in tables:
        data.status_counts = dict(
            con.execute(
                "select status, count(*) from reconciliation group by 1 order by 1"
            ).fetchall()
        )
        data.rule_counts = [
            (str(rule), int(failed), int(total))
            for rule, failed, total in con.execute(
                "select rule, count(*) filter (where status = 'fail'), count(*) "
                "from reconciliation group by rule order by 2 desc, 1"
            ).fetchall()
        ]
        for row in _rows(
            con,
            """
            select report_id, rule, subject, dimension, lhs, rhs, delta, metrics, source_lines,
                other_report_id, detail,
            from reconciliation
            where status = 'fail'
            order by report_id, rule, subject, dimension, source_lines, lhs, rhs, detail
            """,
        ):
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
    if "mart_data_quality" in tables:
        order = "q.report_year, q.source_file, q.report_id"
        if "reports" in tables:
            order = "q.report_year, q.source_file, r.ordinal, q.report_id"
        join = "left join reports r using (report_id)" if "reports" in tables else ""
        findings = (
            "q.inspection_findings"
            if _has_column(con, "mart_data_quality", "inspection_findings")
            else "[]::varchar[]"  # a warehouse built before the inspectors' rules
        )
        for row in _rows(
            con,
            f"""
            select q.report_id, q.report_year, q.agency, q.region, q.template, q.source_file,
                q.rules_passed, q.rules_failed, q.rules_not_assessable, q.failing_rules,
                {findings} as inspection_findings,
            from mart_data_quality q {join}
            order by {order}
            """,
        ):
            data.reports.append(
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
            )
    if HARMONISED_MART in tables:
        _load_requests(con, data)
    return data


def _load_requests(con: duckdb.DuckDBPyConnection, data: ReportData) -> None:
    codes = [code for code, *_ in REQUEST_SERIES]
    for year, metric, total, approximate, approx in con.execute(
        f"""
        select
            report_year,
            harmonised_metric,
            sum(value),
            bool_or(match = 'approximate'),
            count(*) filter (where qualifier = 'approx'),
        from {HARMONISED_MART}
        where harmonised_metric in (select unnest(?)) and value is not null
            and report_year is not null
        group by all
        order by all
        """,
        [codes],
    ).fetchall():
        data.requests[(int(year), str(metric))] = float(total)
        if approximate:
            data.request_approximate_years.add(int(year))
        data.request_approx_figures += int(approx)
    data.request_reports = {
        int(year): int(n)
        for year, n in con.execute(
            f"""
            select report_year, count(distinct report_id)
            from {HARMONISED_MART}
            where harmonised_metric in (select unnest(?)) and value is not null
            group by all
            order by all
            """,
            [codes],
        ).fetchall()
        if year is not None
    }
    data.request_labels = {
        str(code): (label or "", english or "")
        for code, label, english in con.execute(
            f"""
            select harmonised_metric, min(label_zh), min(english)
            from {HARMONISED_MART}
            where harmonised_metric in (select unnest(?))
            group by 1
            order by 1
            """,
            [codes],
        ).fetchall()
    }


# ---------------------------------------------------------------------------------------------
# Source lines, quoted from the raw files.


class SourceLines:
    """The text lines of raw files, decoded the way the parser decoded them."""

    def __init__(self, raw_dir: Path | None) -> None:
        self.raw_dir = raw_dir
        self._lines: dict[str, list[str] | None] = {}

    def path(self, source_file: str) -> Path | None:
        """The raw file, when a raw directory is given and the file is there."""
        if self.raw_dir is None:
            return None
        path = self.raw_dir / source_file
        try:
            return path if path.is_file() else None
        except OSError:  # a folder the run may not search: cited, not quoted
            return None

    def uri(self, source_file: str) -> str | None:
        path = self.path(source_file)
        return path.resolve().as_uri() if path is not None else None

    def line(self, source_file: str, number: int) -> str | None:
        """Line `number` (1-based) as the parser numbered it, or None when it cannot be read."""
        if source_file not in self._lines:
            self._lines[source_file] = self._read(source_file)
        lines = self._lines[source_file]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _read(self, source_file: str) -> list[str] | None:
        path = self.path(source_file)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        text, _, _ = decode_document(source_file, data)
        return text.split("\n") if text is not None else None


def line_owner(
    line: int, report_id: str, other_report_id: str | None, spans: Mapping[str, Span]
) -> str:
    """The report a cited line belongs to: the report itself, or for a cross-year rule the
    earlier report when the line falls inside that report's lines and not inside this one's
    (the two may even be in different files)."""

    def inside(span: Span | None) -> bool:
        return span is not None and span[1] is not None and span[1] <= line <= (span[2] or line)

    if other_report_id and not inside(spans.get(report_id)) and inside(spans.get(other_report_id)):
        return other_report_id
    return report_id


# ---------------------------------------------------------------------------------------------
# The page.

CSS = f"""
:root {{ color-scheme: light; }}
body {{ font-family: {FONT_STACK}; margin: 0; color: #1a1a1a; background: #fff;
  font-size: 14px; line-height: 1.5; }}
main {{ max-width: 1160px; margin: 0 auto; padding: 24px 20px 60px; }}
h1 {{ font-size: 26px; margin: 0 0 4px; }}
h2 {{ font-size: 20px; margin: 36px 0 10px; border-bottom: 2px solid #0072B2;
  padding-bottom: 4px; }}
h3 {{ font-size: 16px; margin: 22px 0 6px; }}
h4 {{ font-size: 14px; margin: 14px 0 4px; }}
.subtitle {{ color: #555; margin: 0 0 16px; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(175px, 1fr));
  gap: 10px; margin: 14px 0; }}
.card {{ border: 1px solid #d8d8d8; border-radius: 6px; padding: 8px 12px; background: #fafafa; }}
.card .value {{ font-size: 24px; font-weight: bold; }}
.card .label {{ color: #555; font-size: 13px; }}
.card .sub {{ color: #555; font-size: 12px; }}
table {{ border-collapse: collapse; width: 100%; margin: 8px 0; }}
th, td {{ border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f0f3f7; font-weight: 600; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.inconsistent td {{ background: #fff4ef; }}
.only-failing tr.consistent {{ display: none; }}
.unknown {{ color: #777; font-style: italic; }}
.rules a, .findings a {{ display: inline-block; margin-right: 6px; }}
figure.chart {{ margin: 22px 0; }}
figure.chart svg {{ font-family: {FONT_STACK}; max-width: 100%; height: auto; display: block; }}
figcaption {{ color: #444; font-size: 13px; margin-top: 6px; max-width: 1000px; }}
.failure-block {{ border-left: 4px solid {FAILURE_COLOUR}; padding: 2px 12px 8px;
  margin: 16px 0; background: #fffaf7; }}
.rule-block {{ margin: 8px 0 14px; }}
.formula {{ color: #444; font-size: 13px; }}
.evaluation {{ margin: 8px 0 12px; padding: 6px 10px; background: #fff;
  border: 1px solid #eee; }}
.evaluation p {{ margin: 2px 0; }}
.evaluation .detail {{ color: #444; }}
table.lines {{ margin: 6px 0 2px; }}
table.lines td {{ border: none; border-top: 1px solid #eee; padding: 3px 6px; }}
table.lines td.where {{ white-space: nowrap; width: 1%; }}
code {{ font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace; font-size: 12.5px; }}
q.source {{ display: block; quotes: none; }}
q.source > span {{ display: block; white-space: pre-wrap; word-break: break-all;
  background: #f6f6f6; padding: 1px 6px; }}
q.source > span.context {{ color: #777; background: #fbfbfb; }}
.lineno {{ display: inline-block; min-width: 3.2em; color: #999; font-size: 12px;
  user-select: none; }}
a {{ color: #0a58ca; text-decoration: none; }}
a:hover {{ text-decoration: underline; }}
details {{ margin: 6px 0; }}
dl.run {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }}
dl.run dt {{ color: #555; }}
dl.run dd {{ margin: 0; }}
.back {{ font-size: 12px; }}
.owner {{ color: #777; font-size: 12px; }}
"""

# Measures every chart once the page is laid out and writes the result into the chart's
# `data-rendered` attribute: how many bars, their drawn size, text clipped by the chart's edge
# and pairs of labels that overlap. Tests read it back from the DOM a headless browser dumps.
MEASURE_SCRIPT = """
(function () {
  function overlap(a, b) {
    return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
      Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  }
  var figures = document.querySelectorAll("figure.chart");
  for (var i = 0; i < figures.length; i++) {
    var svg = figures[i].querySelector("svg");
    var box = svg.getBoundingClientRect();
    var bars = svg.querySelectorAll("rect.bar");
    var drawn = 0;
    for (var b = 0; b < bars.length; b++) {
      var bb = bars[b].getBBox();
      if (bb.width > 0 && bb.height > 0) { drawn++; }
    }
    var texts = svg.querySelectorAll("text");
    var rects = [];
    var outside = 0;
    for (var t = 0; t < texts.length; t++) {
      var r = texts[t].getBoundingClientRect();
      if (r.width === 0) { continue; }
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
          r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) { outside++; }
      rects.push(r);
    }
    var overlaps = 0;
    for (var p = 0; p < rects.length; p++) {
      for (var q = p + 1; q < rects.length; q++) {
        if (overlap(rects[p], rects[q])) { overlaps++; }
      }
    }
    var plot = svg.querySelector("g.bars");
    var plotBox = plot ? plot.getBBox() : {width: 0, height: 0};
    figures[i].setAttribute("data-rendered", JSON.stringify({
      bars: bars.length, drawn: drawn, texts: rects.length, outside: outside,
      overlaps: overlaps, plot_width: plotBox.width, plot_height: plotBox.height,
      x: box.left + window.scrollX, y: box.top + window.scrollY,
      width: box.width, height: box.height
    }));
  }
  var toggle = document.getElementById("only-failing");
  if (toggle) {
    toggle.addEventListener("change", function () {
      document.getElementById("report-table").classList.toggle("only-failing", toggle.checked);
    });
  }
})();
"""


def _figure(chart: str, svg: str, caption: str) -> str:
    return (
        f'<figure class="chart" id="chart-{esc(chart)}" data-chart="{esc(chart)}">\n{svg}\n'
        f"<figcaption>{caption}</figcaption>\n</figure>"
    )


def _template_label(template: str | None) -> str:
    return TEMPLATE_STYLE.get(template or "", ("", template or "unknown"))[1]


def _requests_chart(data: ReportData) -> str:
    title = "Requests and outcomes per year 依申请公开：收到与办理结果（按年度合计）"
    if HARMONISED_MART not in data.tables:
        svg = no_data_chart(
            "requests", title, f"no data: {HARMONISED_MART} is not in this warehouse"
        )
        return _figure("requests", svg, "This warehouse was built before the harmonised marts.")
    series = []
    for code, colour, label_zh, english in REQUEST_SERIES:
        zh, en = data.request_labels.get(code, (label_zh, english))
        series.append(Series(code, colour, f"{zh} {en}"))
    years = data.years
    reports_per_year: dict[int, int] = defaultdict(int)
    for report in data.reports:
        if report.report_year is not None:
            reports_per_year[report.report_year] += 1
    categories = [str(y) for y in years]
    values = {(str(y), code): v for (y, code), v in data.requests.items()}
    footers = {
        str(y): f"{data.request_reports.get(y, 0)}/{reports_per_year.get(y, 0)}"
        + ("≈" if y in data.request_approximate_years else "")
        for y in years
    }
    tooltips = {
        (str(y), s.key): f"{y} · {s.label} (sum over {data.request_reports.get(y, 0)} reports)"
        for y in years
        for s in series
    }
    svg = grouped_bar_chart(
        "requests",
        title,
        categories,
        series,
        values,
        "requests 件 (sum over reports)",
        footers=footers,
        tooltips=tooltips,
    )
    approx = (
        f" {data.request_approx_figures} of the summed figures were printed as approximate "
        "(such as 110余) and count as printed."
        if data.request_approx_figures
        else ""
    )
    caption = (
        "Each bar is the sum, over the reports of that year that printed the figure as a number, "
        f"of the harmonised figure ({esc(HARMONISED_MART)}); a report that did not print it adds "
        "nothing (not a zero). Under each year: <b>reports that printed at least one of these "
        "figures / reports of that year</b>. ≈ marks years whose figures come from the old "
        "template's terms (收到申请数 ≈ 本年新收, 同意公开 ≈ 予以公开 …), which only approximate "
        f"the 2019 template: a jump across 2019 may be the template, not the agencies.{approx}"
    )
    return _figure("requests", svg, caption) + _requests_table(data, series, years)


def _requests_table(data: ReportData, series: Sequence[Series], years: Sequence[int]) -> str:
    if not data.requests:
        return ""
    head = "".join(f'<th class="num">{esc(s.label)}</th>' for s in series)
    rows = []
    for year in years:
        cells = "".join(
            f'<td class="num">{esc(format_number(data.requests.get((year, s.key))))}</td>'
            for s in series
        )
        rows.append(
            f'<tr><td>{year}</td><td class="num">{data.request_reports.get(year, 0)}</td>'
            f"{cells}</tr>"
        )
    return (
        "<details><summary>The numbers behind the chart</summary>"
        f'<table class="requests-table"><thead><tr><th>year</th>'
        f'<th class="num">reports with figures</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def _rules_chart(data: ReportData) -> str:
    title = "Rule failures by rule 勾稽关系不符（按规则）"
    rows = [
        (
            rule,
            float(failed),
            f"{failed:,} failed of {total:,} evaluation{'s' if total != 1 else ''}",
        )
        for rule, failed, total in data.rule_counts
    ]
    svg = horizontal_bar_chart(
        "rules", title, rows, FAILURE_COLOUR, "failing evaluations", "no data: no rule evaluated"
    )
    formulas = rule_catalogue()
    items = "".join(
        f"<li><code>{esc(rule)}</code>: {esc(formulas.get(rule, {}).get('formula', ''))}</li>"
        for rule, _, _ in data.rule_counts
    )
    caption = (
        "One count per failing evaluation in <code>reconciliation</code> (a rule is evaluated "
        "once per report, column and subject). A failure is a report breaking its own "
        "arithmetic as printed, not an error of the pipeline."
        + (f"<details><summary>The rules</summary><ul>{items}</ul></details>" if items else "")
    )
    return _figure("rules", svg, caption)


def _templates_chart(data: ReportData) -> str:
    title = "Reports by template per year 各年度报告（按模板）"
    seen = sorted({t for _, t in data.templates_by_year})
    keys = [t for t in TEMPLATES if t in seen] + [t for t in seen if t not in TEMPLATES]
    others = iter(OTHER_COLOURS * 4)
    series = [
        Series(t, TEMPLATE_STYLE[t][0] if t in TEMPLATE_STYLE else next(others), _template_label(t))
        for t in keys
    ]
    values = {(str(y), t): float(n) for (y, t), n in data.templates_by_year.items()}
    svg = stacked_bar_chart(
        "templates", title, [str(y) for y in data.years], series, values, "reports 份"
    )
    return _figure(
        "templates",
        svg,
        "Reports in <code>reports</code> by report year (the year reported on, not the year "
        "published) and by the statistics template they print. The number on a bar is the "
        "year's total.",
    )


def _quarantine_chart(data: ReportData) -> str:
    title = "Quarantine by reason 隔离记录（按原因）"
    if "quarantine" not in data.tables:
        svg = no_data_chart("quarantine", title, "no data: no quarantine table in this warehouse")
    else:
        rows = [
            (f"{stage}: {reason}", float(n), f"{n:,} row{'s' if n != 1 else ''}")
            for stage, reason, n in data.quarantine_reasons
        ]
        svg = horizontal_bar_chart(
            "quarantine", title, rows, QUARANTINE_COLOUR, "rows", "no data: nothing quarantined"
        )
    return _figure(
        "quarantine",
        svg,
        "Rows of <code>quarantine</code> (stage: reason): files, reports or table rows the "
        "pipeline could not read, kept with the reason instead of a guess.",
    )


def _card(name: str, count: int | None, value: str, label: str, sub: str = "") -> str:
    """A headline figure; `data-count` holds the number for tests and scripts."""
    sub_html = f'<div class="sub">{sub}</div>' if sub else ""
    count_attr = f' data-count="{count}"' if count is not None else ""
    return (
        f'<div class="card" data-card="{esc(name)}"{count_attr}>'
        f'<div class="value">{value}</div>'
        f'<div class="label">{label}</div>{sub_html}</div>'
    )


def _header(data: ReportData, warehouse_dir: Path) -> str:
    run = data.last_run
    generated = esc(run["finished"] or run["started"]) if run else "unknown (no run recorded)"
    parts = [
        "<header>",
        "<h1>Data quality report 数据质量报告</h1>",
        '<p class="subtitle">Open government information annual reports '
        "政府信息公开工作年度报告 · warehouse "
        f"<code>{esc(warehouse_dir)}</code> · "
        f"built {generated}</p>",
    ]
    if run:
        years = run["years_written"] or []
        parts.append(
            '<dl class="run">'
            f"<dt>Last run</dt><dd><code>{esc(run['run_id'])}</code> ({esc(run['mode'])}), "
            f"{data.runs_recorded} run(s) recorded</dd>"
            f"<dt>Started / finished</dt><dd>{esc(run['started'])} → {esc(run['finished'])}</dd>"
            f"<dt>Files</dt><dd>{esc(run['files_seen'])} seen, {esc(run['files_scanned'])} read "
            f"by the inventory, {esc(run['files_parsed'])} parsed, {esc(run['files_skipped'])} "
            "unchanged</dd>"
            f"<dt>Years written</dt><dd>{esc(', '.join(map(str, years)) or 'none')}</dd>"
            f"<dt>Warehouse</dt><dd>{'rebuilt' if run['warehouse_rebuilt'] else 'unchanged'}"
            f" · parser version <code>{esc(run['parser_version'])}</code></dd></dl>"
        )
    else:
        parts.append('<p class="unknown">No run is recorded in this warehouse.</p>')
    total_reports = sum(data.reports_by_template.values())
    by_template = (
        ", ".join(f"{esc(t)} {n}" for t, n in sorted(data.reports_by_template.items())) or "none"
    )
    inconsistent = len(data.reports) - data.consistent
    files = run["files_seen"] if run and run["files_seen"] is not None else None
    status = data.status_counts
    parts.append('<div class="cards">')
    if files is not None:
        parts.append(
            _card(
                "files",
                files,
                esc(format_number(files)),
                "files seen by the last run",
                f"{data.files_in_warehouse} with reports or quarantine rows",
            )
        )
    else:
        parts.append(
            _card(
                "files",
                data.files_in_warehouse,
                esc(format_number(data.files_in_warehouse)),
                "files with reports or quarantine rows",
            )
        )
    parts.append(
        _card("reports", total_reports, esc(format_number(total_reports)), "reports", by_template)
    )
    parts.append(
        _card(
            "statistics",
            data.statistics_rows,
            esc(format_number(data.statistics_rows)),
            "statistics rows (printed figures)",
        )
    )
    parts.append(
        _card(
            "quarantined",
            data.quarantined_rows,
            esc(format_number(data.quarantined_rows)),
            "quarantined rows",
        )
    )
    parts.append(
        _card(
            "consistent",
            data.consistent,
            f"{data.consistent} / {inconsistent}",
            "reports consistent / not",
            "consistent: no reconciliation rule fails",
        )
    )
    parts.append(
        _card(
            "evaluations",
            sum(status.values()),
            esc(format_number(sum(status.values()))),
            "rule evaluations",
            f"{status.get('pass', 0)} pass, {status.get('fail', 0)} fail, "
            f"{status.get('not_assessable', 0)} not assessable",
        )
    )
    parts.append("</div></header>")
    return "\n".join(parts)


def _anchor(index: int, rule_index: int | None = None) -> str:
    return f"report-{index}" if rule_index is None else f"fail-{index}-{rule_index}"


def _file_cell(source_file: str, sources: SourceLines) -> str:
    uri = sources.uri(source_file)
    if uri is None:
        return f"<code>{esc(source_file)}</code>"
    return f'<a href="{esc(uri)}"><code>{esc(source_file)}</code></a>'


def _report_table(data: ReportData, sources: SourceLines) -> str:
    if not data.reports:
        return '<p class="no-data unknown">No reports in this warehouse.</p>'
    rows = []
    for index, report in enumerate(data.reports, start=1):
        agency = esc(report.agency) if report.agency else '<span class="unknown">unknown</span>'
        region = esc(report.region) if report.region else '<span class="unknown">—</span>'
        links = " ".join(
            f'<a href="#{_anchor(index, j)}">{esc(rule)}</a>'
            for j, rule in enumerate(report.failing_rules, start=1)
        )
        findings = " ".join(
            f'<a href="#{_anchor(index, j)}">{esc(rule)}</a>'
            for j, rule in enumerate(
                report.inspection_findings, start=len(report.failing_rules) + 1
            )
        )
        state = "consistent" if report.rules_failed == 0 else "inconsistent"
        ordinal = report.report_id.rsplit("#", 1)[-1] if "#" in report.report_id else ""
        rows.append(
            f'<tr class="{state}" id="{_anchor(index)}" data-report-id="{esc(report.report_id)}">'
            f'<td class="num">{esc(report.report_year)}</td><td>{agency}</td><td>{region}</td>'
            f"<td>{esc(report.template)}</td>"
            f"<td>{_file_cell(report.source_file, sources)}"
            f"{' #' + esc(ordinal) if ordinal else ''}</td>"
            f'<td class="num passed">{report.rules_passed}</td>'
            f'<td class="num failed">{report.rules_failed}</td>'
            f'<td class="num not-assessable">{report.rules_not_assessable}</td>'
            f'<td class="rules">{links}</td><td class="findings">{findings}</td></tr>'
        )
    return (
        '<p><label><input type="checkbox" id="only-failing"> show only reports that fail a rule'
        "</label></p>"
        '<table id="report-table"><thead><tr><th class="num">year</th><th>agency</th>'
        "<th>region</th><th>template</th><th>source file</th>"
        '<th class="num">passed</th><th class="num">failed</th>'
        '<th class="num">not assessable</th><th>failing rules</th>'
        "<th>inspection findings</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _metric_text(code: str, labels: Mapping[str, tuple[str, str]]) -> str:
    label, english = labels.get(code, ("", ""))
    named = " ".join(x for x in (label, english and f"({english})") if x)
    return f"<code>{esc(code)}</code> {esc(named)}".rstrip()


def _wide_characters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.east_asian_width(ch) in _WIDE)


def quoted_lines(sources: SourceLines, source_file: str, line: int) -> list[tuple[int, str]]:
    """The cited line, preceded by its label when the line holds only a value.

    In the one-cell-per-line layout (`001`) a cited line reads `33 |`; the lines above it, up
    to the first that holds a label (three CJK characters or more), say what 33 is.
    """
    text = sources.line(source_file, line)
    if text is None:
        return []
    quoted = [(line, text)]
    number = line
    while _wide_characters(quoted[0][1]) < _LABEL_CHARACTERS and line - number < _CONTEXT_LINES:
        number -= 1
        above = sources.line(source_file, number)
        if above is None:
            break
        quoted.insert(0, (number, above))
    return quoted


def _source_lines(
    report: ReportRow, evaluation: Evaluation, data: ReportData, sources: SourceLines
) -> str:
    rows = []
    for line in evaluation.source_lines:
        owner = line_owner(line, report.report_id, evaluation.other_report_id, data.spans)
        source_file = data.spans.get(owner, (report.source_file, None, None))[0]
        uri = sources.uri(source_file)
        where = f"<code>{esc(source_file)}:{line}</code>"
        if uri is not None:
            where = f'<a href="{esc(uri)}">{where}</a>'
        if owner != report.report_id:
            where += f'<br><span class="owner">in report {esc(owner)}</span>'
        quoted = "".join(
            f'<span class="{"cited" if number == line else "context"}">'
            f'<span class="lineno">{number}</span>{esc(text)}</span>'
            for number, text in quoted_lines(sources, source_file, line)
        )
        text_cell = (
            f'<q class="source">{quoted}</q>'
            if quoted
            else '<span class="unknown">not quoted (no readable raw file)</span>'
        )
        rows.append(f'<tr><td class="where">{where}</td><td>{text_cell}</td></tr>')
    if not rows:
        return '<p class="unknown">no source line recorded</p>'
    return f'<table class="lines"><tbody>{"".join(rows)}</tbody></table>'


def _evaluation_block(
    report: ReportRow, evaluation: Evaluation, data: ReportData, sources: SourceLines
) -> str:
    subject = _metric_text(evaluation.subject or "", data.metric_labels)
    facts = [
        f'<p class="numbers">{subject} · column <code>{esc(evaluation.dimension)}</code> · '
        f'lhs <b class="lhs">{esc(format_number(evaluation.lhs))}</b> · '
        f'rhs <b class="rhs">{esc(format_number(evaluation.rhs))}</b> · '
        f'delta <b class="delta">{esc(format_number(evaluation.delta))}</b></p>'
    ]
    if evaluation.detail:
        facts.append(f'<p class="detail">{esc(evaluation.detail)}</p>')
    if evaluation.other_report_id:
        facts.append(
            f'<p class="detail">compared with report <code>{esc(evaluation.other_report_id)}'
            "</code></p>"
        )
    if evaluation.metrics:
        involved = "".join(
            f"<li>{_metric_text(m, data.metric_labels)}</li>" for m in evaluation.metrics
        )
        facts.append(
            f"<details><summary>metrics involved ({len(evaluation.metrics)})</summary>"
            f"<ul>{involved}</ul></details>"
        )
    facts.append(_source_lines(report, evaluation, data, sources))
    return f'<div class="evaluation">{"".join(facts)}</div>'


def _failure_details(data: ReportData, sources: SourceLines) -> str:
    formulas = rule_catalogue()
    blocks = []
    for index, report in enumerate(data.reports, start=1):
        if not report.shown_rules:
            continue
        evaluations = data.failures.get(report.report_id, [])
        agency = esc(report.agency) if report.agency else "unknown agency"
        rule_blocks = []
        for j, rule in enumerate(report.shown_rules, start=1):
            formula = formulas.get(rule, {}).get("formula")
            rule_blocks.append(
                f'<div class="rule-block" id="{_anchor(index, j)}" data-rule="{esc(rule)}">'
                f"<h4><code>{esc(rule)}</code></h4>"
                + (f'<div class="formula">{esc(formula)}</div>' if formula else "")
                + "".join(
                    _evaluation_block(report, e, data, sources)
                    for e in evaluations
                    if e.rule == rule
                )
                + "</div>"
            )
        blocks.append(
            f'<section class="failure-block" data-report-id="{esc(report.report_id)}">'
            f"<h3>{esc(report.report_year)} · {agency} · {esc(report.region or '')} · "
            f"<code>{esc(report.report_id)}</code> ({esc(report.template)})</h3>"
            f'<a class="back" href="#{_anchor(index)}">↑ back to the table</a>'
            f"{''.join(rule_blocks)}</section>"
        )
    if not blocks:
        return '<p class="unknown">No rule fails in any report.</p>'
    return "\n".join(blocks)


def render_report(data: ReportData, warehouse_dir: Path, raw_dir: Path | None = None) -> str:
    """The whole page, as a string."""
    sources = SourceLines(raw_dir)
    raw_note = (
        "Source lines are quoted from the raw files in "
        f"<code>{esc(raw_dir)}</code>, decoded the way the parser decoded them (for saved web "
        "pages, line numbers count lines of the converted text)."
        if raw_dir is not None
        else "No raw directory was given: source lines are cited, not quoted."
    )
    body = [
        _header(data, warehouse_dir),
        '<section id="charts"><h2>Charts</h2>',
        _requests_chart(data),
        _rules_chart(data),
        _templates_chart(data),
        _quarantine_chart(data),
        "</section>",
        '<section id="reports"><h2>Reports 报告</h2>',
        "<p>Every report in <code>mart_data_quality</code>, by year and file. Each failing rule "
        "links to the failing evaluations below; so does each inspection finding (late, a "
        "section or table missing, figures copied), which does not make a report inconsistent. "
        "Agencies the text does not name are "
        "<span class=unknown>unknown</span>.</p>",
        _report_table(data, sources),
        "</section>",
        '<section id="failures"><h2>Failing evaluations 不符的勾稽关系</h2>',
        f"<p>{raw_note} lhs and rhs are the two sides of the rule as printed; delta = lhs − rhs."
        "</p>",
        _failure_details(data, sources),
        "</section>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-Hans">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Data quality report 数据质量报告</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n</main>\n<script>{MEASURE_SCRIPT}</script>\n</body>\n</html>\n"
    )


def write_report(warehouse_dir: Path, raw_dir: Path | None = None, out: Path | None = None) -> Path:
    """Write the HTML report of the warehouse in `warehouse_dir`; returns the file written.

    The database is opened read-only. `raw_dir` (optional) lets the report quote source lines
    and link the raw files. `out` defaults to `warehouse_dir/report.html`; the file is written
    beside its destination and renamed into place.
    """
    return publish_report(warehouse_dir, raw_dir, out)[0]


def publish_report(
    warehouse_dir: Path, raw_dir: Path | None = None, out: Path | None = None
) -> tuple[Path, ReportData]:
    """`write_report`, also returning what the page shows (the `report` asset's metadata)."""
    warehouse_dir = Path(warehouse_dir)
    layout = WarehouseLayout(warehouse_dir)
    if not layout.database.is_file():
        raise FileNotFoundError(f"no warehouse at {layout.database}; run the pipeline first")
    with duckdb.connect(str(layout.database), read_only=True) as con:
        data = load_report_data(con)
    page = render_report(data, warehouse_dir, Path(raw_dir) if raw_dir is not None else None)
    target = Path(out) if out is not None else layout.report
    write_text_atomic(page, target)
    return target, data
