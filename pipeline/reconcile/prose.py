"""The report's prose against itself and against its tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from pipeline.reconcile.catalogue import Kind, Rule, register
from pipeline.reconcile.readings import Reading, ReportReadings, RuleResult, evaluate


def check_prose_parts(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """Prose: parts listed after a stated total sum to that total."""
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
        results.append(evaluate(readings, rule, total_metric, "total", [total], parts))
    return results


def check_prose_against_table(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """Prose: a figure stated in prose equals the same figure in the report's tables."""
    results = []
    for reading in readings.prose:
        table = readings.expand(reading.metric, reading.dimension)
        if not table or all(r.table_kind == "prose" for r in table):
            continue
        result = evaluate(readings, rule, reading.metric, reading.dimension, [reading], table)
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


register(Kind("prose_parts", "report", check_prose_parts))
register(Kind("prose_table", "report", check_prose_against_table))
