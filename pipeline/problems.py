"""Failing rules as an inspector reads them: both sides, the difference, and the printed lines.

Reads a published `warehouse.duckdb` read-only (never a write connection: see README) and the
raw files for the quoted lines. `failing_checks` feeds both the Excel workbook's checks sheet
(`pipeline/export.py`) and the per-agency problem lists (`python -m pipeline problems`), which
say, in Chinese, what each failing rule means, the printed figures, where they are (section,
line) and what would make them consistent (texts in `schemas/rules.yaml`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from pipeline.catalogue import load_yaml, metrics
from pipeline.reconcile import rules
from pipeline.sources import SourceLines, quoted_lines

FORMATS = ("text", "md", "html")


@dataclass(frozen=True, slots=True)
class PrintedLine:
    """One cited line of a raw file, with the report and section it stands in."""

    report_id: str
    line: int
    text: str | None
    section: str | None


@dataclass(frozen=True, slots=True)
class Check:
    """One failing rule evaluation with everything needed to show it."""

    report_id: str
    report_year: int
    agency: str | None
    agency_id: str | None
    source_file: str
    rule: str
    subject: str
    dimension: str
    lhs: float | None
    rhs: float | None
    delta: float | None
    metrics: tuple[str, ...]
    other_report_id: str | None
    detail: str | None
    lines: tuple[PrintedLine, ...] = field(default=())


@cache
def column_labels() -> dict[str, str]:
    """Chinese labels of warehouse columns (schemas/column_labels.yaml)."""
    return dict(load_yaml("column_labels.yaml")["columns"])


@cache
def _dimension_labels() -> dict[str, str]:
    return dict(load_yaml("column_labels.yaml")["dimensions"])


def subject_label(subject: str) -> str:
    """A rule's subject in Chinese: a metric's label, an article-50 content, a table, a group."""
    catalogue = metrics()
    if subject in catalogue:
        return catalogue[subject].label
    spec = rules()
    for content in spec["inspection.required_sections"]["contents"]:
        if content["key"] == subject:
            return str(content["label"])
    for table in spec["inspection.required_tables"]["tables"]:
        if table["table"] == subject:
            return str(table["label"])
    members = [m.label for code, m in sorted(catalogue.items()) if code.startswith(subject + ".")]
    if members:
        return members[0].split("·")[0]
    return subject


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.6g}"


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `python -m pipeline run` first")
    return duckdb.connect(str(warehouse), read_only=True)


def region_prefix(code: str) -> str:
    """The code prefix a 6-digit division code stands for (370000: 37, 370100: 3701)."""
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"a division code has 6 digits: {code!r}")
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def failing_checks(
    con: duckdb.DuckDBPyConnection,
    sources: SourceLines,
    *,
    report_ids: Sequence[str] | None = None,
    year: int | None = None,
    region: str | None = None,
) -> list[Check]:
    """Every failing rule evaluation of the selected reports, with its printed lines."""
    where = ["c.status = 'fail'"]
    params: list[Any] = []
    if report_ids is not None:
        where.append("list_contains(?, c.report_id)")
        params.append(list(report_ids))
    if year is not None:
        where.append("c.report_year = ?")
        params.append(year)
    if region is not None:
        where.append("starts_with(coalesce(r.division_code, ''), ?)")
        params.append(region_prefix(region))
    rows = con.execute(
        f"""
        select c.report_id, c.report_year, coalesce(r.agency_name, r.agency, r.region),
               r.agency_id, r.source_file, c.rule, c.subject, c.dimension, c.lhs, c.rhs,
               c.delta, c.metrics, c.other_report_id, c.detail, c.source_lines
        from reconciliation c join reports r using (report_id)
        where {" and ".join(where)}
        order by c.report_year, c.report_id, c.rule, c.subject, c.dimension
        """,
        params,
    ).fetchall()
    spans = {
        report_id: (source_file, start, end)
        for report_id, source_file, start, end in con.execute(
            "select report_id, source_file, line_start, line_end from reports"
        ).fetchall()
    }
    sections: dict[str, list[tuple[int, int, str]]] = {}
    for report_id, start, end, number, title in con.execute(
        "select report_id, line_start, line_end, number, title from sections order by 1, 2"
    ).fetchall():
        sections.setdefault(report_id, []).append((start, end, f"{number}、{title}"))

    def owner(line: int, report_id: str, other: str | None) -> str:
        for candidate in (report_id, other):
            span = spans.get(candidate) if candidate else None
            if span and span[1] <= line <= span[2]:
                return str(candidate)
        return report_id

    checks = []
    for row in rows:
        (report_id, report_year, agency, agency_id, source_file, rule, subject, dimension) = row[:8]
        lhs, rhs, delta, metric_codes, other, detail, source_lines = row[8:]
        printed = []
        for line in source_lines or []:
            held_by = owner(line, report_id, other)
            file_of = spans[held_by][0] if held_by in spans else source_file
            section = next(
                (title for start, end, title in sections.get(held_by, []) if start <= line <= end),
                None,
            )
            quoted = quoted_lines(sources, file_of, line)
            text = " / ".join(t.strip() for _n, t in quoted) if quoted else None
            printed.append(PrintedLine(held_by, line, text, section))
        checks.append(
            Check(
                report_id,
                report_year,
                agency,
                agency_id,
                source_file,
                rule,
                subject,
                dimension,
                lhs,
                rhs,
                delta,
                tuple(metric_codes or ()),
                other,
                detail,
                tuple(printed),
            )
        )
    return checks


# --- problem lists -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgencyReports:
    """The reports a problem list covers and the name it is addressed to."""

    name: str
    agency_id: str | None
    reports: tuple[tuple[str, int], ...]


def find_agency_reports(
    con: duckdb.DuckDBPyConnection, agency: str, year: int | None = None
) -> AgencyReports:
    """The reports of one agency, by agency_id, normalised name or printed name.

    A name that two canonical agencies bear is refused (never merged): the error lists their
    ids. A printed name without an id selects the reports printing exactly that name.
    """
    rows = con.execute(
        """
        select report_id, report_year, agency_id, coalesce(agency_name, agency, region)
        from reports
        where agency_id = ? or agency_name = ? or agency = ?
        order by report_year, report_id
        """,
        [agency, agency, agency],
    ).fetchall()
    ids = sorted({row[2] for row in rows if row[2] is not None})
    if len(ids) > 1:
        raise LookupError(f"{agency!r} names {len(ids)} agencies; give one id: {', '.join(ids)}")
    if ids and any(row[2] is None for row in rows):
        rows = [row for row in rows if row[2] is not None]
    if year is not None:
        rows = [row for row in rows if row[1] == year]
    if not rows:
        raise LookupError(
            f"no report of agency {agency!r}" + (f" for {year}" if year is not None else "")
        )
    return AgencyReports(rows[0][3], ids[0] if ids else None, tuple((r[0], r[1]) for r in rows))


def problem_sentence(check: Check) -> tuple[str, str]:
    """The failing rule in plain Chinese words, and what would make the figures consistent."""
    spec = rules()[check.rule]
    values = {
        "subject": subject_label(check.subject),
        "dimension": _dimension_labels().get(check.dimension, check.dimension),
        "lhs": _number(check.lhs),
        "rhs": _number(check.rhs),
        "delta": _number(abs(check.delta) if check.delta is not None else None),
        "source": spec.get("source", ""),
    }
    return str(spec["problem_zh"]).format(**values), str(spec["fix_zh"]).format(**values)


def _where(line: PrintedLine, report_id: str) -> str:
    place = f"第 {line.line} 行"
    if line.section:
        place += f"（{line.section}）"
    if line.report_id != report_id:
        place = f"上一年度报告 {line.report_id} " + place
    return place


def render_problems(
    agency: AgencyReports, checks: Sequence[Check], fmt: str = "text", year: int | None = None
) -> str:
    """The problem list an inspector sends back to one agency, in Chinese."""
    if fmt not in FORMATS:
        raise ValueError(f"format is one of {', '.join(FORMATS)}")
    years = sorted({y for _r, y in agency.reports})
    span = str(year) if year is not None else "、".join(map(str, years))
    title = f"{agency.name} 政府信息公开工作年度报告问题清单（{span}年度）"
    intro = (
        f"机构编号：{agency.agency_id or '未识别'}；所列报告：{len(agency.reports)} 份；"
        f"发现问题：{len(checks)} 项。数字均按报告原文照录，未作改动。"
    )
    items: list[tuple[str, str, list[str], str, str]] = []
    for check in checks:
        problem, fix = problem_sentence(check)
        heading = f"{check.report_year}年度报告（{check.report_id}）· 规则 {check.rule}"
        places = [
            f"{_where(line, check.report_id)}：{line.text or '（原文不可读）'}"
            for line in check.lines
        ]
        if not places:
            places = ["（本规则不引用具体行）"]
        items.append((heading, problem, places, fix, check.detail or ""))
    if fmt == "html":
        return _html(title, intro, items)
    if fmt == "md":
        out = [f"# {title}", "", intro, ""]
        if not items:
            out.append("未发现问题。")
        for number, (heading, problem, places, fix, detail) in enumerate(items, start=1):
            out += [f"## {number}. {heading}", "", f"**问题**：{problem}", "", "**位置**："]
            out += [f"- {place}" for place in places]
            out += ["", f"**建议**：{fix}", ""]
            if detail:
                out += [f"> 说明：{detail}", ""]
        return "\n".join(out)
    out = [title, "=" * 20, intro, ""]
    if not items:
        out.append("未发现问题。")
    for number, (heading, problem, places, fix, detail) in enumerate(items, start=1):
        out += [f"{number}. {heading}", f"   问题：{problem}", "   位置："]
        out += [f"     {place}" for place in places]
        out.append(f"   建议：{fix}")
        if detail:
            out.append(f"   说明：{detail}")
        out.append("")
    return "\n".join(out)


def _html(title: str, intro: str, items: Sequence[tuple[str, str, list[str], str, str]]) -> str:
    esc = html.escape
    body = [f"<h1>{esc(title)}</h1>", f"<p>{esc(intro)}</p>"]
    if not items:
        body.append("<p>未发现问题。</p>")
    body.append("<ol>")
    for heading, problem, places, fix, detail in items:
        body.append(
            f"<li><h2>{esc(heading)}</h2><p><b>问题</b>：{esc(problem)}</p><p><b>位置</b>：</p><ul>"
            + "".join(f"<li>{esc(place)}</li>" for place in places)
            + f"</ul><p><b>建议</b>：{esc(fix)}</p>"
            + (f"<p><small>说明：{esc(detail)}</small></p>" if detail else "")
            + "</li>"
        )
    body.append("</ol>")
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head><body>{''.join(body)}</body></html>"
    )


def write_problems(
    warehouse: Path,
    raw_dir: Path | None,
    agency: str,
    *,
    year: int | None = None,
    fmt: str = "text",
) -> str:
    """The problem list of one agency from a published warehouse (opened read-only)."""
    with _connect(warehouse) as con:
        found = find_agency_reports(con, agency, year)
        checks = failing_checks(
            con, SourceLines(raw_dir), report_ids=[r for r, _y in found.reports], year=year
        )
    return render_problems(found, checks, fmt, year)
