"""Reconciliation rules (勾稽关系): does a report's arithmetic hold, as printed?

A failing rule is data about the report, never an error of the pipeline: each check gives a
row with both sides, the difference and the figures involved, and no printed value is ever
changed. The rules are listed, with ids and formulas, in `schemas/rules.yaml`; sum rules
follow the `parent` codes of the metric catalogue.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise
from typing import Any

import polars as pl
import pyarrow as pa

from pipeline.catalogue import load_yaml, metrics
from pipeline.model import DIMENSIONS, RECONCILIATION_SCHEMA

APPLICANT_COLUMNS = DIMENSIONS[:-1]
FAILED = pl.col("status") == "fail"
# The inspectors' rules (timeliness, required contents, copied figures): findings about a
# report, not breaks of its arithmetic; `is_consistent` and `--strict` leave them out.
INSPECTION = pl.col("rule").str.starts_with("inspection.")
RULE_BY_TABLE = {
    "requests": "requests.r2_outcomes",
    "review_litigation": "review_litigation.group_total",
    "old_table": "old_table.parent_sum",
}


@cache
def rules() -> dict[str, dict[str, Any]]:
    """The rule catalogue by id."""
    return {rule["id"]: rule for rule in load_yaml("rules.yaml")["rules"]}


@cache
def inspection_subjects() -> frozenset[str]:
    """Subjects of the inspectors' rules that are not metric codes: the publication date, the
    article-50 contents, the tables, and the groups the copied-figures rule compares."""
    catalogue = rules()
    copied = catalogue["inspection.copied_figures"]["groups"]
    by_item = {g["table"] for g in copied if g["by"] == "item"}
    return frozenset(
        {
            "published_on",
            *(c["key"] for c in catalogue["inspection.required_sections"]["contents"]),
            *(t["table"] for t in catalogue["inspection.required_tables"]["tables"]),
            *(g["table"] for g in copied),
            *(
                ".".join(code.split(".")[:2])
                for code, metric in metrics().items()
                if metric.table in by_item
            ),
        }
    )


@cache
def _tolerance() -> float:
    return float(load_yaml("rules.yaml")["tolerance"])


@cache
def _children() -> dict[str, tuple[str, ...]]:
    children: dict[str, list[str]] = defaultdict(list)
    for metric in metrics().values():
        if metric.parent:
            children[metric.parent].append(metric.code)
    return {parent: tuple(codes) for parent, codes in children.items()}


@dataclass(frozen=True, slots=True)
class Reading:
    """One printed figure as the rules see it."""

    metric: str
    dimension: str
    value: float | None
    kind: str
    qualifier: str
    line: int
    table_kind: str
    part_of: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One evaluation of one rule."""

    report_id: str
    report_year: int
    rule: str
    subject: str
    dimension: str
    status: str
    lhs: float | None
    rhs: float | None
    delta: float | None
    metrics: tuple[str, ...]
    source_lines: tuple[int, ...]
    other_report_id: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What the inspectors' rules read of a report besides its figures (NULL: unknown)."""

    template: str | None = None
    published_on: dt.date | None = None
    agency_kind: str | None = None
    agency_level: str | None = None
    # (heading text, line) of the report's sections; None when sections were not given
    headings: tuple[tuple[str, int], ...] | None = None
    # lines of the report's rows that went to quarantine: a table not read may be printed there
    unread_lines: tuple[int, ...] = ()


@dataclass(slots=True)
class ReportReadings:
    """A report's table figures keyed by (metric, dimension), and its prose figures."""

    report_id: str
    report_year: int
    table: dict[tuple[str, str], Reading] = field(default_factory=dict)
    prose: list[Reading] = field(default_factory=list)
    facts: ReportFacts = field(default_factory=ReportFacts)

    def expand(self, metric: str, dimension: str) -> list[Reading] | None:
        """The printed figures that make up a metric: itself if printed, else its children's.

        Group rows the template does not print (不予公开 over its eight reasons) count as the
        sum of their sub-rows; None when neither the metric nor any descendant is printed.
        """
        printed = self.table.get((metric, dimension))
        if printed is not None:
            return [printed]
        parts = [self.expand(child, dimension) for child in _children().get(metric, ())]
        found = [reading for part in parts if part for reading in part]
        return found or None

    def complete(self, metric: str, dimension: str) -> bool:
        """The metric is printed, or every one of its sub-rows is (a group the template does
        not print, such as 不予公开 over its eight reasons)."""
        if (metric, dimension) in self.table:
            return True
        children = _children().get(metric, ())
        return bool(children) and all(self.complete(child, dimension) for child in children)


def _result(
    readings: ReportReadings,
    rule: str,
    subject: str,
    dimension: str,
    operands: Sequence[Reading],
    status: str,
    sides: tuple[float, float] | None = None,
    detail: str | None = None,
    other_report_id: str | None = None,
) -> RuleResult:
    return RuleResult(
        report_id=readings.report_id,
        report_year=readings.report_year,
        rule=rule,
        subject=subject,
        dimension=dimension,
        status=status,
        lhs=sides[0] if sides else None,
        rhs=sides[1] if sides else None,
        delta=sides[0] - sides[1] if sides else None,
        metrics=tuple(dict.fromkeys(r.metric for r in operands)),
        source_lines=tuple(sorted({r.line for r in operands})),
        other_report_id=other_report_id,
        detail=detail,
    )


def _evaluate(
    readings: ReportReadings,
    rule: str,
    subject: str,
    dimension: str,
    lhs: Sequence[Reading],
    rhs: Sequence[Reading],
    *,
    rhs_signs: Sequence[int] | None = None,
    other_report_id: str | None = None,
) -> RuleResult:
    """Compare two sides made of printed figures, as printed."""
    operands = [*lhs, *rhs]
    blocked = [r for r in operands if r.kind != "number"]
    approximate = [r for r in operands if r.qualifier != "exact"]
    if blocked or approximate:
        why = "; ".join(
            [f"{r.metric} printed as {r.kind}" for r in blocked]
            + [f"{r.metric} is approximate" for r in approximate]
        )
        return _result(
            readings,
            rule,
            subject,
            dimension,
            operands,
            "not_assessable",
            detail=why,
            other_report_id=other_report_id,
        )
    signs = rhs_signs or [1] * len(rhs)
    left = sum(r.value or 0.0 for r in lhs)
    right = sum(sign * (r.value or 0.0) for sign, r in zip(signs, rhs, strict=True))
    passed = abs(left - right) <= _tolerance()
    return _result(
        readings,
        rule,
        subject,
        dimension,
        operands,
        "pass" if passed else "fail",
        sides=(left, right),
        detail=None if passed else split_number_hint(left, list(rhs), signs),
        other_report_id=other_report_id,
    )


def split_number_hint(
    target: float, summands: Sequence[Reading], signs: Sequence[int]
) -> str | None:
    """Say so when reading two adjacent summands as one number would make the sum hold.

    A number split in two ("1 2" for 12) is the commonest reading error in these tables.
    Summands are taken in printed order (line, then column as given).
    """
    if any(sign != 1 for sign in signs):
        return None
    total = sum(r.value or 0.0 for r in summands)
    for first, second in pairwise(summands):
        a, b = first.value, second.value
        if a is None or b is None or a < 0 or b < 0 or a != int(a) or b != int(b):
            continue
        merged = float(f"{int(a)}{int(b)}")
        if abs(total - a - b + merged - target) <= _tolerance():
            return (
                f"reading {first.metric}[{first.dimension}]={int(a)} and "
                f"{second.metric}[{second.dimension}]={int(b)} as one number {int(merged)} "
                "would make this hold: a number split in two?"
            )
    return None


# --- rules within one report -------------------------------------------------------------------


def check_balance(readings: ReportReadings) -> list[RuleResult]:
    """R1: new + carried over = handled + carried forward, per applicant column and total."""
    spec = rules()["requests.r1_balance"]
    results = []
    for dimension in DIMENSIONS:
        lhs = [readings.table.get((m, dimension)) for m in spec["lhs"]]
        rhs = [readings.table.get((m, dimension)) for m in spec["rhs"]]
        present = [r for r in (*lhs, *rhs) if r is not None]
        if not present:
            continue
        if len(present) < len(lhs) + len(rhs):
            results.append(
                _missing(
                    readings,
                    spec["id"],
                    "apply.handled",
                    dimension,
                    present,
                    "an operand row is missing",
                )
            )
            continue
        results.append(
            _evaluate(
                readings,
                spec["id"],
                "apply.handled",
                dimension,
                [r for r in lhs if r],
                [r for r in rhs if r],
            )
        )
    return results


def check_parent_sums(readings: ReportReadings) -> list[RuleResult]:
    """R2, table 4 and the old table: a printed parent equals the sum of its printed children."""
    results = []
    for (metric, dimension), parent in sorted(
        readings.table.items(), key=lambda item: item[1].line
    ):
        rule = RULE_BY_TABLE.get(parent.table_kind)
        children = _children().get(metric)
        if rule is None or not children:
            continue
        parts = [readings.expand(child, dimension) for child in children]
        summands = sorted((r for part in parts if part for r in part), key=lambda r: r.line)
        if not summands:
            continue
        if parent.table_kind == "requests" and not all(
            readings.complete(child, dimension) for child in children
        ):
            # table 3 prints every outcome row; one that was not read (a row printed apart
            # from its label, quarantined) leaves the sum unknown, not broken
            results.append(
                _result(
                    readings,
                    rule,
                    metric,
                    dimension,
                    [parent, *summands],
                    "not_assessable",
                    detail="an outcome row of the template was not read",
                )
            )
            continue
        results.append(_evaluate(readings, rule, metric, dimension, [parent], summands))
    return results


def check_row_totals(readings: ReportReadings) -> list[RuleResult]:
    """R3: in every table-3 row, 总计 = the six applicant columns."""
    rule = "requests.r3_row_total"
    results = []
    for (metric, dimension), total in readings.table.items():
        if dimension != "total" or total.table_kind != "requests":
            continue
        columns = [readings.table.get((metric, column)) for column in APPLICANT_COLUMNS]
        present = [c for c in columns if c is not None]
        if len(present) < len(columns):
            results.append(
                _missing(
                    readings,
                    rule,
                    metric,
                    "total",
                    [total, *present],
                    "an applicant column is missing",
                )
            )
            continue
        results.append(_evaluate(readings, rule, metric, "total", [total], present))
    return results


def check_prose_parts(readings: ReportReadings) -> list[RuleResult]:
    """Prose: parts listed after a stated total sum to that total."""
    rule = "prose.parts_sum"
    groups: dict[tuple[int, str], list[Reading]] = defaultdict(list)
    for reading in readings.prose:
        if reading.part_of:
            groups[(reading.line, reading.part_of)].append(reading)
    results = []
    for (line, total_metric), parts in groups.items():
        totals = [
            r
            for r in readings.prose
            if r.metric == total_metric and r.line <= line and not r.part_of
        ]
        if not totals:
            continue
        total = max(totals, key=lambda r: r.line)
        results.append(_evaluate(readings, rule, total_metric, "total", [total], parts))
    return results


def check_prose_against_table(readings: ReportReadings) -> list[RuleResult]:
    """Prose: a figure stated in prose equals the same figure in the report's tables."""
    rule = "prose.equals_table"
    results = []
    for reading in readings.prose:
        table = readings.expand(reading.metric, reading.dimension)
        if not table or all(r.table_kind == "prose" for r in table):
            continue
        result = _evaluate(readings, rule, reading.metric, reading.dimension, [reading], table)
        if result.status == "fail" and reading.note and reading.note.startswith("scope:"):
            # The prose speaks of a narrower body (区政府) than the table may cover (全区).
            result = replace(
                result,
                status="not_assessable",
                detail=(
                    f"the prose figure is about {reading.note.removeprefix('scope:').strip()}; "
                    f"the table may cover more (prose {reading.value:g}, table {result.rhs:g})"
                ),
            )
        results.append(result)
    return results


def _missing(
    readings: ReportReadings,
    rule: str,
    subject: str,
    dimension: str,
    present: Sequence[Reading],
    why: str,
) -> RuleResult:
    return _result(readings, rule, subject, dimension, present, "not_assessable", detail=why)


# --- inspectors' rules (issue 16) ----------------------------------------------------------


def _no_operands(
    readings: ReportReadings,
    rule: str,
    subject: str,
    status: str,
    *,
    sides: tuple[float, float] | None = None,
    lines: Sequence[int] = (),
    detail: str | None = None,
    other_report_id: str | None = None,
) -> RuleResult:
    """A result that compares facts of the report rather than printed figures."""
    return RuleResult(
        report_id=readings.report_id,
        report_year=readings.report_year,
        rule=rule,
        subject=subject,
        dimension="total",
        status=status,
        lhs=sides[0] if sides else None,
        rhs=sides[1] if sides else None,
        delta=sides[0] - sides[1] if sides else None,
        metrics=(),
        source_lines=tuple(sorted(set(lines))),
        other_report_id=other_report_id,
        detail=detail,
    )


def deadline_for(
    report_year: int, kind: str | None, level: str | None
) -> tuple[dt.date, str] | None:
    """The publication deadline of a report and the provision that sets it; None when the
    report's regime needs a kind or level the text does not give (or sets no deadline)."""
    for regime in rules()["inspection.timeliness"]["regimes"]:
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


def check_timeliness(readings: ReportReadings) -> list[RuleResult]:
    """Published by the statutory deadline (article 49 of 2019, article 31 of 2008)."""
    rule = "inspection.timeliness"
    facts = readings.facts
    year = readings.report_year
    if facts.published_on is None:
        return [
            _no_operands(
                readings, rule, "published_on", "not_assessable", detail="no publication date"
            )
        ]
    deadline = deadline_for(year, facts.agency_kind, facts.agency_level)
    if deadline is None:
        return [
            _no_operands(
                readings,
                rule,
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
        _no_operands(
            readings,
            rule,
            "published_on",
            "pass" if passed else "fail",
            sides=(taken, allowed),
            detail=(
                f"published {facts.published_on.isoformat()}, deadline {due.isoformat()} "
                f"({provision})" + ("" if passed else f": {int(taken - allowed)} days late")
            ),
        )
    ]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_required_sections(readings: ReportReadings) -> list[RuleResult]:
    """The six contents of article 50, each a section of reports on 2019 onward."""
    spec = rules()["inspection.required_sections"]
    rule = spec["id"]
    headings = readings.facts.headings
    if headings is None or readings.report_year < int(spec["from_year"]):
        return []
    read_tables = {reading.table_kind: reading.line for reading in readings.table.values()}
    for reading in readings.table.values():
        read_tables[reading.table_kind] = min(read_tables[reading.table_kind], reading.line)
    results = []
    for content in spec["contents"]:
        found = [
            (title, line)
            for title, line in headings
            if any(pattern in _compact(title) for pattern in content["patterns"])
        ]
        table = content.get("table")
        if found:
            title, line = found[0]
            results.append(
                _no_operands(
                    readings,
                    rule,
                    content["key"],
                    "pass",
                    sides=(1.0, 1.0),
                    lines=[line],
                    detail=f"section {title}",
                )
            )
        elif table and table in read_tables:
            results.append(
                _no_operands(
                    readings,
                    rule,
                    content["key"],
                    "pass",
                    sides=(1.0, 1.0),
                    lines=[read_tables[table]],
                    detail=f"no heading matches {content['label']}, but its table was read",
                )
            )
        elif not headings:
            results.append(
                _no_operands(
                    readings,
                    rule,
                    content["key"],
                    "not_assessable",
                    detail="no section heading of the report was read",
                )
            )
        else:
            results.append(
                _no_operands(
                    readings,
                    rule,
                    content["key"],
                    "fail",
                    sides=(0.0, 1.0),
                    lines=[line for _title, line in headings],
                    detail=(
                        f"no section is {content['label']}; the report's sections: "
                        + "; ".join(title for title, _line in headings)
                    ),
                )
            )
    return results


def check_required_tables(readings: ReportReadings) -> list[RuleResult]:
    """Tables 2-4 of the 2021 format present in a new-template report."""
    spec = rules()["inspection.required_tables"]
    rule = spec["id"]
    if readings.facts.template not in spec["templates"]:
        return []
    first_line: dict[str, int] = {}
    last_line: dict[str, int] = {}
    for reading in readings.table.values():
        line = first_line.get(reading.table_kind)
        first_line[reading.table_kind] = reading.line if line is None else min(line, reading.line)
        last_line[reading.table_kind] = max(last_line.get(reading.table_kind, 0), reading.line)
    # A quarantined row belongs to a table that was read when it lies within that table's
    # lines or under the heading of that table's content (二、主动公开… for table 2); a row
    # that belongs to none may be the missing table, printed but not read.
    contents = rules()["inspection.required_sections"]["contents"]
    headings = sorted(readings.facts.headings or (), key=lambda h: h[1])

    def explained(line: int) -> bool:
        if any(first_line[k] <= line <= last_line[k] for k in first_line):
            return True
        above = [title for title, start in headings if start <= line]
        if not above:
            return False
        title = _compact(above[-1])
        return any(
            content.get("table") in first_line
            and any(pattern in title for pattern in content["patterns"])
            for content in contents
        )

    unexplained = [line for line in readings.facts.unread_lines if not explained(line)]
    results = []
    for table in spec["tables"]:
        if table["table"] in first_line:
            results.append(
                _no_operands(
                    readings,
                    rule,
                    table["table"],
                    "pass",
                    sides=(1.0, 1.0),
                    lines=[first_line[table["table"]]],
                )
            )
        elif unexplained:
            results.append(
                _no_operands(
                    readings,
                    rule,
                    table["table"],
                    "not_assessable",
                    detail=(
                        f"{table['label']} was not read, and rows of the report went to quarantine"
                    ),
                )
            )
        else:
            results.append(
                _no_operands(
                    readings,
                    rule,
                    table["table"],
                    "fail",
                    sides=(0.0, 1.0),
                    detail=f"{table['label']} is missing: no figure of it was printed",
                )
            )
    return results


REPORT_CHECKS = (
    check_balance,
    check_parent_sums,
    check_row_totals,
    check_prose_parts,
    check_prose_against_table,
    check_timeliness,
    check_required_sections,
    check_required_tables,
)


def check_report(readings: ReportReadings) -> list[RuleResult]:
    """Every within-report rule."""
    return [result for check in REPORT_CHECKS for result in check(readings)]


# --- rules across the years of one agency ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportIdentity:
    """What ties reports of different years to one agency."""

    report_id: str
    report_year: int
    series: str
    region: str | None


def series_key(agency_id: str | None, agency: str | None, source_file: str) -> str:
    """The canonical agency (`reports.agency_id`) when the text establishes it; else the
    agency as printed when the text names it; else the source file (one website, one agency).

    With the canonical agency, 天桥区 and 济南市天桥区 are one series, in one file or many.
    """
    if agency_id:
        return f"agency_id:{agency_id}"
    return f"agency:{agency}" if agency else f"file:{source_file}"


def _same_place(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a.endswith(b) or b.endswith(a)


def previous_reports(identities: Iterable[ReportIdentity]) -> dict[str, str]:
    """For each report, the report of the year before in the same series, when unambiguous."""
    by_series: dict[tuple[str, int], list[ReportIdentity]] = defaultdict(list)
    listed = list(identities)
    for identity in listed:
        by_series[(identity.series, identity.report_year)].append(identity)
    previous = {}
    for identity in listed:
        candidates = [
            c
            for c in by_series.get((identity.series, identity.report_year - 1), [])
            if _same_place(c.region, identity.region)
        ]
        if len(candidates) == 1 and len(by_series[(identity.series, identity.report_year)]) == 1:
            previous[identity.report_id] = candidates[0].report_id
    return previous


@cache
def earlier_year_metrics() -> frozenset[str]:
    """The metrics the cross-year rules read from the year before; nothing else is needed."""
    carry = rules()["cross_year.carry_over"]
    stock = rules()["cross_year.stock"]
    copied_tables = {group["table"] for group in rules()["inspection.copied_figures"]["groups"]}
    return frozenset(
        {
            carry["previous"],
            *(f"{s}.in_force" for s in stock["subjects"]),
            *(code for code, metric in metrics().items() if metric.table in copied_tables),
        }
    )


def check_carry_over(current: ReportReadings, earlier: ReportReadings) -> list[RuleResult]:
    """上年结转 in year Y = 结转下年度继续办理 in year Y-1, per applicant column and total."""
    spec = rules()["cross_year.carry_over"]
    results = []
    for dimension in DIMENSIONS:
        now = current.table.get((spec["current"], dimension))
        before = earlier.table.get((spec["previous"], dimension))
        if now is None or before is None:
            continue
        results.append(
            _evaluate(
                current,
                spec["id"],
                spec["current"],
                dimension,
                [now],
                [before],
                other_report_id=earlier.report_id,
            )
        )
    return results


def check_stock(current: ReportReadings, earlier: ReportReadings) -> list[RuleResult]:
    """In force in Y = in force in Y-1 + issued in Y - repealed in Y."""
    spec = rules()["cross_year.stock"]
    results = []
    for subject in spec["subjects"]:
        now = current.table.get((f"{subject}.in_force", "total"))
        before = earlier.table.get((f"{subject}.in_force", "total"))
        if now is None or before is None:
            continue
        issued = current.table.get((f"{subject}.issued", "total"))
        repealed = current.table.get((f"{subject}.repealed", "total"))
        if issued is None or repealed is None:
            results.append(
                _missing(
                    current,
                    spec["id"],
                    f"{subject}.in_force",
                    "total",
                    [now, before],
                    "issued or repealed is missing",
                )
            )
            continue
        results.append(
            _evaluate(
                current,
                spec["id"],
                f"{subject}.in_force",
                "total",
                [now],
                [before, issued, repealed],
                rhs_signs=[1, 1, -1],
                other_report_id=earlier.report_id,
            )
        )
    return results


def _copy_groups(readings: ReportReadings) -> dict[str, dict[tuple[str, str], Reading]]:
    """A report's table figures by the groups the copied-figures rule compares."""
    groups: dict[str, dict[tuple[str, str], Reading]] = defaultdict(dict)
    by_table = {g["table"]: g["by"] for g in rules()["inspection.copied_figures"]["groups"]}
    for key, reading in readings.table.items():
        by = by_table.get(reading.table_kind)
        if by is None:
            continue
        name = reading.table_kind if by == "table" else ".".join(reading.metric.split(".")[:2])
        groups[name][key] = reading
    return groups


def check_copied(current: ReportReadings, earlier: ReportReadings) -> list[RuleResult]:
    """A table (or article-20 item) identical, cell for cell, to the agency's previous year's.

    All-zero tables are not flagged (an agency with nothing to report prints zeros every
    year), nor a group with fewer than `min_nonzero` non-zero figures.
    """
    spec = rules()["inspection.copied_figures"]
    minimum = int(spec["min_nonzero"])
    now, before = _copy_groups(current), _copy_groups(earlier)
    results = []
    for name in sorted(now.keys() & before.keys()):
        cells, previous = now[name], before[name]
        operands = sorted(cells.values(), key=lambda r: r.line)
        total_now = sum(r.value or 0.0 for r in cells.values())
        total_before = sum(r.value or 0.0 for r in previous.values())
        identical = cells.keys() == previous.keys() and all(
            cells[key].kind == previous[key].kind and cells[key].value == previous[key].value
            for key in cells
        )
        nonzero = sum(1 for r in cells.values() if r.kind == "number" and r.value)
        if identical and nonzero >= minimum:
            status = "fail"
            before_lines = sorted({r.line for r in previous.values()})
            detail = (
                f"all {len(cells)} figures of {name} equal those of {earlier.report_year} "
                f"({earlier.report_id}, lines {', '.join(map(str, before_lines))}): "
                "copied from the previous year's report?"
            )
        else:
            status = "pass"
            detail = None
            if identical:
                detail = f"identical to {earlier.report_year}, but only {nonzero} non-zero figures"
        results.append(
            _result(
                current,
                spec["id"],
                name,
                "total",
                operands,
                status,
                sides=(total_now, total_before),
                detail=detail,
                other_report_id=earlier.report_id,
            )
        )
    return results


# --- frames in, frame out ----------------------------------------------------------------------


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
    values = [frame.get_column(name).to_list() for name in ("report_id", *columns)]
    for report_id, *fields in zip(*values, strict=True):
        yield report_id, Reading(*fields)


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
) -> pl.DataFrame:
    """Every rule on every report (and every pair of consecutive years of one agency).

    With `years`, only the reports of those years are evaluated; the other reports given are
    there for the cross-year rules to compare with. `sections` (the reports' headings) and
    `quarantine` (their unread rows) feed the completeness rules; without `sections` the
    required-sections rule gives no row.
    """
    by_report = collect_readings(statistics, prose_figures, reports, sections, quarantine)
    results: list[RuleResult] = []
    for readings in by_report.values():
        if years is None or readings.report_year in years:
            results.extend(check_report(readings))
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
        results.extend(check_carry_over(current, earlier))
        results.extend(check_stock(current, earlier))
        results.extend(check_copied(current, earlier))
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
