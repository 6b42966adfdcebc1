"""Deliberate breaks: change printed figures of one report so that a chosen rule fails.

Only figures no other report reads are changed, so a break never makes a neighbouring year
fail; which rules then fail is computed afterwards by `expectations.py`.
"""

from __future__ import annotations

import random

from tools.synth.catalogue import APPLICANTS, CHILDREN, NEW_2021, NEW_TEMPLATES, OLD_TABLE, TOTAL
from tools.synth.draft import Draft, make_statements
from tools.synth.new_template import REVIEW_GROUPS, outcome_leaves


def break_report(draft: Draft, rng: random.Random, previous: Draft | None) -> None:
    """Change printed figures of one report so that a chosen rule fails (DOMAIN.md's kinds).

    Only figures no other report reads are changed (never 结转下年度继续办理 nor 现行有效), so
    a break cannot make a neighbouring year fail; the rules that fail are then computed.
    """
    delta = rng.randint(1, 9)
    table = draft.table
    kinds: list[str]
    if draft.template in NEW_TEMPLATES:
        kinds = ["row_total", "leaf_sum", "balance", "review_total", "prose_table"]
        if previous is not None and previous.template in NEW_TEMPLATES:
            if any(table[("apply.new", d)] for d in APPLICANTS):
                kinds.append("carry_over")
            if draft.template == previous.template == NEW_2021:
                kinds.append("stock")
    elif draft.template == OLD_TABLE:
        kinds = ["parent_sum", "parent_sum", "prose_table"]
    else:
        kinds = ["prose_parts"]
    kind = rng.choice(kinds)
    if kind == "prose_table" and not prose_candidates(draft, table_only=True):
        kind = "parent_sum" if draft.template == OLD_TABLE else "row_total"
    if kind == "row_total":
        metric = rng.choice([m for m, _ in outcome_leaves(draft.template)])
        table[(metric, TOTAL)] = (table[(metric, TOTAL)] or 0) + delta
        draft.alteration = f"{metric}: 总计 printed {delta} more than its row"
    elif kind == "leaf_sum":
        metric = rng.choice([m for m, _ in outcome_leaves(draft.template)])
        dimension = rng.choice(APPLICANTS)
        for d in (dimension, TOTAL):
            table[(metric, d)] = (table[(metric, d)] or 0) + delta
        draft.alteration = f"{metric} [{dimension}] and 总计: printed {delta} more"
    elif kind == "balance":
        dimension = rng.choice(APPLICANTS)
        for d in (dimension, TOTAL):
            table[("apply.new", d)] = (table[("apply.new", d)] or 0) + delta
        draft.alteration = f"apply.new [{dimension}] and 总计: printed {delta} more"
    elif kind == "review_total":
        group = rng.choice(REVIEW_GROUPS)
        table[(f"{group}.total", TOTAL)] = (table[(f"{group}.total", TOTAL)] or 0) + delta
        draft.alteration = f"{group}.total printed {delta} more than its outcomes"
    elif kind == "carry_over":
        dimension = rng.choice([d for d in APPLICANTS if table[("apply.new", d)]])
        delta = min(delta, int(table[("apply.new", dimension)] or 0))
        for d in (dimension, TOTAL):
            table[("apply.carried_over", d)] = (table[("apply.carried_over", d)] or 0) + delta
            table[("apply.new", d)] = (table[("apply.new", d)] or 0) - delta
        draft.alteration = (
            f"apply.carried_over [{dimension}] {delta} more than last year carried forward "
            "(apply.new less by as much)"
        )
    elif kind == "stock":
        key = ("art20.normative_docs.issued", TOTAL)
        table[key] = (table[key] or 0) + delta
        draft.alteration = f"art20.normative_docs.issued printed {delta} more (stock)"
    elif kind == "parent_sum":
        parents = [
            m
            for (m, _), v in table.items()
            if m in CHILDREN and v is not None and any(draft.expand(k) for k in CHILDREN[m])
        ]
        metric = rng.choice(parents)
        table[(metric, TOTAL)] = (table[(metric, TOTAL)] or 0) + delta
        draft.alteration = f"{metric} printed {delta} more than its rows"
    elif kind == "prose_table":
        metric = rng.choice(prose_candidates(draft, table_only=True))
        draft.prose_shift = (metric, delta)
        draft.alteration = f"prose states {metric} {delta} more than the table"
    else:  # prose_parts
        candidates = prose_candidates(draft, table_only=False)
        metric = rng.choice(candidates)
        draft.prose_shift = (metric, delta)
        draft.alteration = f"prose states the part {metric} {delta} more"
    draft.table_altered = draft.prose_shift is None
    draft.expanded.clear()
    # The prose repeats the table as printed (or the shifted figure): state it again.
    make_statements(draft)


def prose_candidates(draft: Draft, table_only: bool) -> list[str]:
    """Metrics a prose break can shift: exact figures stated once, repeated in the table
    (table_only) or parts of a stated total."""
    found: list[str] = []
    for _, statement in draft.statements:
        for figure in statement.figures:
            if figure.approx or not figure.printed or figure.metric in found:
                continue
            repeated = draft.expand(figure.metric) is not None
            if repeated if table_only else figure.part_of is not None:
                found.append(figure.metric)
    return found
