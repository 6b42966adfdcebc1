"""The inspectors' rules (issue 16): findings about a report beyond its arithmetic.

They read the report's metadata (publication date, agency kind and level), its section
headings, which tables were read, and the agency's previous report; never a layout's text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from pipeline.catalogue import metrics
from pipeline.reconcile.catalogue import Kind, Rule, Spec, register, rules
from pipeline.reconcile.readings import (
    Reading,
    ReportReadings,
    RuleResult,
    no_operands,
    result,
)


def deadline_for(
    report_year: int,
    kind: str | None,
    level: str | None,
    regimes: Sequence[Spec] | None = None,
) -> tuple[dt.date, str] | None:
    """The publication deadline of a report and the provision that sets it; None when the
    report's regime needs a kind or level the text does not give (or sets no deadline).

    `regimes`: a timeliness rule's; by default those of inspection.timeliness."""
    if regimes is None:
        regimes = rules()["inspection.timeliness"]["regimes"]
    for regime in regimes:
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


def check_timeliness(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """Published by the statutory deadline (article 49 of 2019, article 31 of 2008)."""
    facts = readings.facts
    year = readings.report_year
    if facts.published_on is None:
        return [
            no_operands(
                readings, rule.id, "published_on", "not_assessable", detail="no publication date"
            )
        ]
    deadline = deadline_for(year, facts.agency_kind, facts.agency_level, rule.spec["regimes"])
    if deadline is None:
        return [
            no_operands(
                readings,
                rule.id,
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
        no_operands(
            readings,
            rule.id,
            "published_on",
            "pass" if passed else "fail",
            sides=(taken, allowed),
            detail=(
                f"published {facts.published_on.isoformat()}, deadline {due.isoformat()} "
                f"({provision})" + ("" if passed else f": {int(taken - allowed)} days late")
            ),
        )
    ]


def _section_contents(rule: Rule) -> list[Spec]:
    """The article-50 contents of the catalogue's required-sections rule, for the headings a
    quarantined row lies under."""
    return [
        content
        for entry in rule.entries.values()
        if entry.get("kind") == "required_sections"
        for content in entry["contents"]
    ]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_required_sections(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """The six contents of article 50, each a section of reports on 2019 onward."""
    spec = rule.spec
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
                no_operands(
                    readings,
                    rule.id,
                    content["key"],
                    "pass",
                    sides=(1.0, 1.0),
                    lines=[line],
                    detail=f"section {title}",
                )
            )
        elif table and table in read_tables:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    content["key"],
                    "pass",
                    sides=(1.0, 1.0),
                    lines=[read_tables[table]],
                    detail=f"no heading matches {content['label']}, but its table was read",
                )
            )
        elif not headings:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    content["key"],
                    "not_assessable",
                    detail="no section heading of the report was read",
                )
            )
        else:
            results.append(
                no_operands(
                    readings,
                    rule.id,
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


def check_required_tables(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """Tables 2-4 of the 2021 format present in a new-template report."""
    spec = rule.spec
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
    contents = _section_contents(rule)
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
                no_operands(
                    readings,
                    rule.id,
                    table["table"],
                    "pass",
                    sides=(1.0, 1.0),
                    lines=[first_line[table["table"]]],
                )
            )
        elif unexplained:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    table["table"],
                    "not_assessable",
                    detail=(
                        f"{table['label']} was not read, and rows of the report went to quarantine"
                    ),
                )
            )
        else:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    table["table"],
                    "fail",
                    sides=(0.0, 1.0),
                    detail=f"{table['label']} is missing: no figure of it was printed",
                )
            )
    return results


def _copy_groups(spec: Spec, readings: ReportReadings) -> dict[str, dict[tuple[str, str], Reading]]:
    """A report's table figures by the groups the copied-figures rule compares."""
    groups: dict[str, dict[tuple[str, str], Reading]] = defaultdict(dict)
    by_table = {g["table"]: g["by"] for g in spec["groups"]}
    for key, reading in readings.table.items():
        by = by_table.get(reading.table_kind)
        if by is None:
            continue
        name = reading.table_kind if by == "table" else ".".join(reading.metric.split(".")[:2])
        groups[name][key] = reading
    return groups


def check_copied(rule: Rule, current: ReportReadings, earlier: ReportReadings) -> list[RuleResult]:
    """A table (or article-20 item) identical, cell for cell, to the agency's previous year's.

    All-zero tables are not flagged (an agency with nothing to report prints zeros every
    year), nor a group with fewer than `min_nonzero` non-zero figures.
    """
    spec = rule.spec
    minimum = int(spec["min_nonzero"])
    now, before = _copy_groups(spec, current), _copy_groups(spec, earlier)
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
            result(
                current,
                rule.id,
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


def _copied_subjects(spec: Spec) -> Iterable[str]:
    by_item = {g["table"] for g in spec["groups"] if g["by"] == "item"}
    yield from (g["table"] for g in spec["groups"])
    for code, metric in metrics().items():
        if metric.table in by_item:
            yield ".".join(code.split(".")[:2])


def _copied_metrics(spec: Spec) -> Iterable[str]:
    tables = {group["table"] for group in spec["groups"]}
    return (code for code, metric in metrics().items() if metric.table in tables)


register(Kind("timeliness", "report", check_timeliness, subjects=lambda spec: ["published_on"]))
register(
    Kind(
        "required_sections",
        "report",
        check_required_sections,
        subjects=lambda spec: [content["key"] for content in spec["contents"]],
    )
)
register(
    Kind(
        "required_tables",
        "report",
        check_required_tables,
        subjects=lambda spec: [table["table"] for table in spec["tables"]],
    )
)
register(
    Kind(
        "copied_table",
        "agency_years",
        check_copied,
        subjects=_copied_subjects,
        earlier_metrics=_copied_metrics,
    )
)
