"""What the rules read and what they give: printed figures, results, and the comparison of two
sides made of printed figures, as printed (no printed value is ever changed)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

from pipeline.catalogue import metrics
from pipeline.model import DIMENSIONS

if TYPE_CHECKING:
    from pipeline.reconcile.rule import Rule

APPLICANT_COLUMNS = DIMENSIONS[:-1]


@cache
def children() -> dict[str, tuple[str, ...]]:
    """The catalogue's child codes of each parent metric."""
    found: dict[str, list[str]] = defaultdict(list)
    for metric in metrics().values():
        if metric.parent:
            found[metric.parent].append(metric.code)
    return {parent: tuple(codes) for parent, codes in found.items()}


class Reading(NamedTuple):
    """One printed figure as the rules see it (a named tuple: a year builds one per figure,
    and a tuple is built several times faster than a frozen dataclass)."""

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
        parts = [self.expand(child, dimension) for child in children().get(metric, ())]
        found = [reading for part in parts if part for reading in part]
        return found or None

    def complete(self, metric: str, dimension: str) -> bool:
        """The metric is printed, or every one of its sub-rows is (a group the template does
        not print, such as 不予公开 over its eight reasons)."""
        if (metric, dimension) in self.table:
            return True
        codes = children().get(metric, ())
        return bool(codes) and all(self.complete(child, dimension) for child in codes)


def result(
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
    """One result of a rule on a report, from the printed figures it compared."""
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


def evaluate(
    readings: ReportReadings,
    rule: Rule,
    subject: str,
    dimension: str,
    lhs: Sequence[Reading],
    rhs: Sequence[Reading],
    *,
    rhs_signs: Sequence[int] | None = None,
    other_report_id: str | None = None,
) -> RuleResult:
    """Compare two sides made of printed figures, as printed, within the rule's tolerance."""
    operands = [*lhs, *rhs]
    blocked = [r for r in operands if r.kind != "number"]
    approximate = [r for r in operands if r.qualifier != "exact"]
    if blocked or approximate:
        why = "; ".join(
            [f"{r.metric} printed as {r.kind}" for r in blocked]
            + [f"{r.metric} is approximate" for r in approximate]
        )
        return result(
            readings,
            rule.id,
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
    passed = abs(left - right) <= rule.tolerance
    return result(
        readings,
        rule.id,
        subject,
        dimension,
        operands,
        "pass" if passed else "fail",
        sides=(left, right),
        detail=None if passed else split_number_hint(left, list(rhs), signs, rule.tolerance),
        other_report_id=other_report_id,
    )


def split_number_hint(
    target: float, summands: Sequence[Reading], signs: Sequence[int], tolerance: float
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
        if abs(total - a - b + merged - target) <= tolerance:
            return (
                f"reading {first.metric}[{first.dimension}]={int(a)} and "
                f"{second.metric}[{second.dimension}]={int(b)} as one number {int(merged)} "
                "would make this hold: a number split in two?"
            )
    return None


def missing(
    readings: ReportReadings,
    rule: str,
    subject: str,
    dimension: str,
    present: Sequence[Reading],
    why: str,
) -> RuleResult:
    """Not assessable: an operand the rule needs was not printed."""
    return result(readings, rule, subject, dimension, present, "not_assessable", detail=why)


def no_operands(
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
