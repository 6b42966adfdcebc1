"""One raw file through the parser, in memory: what `python -m pipeline extract FILE` prints.

`examine_file` runs exactly the code a pipeline run runs on the file (decode, segment, read the
tables and prose, screen the figures, evaluate the reconciliation rules among the file's own
reports) and returns the tables a year partition would hold, without reading or writing any
warehouse. `render_text` lays them out for a terminal; `to_json` for scripts.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipeline.catalogue import metrics
from pipeline.model import DIMENSIONS, QUARANTINE_SCHEMA, RECONCILIATION_SCHEMA
from pipeline.parse import parse_file, scan_file
from pipeline.reconcile import reconcile
from pipeline.stages.columns import quarantine_record, year_frames

# Applicant columns of table 3 in print order, shown beside the total on one line.
APPLICANT_COLUMNS = tuple(d for d in DIMENSIONS if d != "total")


@dataclass(frozen=True, slots=True)
class Examination:
    """The parse of one file: its reports, figures, problems and rule evaluations."""

    source_file: str
    encoding: str | None
    reports: pl.DataFrame
    statistics: pl.DataFrame
    prose_figures: pl.DataFrame
    quarantine: pl.DataFrame
    reconciliation: pl.DataFrame


def examine_file(source_file: str, data: bytes) -> Examination:
    """Parse one file's bytes as a pipeline run would, touching no warehouse."""
    scan = scan_file(source_file, data)
    parsed = parse_file(source_file, data, scan.report_years)
    frames = [year_frames(year, [records]) for year, records in sorted(parsed.by_year.items())]

    def combined(name: str) -> pl.DataFrame:
        return pl.concat([f[name] for f in frames]) if frames else pl.DataFrame()

    reports = combined("reports")
    statistics = combined("statistics")
    prose_figures = combined("prose_figures")
    file_problems = pl.DataFrame(
        [quarantine_record(source_file, p.report_id, p.stage, p.rejected) for p in scan.problems],
        schema=QUARANTINE_SCHEMA,
    )
    quarantine = pl.concat([file_problems, *(f["quarantine/statistics"] for f in frames)])
    reconciliation = (
        reconcile(
            statistics,
            prose_figures,
            reports,
            sections=combined("sections"),
            quarantine=quarantine,
        )
        if frames
        else pl.DataFrame(schema=RECONCILIATION_SCHEMA)
    )
    return Examination(
        source_file, scan.encoding, reports, statistics, prose_figures, quarantine, reconciliation
    )


def to_json(examination: Examination) -> str:
    """The examination as JSON: file, encoding, and every report with its rows."""

    def rows(frame: pl.DataFrame, report_id: str) -> list[dict[str, Any]]:
        if frame.is_empty():
            return []
        return frame.filter(pl.col("report_id") == report_id).to_dicts()

    reports = []
    for report in examination.reports.to_dicts():
        report_id = report["report_id"]
        reports.append(
            {
                "report": report,
                "statistics": rows(examination.statistics, report_id),
                "prose_figures": rows(examination.prose_figures, report_id),
                "quarantine": rows(examination.quarantine, report_id),
                "reconciliation": rows(examination.reconciliation, report_id),
            }
        )
    payload = {
        "source_file": examination.source_file,
        "encoding": examination.encoding,
        "file_problems": examination.quarantine.filter(pl.col("report_id").is_null()).to_dicts(),
        "reports": reports,
    }
    return json.dumps(payload, ensure_ascii=False, indent=1, default=str)


def _number(value: float | None, kind: str, raw: str) -> str:
    if kind != "number" or value is None:
        return f"({kind}: {raw!r})" if raw else f"({kind})"
    return f"{value:g}" if value == int(value) else f"{value}"


def _plain(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _figure_lines(statistics: pl.DataFrame) -> list[list[str]]:
    """One row per (line, metric): the total and, for table 3, the applicant columns."""
    rows: list[list[str]] = []
    ordered = statistics.with_row_index("order")
    for (_line, _metric), group in ordered.group_by("source_line", "metric", maintain_order=True):
        by_dimension = {row["dimension"]: row for row in group.to_dicts()}
        main = by_dimension.get("total") or next(iter(by_dimension.values()))
        applicants = [by_dimension.get(d) for d in APPLICANT_COLUMNS]
        by_applicant = (
            "/".join(
                _number(r["value"], r["value_kind"], r["value_raw"]) if r else "·"
                for r in applicants
            )
            if any(applicants)
            else ""
        )
        cumulative = by_dimension.get("cumulative")
        if cumulative is not None and cumulative is not main:
            # an old table's 历年累计 column, beside this year's figure
            by_applicant = "cumulative " + _number(
                cumulative["value"], cumulative["value_kind"], cumulative["value_raw"]
            )
        metric = metrics().get(main["metric"])
        qualifier = " ≈" if main["qualifier"] == "approx" else ""
        if main["dimension"] == "cumulative":
            qualifier += " (cumulative)"  # printed on a line of its own
        rows.append(
            [
                str(main["source_line"]),
                main["metric"],
                metric.english if metric else "",
                _number(main["value"], main["value_kind"], main["value_raw"]) + qualifier,
                by_applicant,
                main["label_raw"],
            ]
        )
    return rows


def _layout(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    out = []
    for row in [header, *rows]:
        cells = [
            cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
        ]
        out.append("  ".join(cells).rstrip())
    return out


def _width(text: str) -> int:
    # Wide (CJK) characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_text(examination: Examination) -> str:
    """A terminal view: each report, its figures, its problems and its failing rules."""
    out = [
        f"{examination.source_file}: encoding {examination.encoding or 'unknown'}, "
        f"{examination.reports.height} report(s)"
    ]
    for problem in examination.quarantine.filter(pl.col("report_id").is_null()).to_dicts():
        out.append(f"  file problem: {problem['reason']}: {problem['message']}")
    for report in examination.reports.to_dicts():
        report_id = report["report_id"]
        out += [
            "",
            f"== {report_id}  {report['report_year']}  {report['template']}  "
            f"agency: {report['agency'] or 'unknown'}  lines {report['line_start']}-"
            f"{report['line_end']}",
        ]
        statistics = examination.statistics.filter(pl.col("report_id") == report_id)
        prose = examination.prose_figures.filter(pl.col("report_id") == report_id)
        header = ["line", "metric", "english", "value", "by applicant", "printed label"]
        if statistics.height:
            out.append(f"statistics ({statistics.height} rows):")
            out += ["  " + line for line in _layout(_figure_lines(statistics), header)]
        else:
            out.append("statistics: none")
        if prose.height and report["template"] != "prose":
            out.append(f"prose figures, a second reading ({prose.height} rows):")
            out += ["  " + line for line in _layout(_figure_lines(prose), header)]
        problems = examination.quarantine.filter(pl.col("report_id") == report_id)
        for problem in problems.to_dicts():
            out.append(
                f"quarantined: line {problem['source_line']}: {problem['reason']}: "
                f"{problem['message']}"
            )
        rules = examination.reconciliation.filter(pl.col("report_id") == report_id)
        failed = rules.filter(pl.col("status") == "fail")
        out.append(
            f"rules: {rules.filter(pl.col('status') == 'pass').height} pass, {failed.height} "
            f"fail, {rules.filter(pl.col('status') == 'not_assessable').height} not assessable"
        )
        for rule in failed.to_dicts():
            lines = ", ".join(str(line) for line in rule["source_lines"] or [])
            out.append(
                f"  FAIL {rule['rule']} {rule['subject']} [{rule['dimension']}]: "
                f"{_plain(rule['lhs'])} vs {_plain(rule['rhs'])} (delta {_plain(rule['delta'])}); "
                f"lines {lines}"
            )
    return "\n".join(out) + "\n"
