"""The rules on the generator's own figures: an implementation independent of
`pipeline.reconcile` of the rules the generator models (`catalogue.MODELLED_KINDS`), which
says which rules each report must fail (the manifest's `expected_failures`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tools.synth.catalogue import (
    APPLICANTS,
    CARRY_OVER,
    CHILDREN,
    DIMENSIONS,
    NEW_TEMPLATES,
    OLD_PARENT,
    PROSE_PARTS,
    PROSE_TABLE,
    R1,
    R2,
    R3,
    REVIEW_TOTAL,
    STOCK,
    TOLERANCE,
    TOTAL,
)
from tools.synth.draft import Draft
from tools.synth.new_template import FIRST_ROWS, LAST_ROWS, R1_TERMS, REVIEW_GROUPS, outcome_leaves
from tools.synth.statements import StatedFigure


def _differs(left: float, right: float) -> bool:
    return abs(left - right) > TOLERANCE


def _fails(left: float | None, parts: Sequence[float | None] | None) -> bool:
    """A rule fails when every operand is printed as a number and the two sides differ
    (an operand printed blank makes it not assessable, as in `pipeline.reconcile`)."""
    if left is None or not parts or any(p is None for p in parts):
        return False
    return _differs(left, sum(p or 0 for p in parts))


def _summands(draft: Draft, metric: str, dimension: str = TOTAL) -> list[float | None]:
    """The printed figures of a metric's sub-rows (group rows that print nothing expand)."""
    found: list[float | None] = []
    for child in CHILDREN.get(metric, ()):
        found.extend(draft.expand(child, dimension) or ())
    return found


_REVIEW_PARENTS = tuple(f"{group}.total" for group in REVIEW_GROUPS)


def report_failures(draft: Draft) -> set[str]:
    """The within-report rules (R1, R2, R3, table 4, old-table sums, prose) that fail.

    The table rules are evaluated when a break changed the printed table: the generators
    build every table so that they hold (the test checks that against the real pipeline).
    """
    failed = _prose_failures(draft)
    if draft.table_altered:
        failed |= _table_failures(draft)
    return failed


def _table_failures(draft: Draft) -> set[str]:
    table = draft.table
    failed: set[str] = set()
    if draft.template not in NEW_TEMPLATES:
        if any(_fails(table.get((m, TOTAL)), _summands(draft, m)) for m in CHILDREN):
            failed.add(OLD_PARENT)
        return failed
    leaves = [m for m, _ in outcome_leaves(draft.template)]
    rows = [*(m for m, _ in FIRST_ROWS), *leaves, *(m for m, _ in LAST_ROWS)]
    for dimension in DIMENSIONS:
        new, before, handled, forward = (table.get((m, dimension)) for m in R1_TERMS)
        if new is not None and before is not None and _fails(new + before, [handled, forward]):
            failed.add(R1)
        if _fails(
            table.get(("apply.handled", dimension)), [table.get((m, dimension)) for m in leaves]
        ):
            failed.add(R2)
    for metric in rows:
        if _fails(table.get((metric, TOTAL)), [table.get((metric, c)) for c in APPLICANTS]):
            failed.add(R3)
    if any(_fails(table.get((m, TOTAL)), _summands(draft, m)) for m in _REVIEW_PARENTS):
        failed.add(REVIEW_TOTAL)
    return failed


def _prose_failures(draft: Draft) -> set[str]:
    """prose.parts_sum and prose.equals_table, on the figures the sentences state."""
    failed: set[str] = set()
    figures = [(statement.line, f) for _, statement in draft.statements for f in statement.figures]
    groups: dict[tuple[int, str], list[StatedFigure]] = defaultdict(list)
    for line, figure in figures:
        if figure.part_of:
            groups[(line, figure.part_of)].append(figure)
    for (line, total_metric), parts in groups.items():
        totals = [
            (at, f)
            for at, f in figures
            if f.metric == total_metric and at <= line and not f.part_of
        ]
        if not totals:
            continue
        _, total = max(totals, key=lambda item: item[0])
        if total.approx or any(p.approx for p in parts):
            continue  # an approximate figure (110余) makes the rule not assessable
        if _fails(total.value, [p.value for p in parts]):
            failed.add(PROSE_PARTS)
    for _, figure in figures:
        if not figure.approx and _fails(figure.value, draft.expand(figure.metric)):
            failed.add(PROSE_TABLE)
    return failed


def cross_year_failures(current: Draft, earlier: Draft) -> set[str]:
    failed: set[str] = set()
    for dimension in DIMENSIONS:
        now = current.table.get(("apply.carried_over", dimension))
        before = earlier.table.get(("apply.carried_forward", dimension))
        if now is not None and before is not None and _differs(now, before):
            failed.add(CARRY_OVER)
    for subject in ("art20.rules", "art20.normative_docs"):
        now = current.table.get((f"{subject}.in_force", TOTAL))
        before = earlier.table.get((f"{subject}.in_force", TOTAL))
        issued = current.table.get((f"{subject}.issued", TOTAL))
        repealed = current.table.get((f"{subject}.repealed", TOTAL))
        if None in (now, before, issued, repealed):
            continue
        if _differs(float(now or 0), float(before or 0) + (issued or 0) - (repealed or 0)):
            failed.add(STOCK)
    return failed


def previous_in_series(drafts: Sequence[Draft]) -> dict[int, Draft]:
    """For each report (by index), the report of the year before in its series, as
    `pipeline.reconcile.previous_reports` links them (one agency, or one file when the text
    names none; the regions an agency's text states always agree)."""
    by_series: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, draft in enumerate(drafts):
        by_series[(draft.series, draft.year)].append(i)
    links: dict[int, Draft] = {}
    for i, draft in enumerate(drafts):
        before = by_series.get((draft.series, draft.year - 1), [])
        if len(before) == 1 and len(by_series[(draft.series, draft.year)]) == 1:
            links[i] = drafts[before[0]]
    return links
