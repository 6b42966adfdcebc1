"""Figures of the old statistics table: the leaf rows drawn, the rows above them summed
from whatever rows the form prints, and a few rows left blank.
"""

from __future__ import annotations

import random

from tools.synth.agencies import Entity
from tools.synth.catalogue import TOTAL
from tools.synth.counts import draw_count, split_count
from tools.synth.old_form import OldRow, old_form_plan

# Rows whose value some forms leave blank; none of them is a term of any rule.
_BLANKABLE = ("normative_docs.issued_total", "fees.charged", "org.budget")  # a tuple: ordered


def _old_leaf_values(rng: random.Random, entity: Entity, year: int) -> dict[str, float]:
    """Figures of the old table's leaf rows (parents are summed from whatever rows print)."""
    rnd = rng.random

    def c(mean: float) -> int:
        return draw_count(rnd, mean)

    scale = entity.scale
    proactive = c(150 + scale * 25)
    v: dict[str, float] = {
        "proactive.total": proactive,
        "proactive.normative_docs": min(proactive, c(0.5 + scale * 0.04)),
        "normative_docs.issued_total": c(0.3 + scale * 0.03),
        "proactive.channel.gazette": c(proactive * 0.03),
        "proactive.channel.website": int(proactive * (0.6 + 0.4 * rnd())),
        "proactive.channel.weibo": c(proactive * 0.1),
        "proactive.channel.wechat": c(proactive * 0.1),
        "proactive.channel.app": c(proactive * 0.02),
        "proactive.channel.other": c(proactive * 0.05),
        "proposals.npc_suggestions": c(2),
        "proposals.cppcc_proposals": c(2),
        "dynamic.request_to_proactive": c(0.3),
        "dynamic.declassified": c(0.2),
        "decision_preview.consultations": c(0.5),
        "decision_preview.feedback_rounds": c(0.5),
        "decision_preview.opinions": c(1.5),
        "decision_preview.rejected": c(0.3),
        "response.hot_topics": c(0.5 + scale * 0.05),
        "response.press_conferences": c(0.4 + scale * 0.01),
        "response.online_interviews": c(0.3),
        "response.policy_explained_by_head": c(0.3),
        "response.explainer_articles": c(1 + scale * 0.02),
        "response.social_media": c(1 + scale * 0.04),
        "response.other": c(0.5),
        "open_meetings.sessions": c(0.5),
        "open_meetings.attendees": c(2),
        "apply.channel.in_person": c(scale * 0.03),
        "apply.channel.fax": c(scale * 0.003),
        "apply.channel.online": c(scale * 0.15),
        "apply.channel.letter": c(scale * 0.1),
        "apply.channel.other": c(scale * 0.01),
        "review.upheld": c(scale * 0.01),
        "review.corrected": c(scale * 0.002),
        "review.other": c(scale * 0.003),
        "litigation.upheld": c(scale * 0.008),
        "litigation.corrected": c(scale * 0.001),
        "litigation.other": c(scale * 0.002),
        "complaints.total": c(0.2),
        "complaints.upheld": c(0.2),
        "complaints.corrected": c(0.05),
        "complaints.other": c(0.1),
        "fees.charged": 0,
        "archive.paper": c(proactive * 0.05),
        "archive.electronic": c(proactive * 0.2),
        "org.dedicated_units": 1 if rnd() < 0.85 else 0,
        "org.reading_points": c(1.2),
        "org.reading_point_visitors": c(3 + scale * 0.2),
        "staff.full_time": c(0.8 + scale * 0.01),
        "staff.part_time": 1 + c(2 + scale * 0.05),
        "supervisors.count": c(2),
        "supervisors.inspections": c(1),
        "supervisors.opinions": c(1),
        "supervisors.adopted": 0,
        "org.budget": 0 if rnd() < 0.6 else round(0.5 + 9 * rnd(), 1),
        "meeting.sessions": c(1.5),
        "training.sessions": c(1.2),
        "training.attendees": c(8 + scale * 0.2),
    }
    v["response.press_conferences_by_head"] = min(v["response.press_conferences"], c(0.3))
    v["response.online_interviews_by_head"] = min(v["response.online_interviews"], c(0.3))
    v["supervisors.adopted"] = min(v["supervisors.opinions"], c(0.5))
    return v


# The reasons for refusal the old form prints (its rows under 不同意公开答复数), with how often
# each is given; the catalogue may know more (they are summed when printed, see `draft.py`).
_DENIAL_REASONS = (
    ("answer.denied.state_secret", 0.1),
    ("answer.denied.trade_secret", 0.15),
    ("answer.denied.privacy", 0.3),
    ("answer.denied.security_stability", 0.05),
    ("answer.denied.not_gov_info", 0.3),
    ("answer.denied.other_legal", 0.1),
)


def _answers(rng: random.Random, received: int) -> dict[str, float]:
    """How the year's requests were completed and answered (each partition sums)."""
    rnd = rng.random
    extended = min(received, draw_count(rnd, received * 0.03))
    kinds = (
        "answer.already_public",
        "answer.granted",
        "answer.partial",
        "answer.denied",
        "answer.not_this_agency",
        "answer.not_exist",
        "answer.correction_requested",
        "answer.other_channel",
    )
    parts = split_count(rnd, received, (0.15, 0.45, 0.05, 0.05, 0.1, 0.1, 0.05, 0.05))
    values: dict[str, float] = dict(zip(kinds, parts, strict=True))
    values["apply.completed_on_time"] = received - extended
    values["apply.completed_extended"] = extended
    reasons, weights = zip(*_DENIAL_REASONS, strict=True)
    denied = split_count(rnd, parts[3], weights)
    values.update(zip(reasons, denied, strict=True))
    return values


def old_table_figures(
    rng: random.Random, entity: Entity, year: int, head_values: bool
) -> tuple[list[OldRow], dict[tuple[str, str], float | None]]:
    """The printed rows of an old table and its figures as the parser must read them.

    Leaf rows print their own figures; a row whose rows add up to it prints their sum (a
    heading only in forms that print subtotals on headings); a few rows print blank.
    """
    form = old_form_plan(entity.old_style, year >= 2012, year >= 2014)
    values = _old_leaf_values(rng, entity, year)
    values.update(_answers(rng, int(sum(values[m] for m in form.channels))))
    table: dict[tuple[str, str], float | None] = {(m, TOTAL): values[m] for m in form.leaves}
    for parent, kids, head in form.sums:  # deepest first, so a sum can hold sums
        total = sum(values[k] for k in kids)
        values[parent] = total
        if head_values or not head:
            table[(parent, TOTAL)] = total
    for metric in _BLANKABLE:
        if (metric, TOTAL) in table and rng.random() < 0.3:
            table[(metric, TOTAL)] = None
    return list(form.rows), table
