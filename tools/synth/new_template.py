"""Figures of the new template (2019 on): table 3 (requests by applicant column: balanced,
summed and totalled), table 4 (reviews and lawsuits) and the article-20 table, whose stock
follows from the year before.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from tools.synth.agencies import Entity
from tools.synth.catalogue import APPLICANTS, NEW_2021, TOTAL
from tools.synth.counts import draw_count, split_count

# Table 3 outcome rows: (group label, [(item label, metric, weight)]); a group of None is a row
# of its own. Weights give a realistic mix of outcomes.
_OUTCOMES_HEAD: tuple[tuple[str | None, tuple[tuple[str, str, float], ...]], ...] = (
    (None, (("(一)予以公开", "outcome.granted", 0.28),)),
    (
        None,
        (("(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "outcome.partial", 0.10),),
    ),
    (
        "(三)不予公开",
        (
            ("1.属于国家秘密", "outcome.denied.state_secret", 0.004),
            ("2.其他法律行政法规禁止公开", "outcome.denied.law_forbidden", 0.01),
            ("3.危及“三安全一稳定”", "outcome.denied.three_safety", 0.004),
            ("4.保护第三方合法权益", "outcome.denied.third_party", 0.02),
            ("5.属于三类内部事务信息", "outcome.denied.internal_affairs", 0.02),
            ("6.属于四类过程性信息", "outcome.denied.process_info", 0.02),
            ("7.属于行政执法案卷", "outcome.denied.enforcement_file", 0.01),
            ("8.属于行政查询事项", "outcome.denied.query_matter", 0.015),
        ),
    ),
    (
        "(四)无法提供",
        (
            ("1.本机关不掌握相关政府信息", "outcome.unable.no_info", 0.30),
            ("2.没有现成信息需要另行制作", "outcome.unable.needs_creation", 0.03),
            ("3.补正后申请内容仍不明确", "outcome.unable.unclear", 0.03),
        ),
    ),
    (
        "(五)不予处理",
        (
            ("1.信访举报投诉类申请", "outcome.not_processed.petition", 0.05),
            ("2.重复申请", "outcome.not_processed.duplicate", 0.03),
            ("3.要求提供公开出版物", "outcome.not_processed.publication", 0.01),
            ("4.无正当理由大量反复申请", "outcome.not_processed.mass_repeat", 0.01),
            (
                "5.要求行政机关确认或重新出具已获取信息",
                "outcome.not_processed.confirm_reissue",
                0.01,
            ),
        ),
    ),
)
_OTHER_2019 = ((None, (("(六)其他处理", "outcome.other", 0.06),)),)
_OTHER_2021 = (
    (
        "(六)其他处理",
        (
            (
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                "outcome.other.overdue_correction",
                0.03,
            ),
            (
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                "outcome.other.overdue_fee",
                0.004,
            ),
            ("3.其他", "outcome.other.other", 0.03),
        ),
    ),
)
FIRST_ROWS = (
    ("一、本年新收政府信息公开申请数量", "apply.new"),
    ("二、上年结转政府信息公开申请数量", "apply.carried_over"),
)
LAST_ROWS = (
    ("(七)总计", "apply.handled"),
    ("四、结转下年度继续办理", "apply.carried_forward"),
)
OUTCOMES_LABEL = "三、本年度办理结果"
R1_TERMS = ("apply.new", "apply.carried_over", "apply.handled", "apply.carried_forward")
# share of requests by applicant column
_APPLICANT_SHARES = (0.90, 0.06, 0.004, 0.008, 0.015, 0.013)


def outcome_groups(
    template: str,
) -> tuple[tuple[str | None, tuple[tuple[str, str, float], ...]], ...]:
    """Table 3's outcome rows of a template, grouped as printed."""
    return _OUTCOMES_HEAD + (_OTHER_2021 if template == NEW_2021 else _OTHER_2019)


@cache
def outcome_leaves(template: str) -> tuple[tuple[str, float], ...]:
    """Table 3's leaf outcome rows (metric, weight) in printed order."""
    return tuple((metric, w) for _, items in outcome_groups(template) for _, metric, w in items)


@cache
def _requests_keys(
    template: str,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Table 3's (metric, column) keys: applicant columns column by column, then 总计."""
    metrics = (*R1_TERMS, *(m for m, _ in outcome_leaves(template)))
    by_column = tuple((m, d) for d in APPLICANTS for m in metrics)
    return by_column, tuple((m, TOTAL) for m in metrics)


def requests_table(
    rng: random.Random, scale: float, template: str, carried: Sequence[int] | None
) -> dict[tuple[str, str], float | None]:
    """Table 3: every row per applicant column, balanced (R1), summed (R2) and totalled (R3)."""
    rnd = rng.random
    weights = tuple(w for _, w in outcome_leaves(template))
    columns: list[list[int]] = []
    for i in range(len(APPLICANTS)):
        new = draw_count(rnd, scale * _APPLICANT_SHARES[i])
        before = carried[i] if carried is not None else draw_count(rnd, new * 0.04)
        available = new + before
        forward = min(available, draw_count(rnd, available * 0.04))
        handled = available - forward
        columns.append([new, before, handled, forward, *split_count(rnd, handled, weights)])
    by_column, totals = _requests_keys(template)
    table: dict[tuple[str, str], float | None] = dict(
        zip(by_column, (v for column in columns for v in column), strict=True)
    )
    table.update(zip(totals, map(sum, zip(*columns, strict=True)), strict=True))
    return table


REVIEW_GROUPS = ("review", "litigation_direct", "litigation_after_review")
_REVIEW_OUTCOMES = ("upheld", "corrected", "other", "pending")


def review_codes() -> list[str]:
    """The 15 metrics of table 4 in printed order."""
    return [f"{g}.{o}" for g in REVIEW_GROUPS for o in (*_REVIEW_OUTCOMES, "total")]


def review_table(rng: random.Random, scale: float) -> dict[tuple[str, str], float | None]:
    rnd = rng.random
    table: dict[tuple[str, str], float | None] = {}
    for group, share in zip(REVIEW_GROUPS, (0.05, 0.035, 0.02), strict=True):
        parts = split_count(rnd, draw_count(rnd, scale * share), (0.6, 0.1, 0.15, 0.15))
        for outcome, value in zip(_REVIEW_OUTCOMES, parts, strict=True):
            table[(f"{group}.{outcome}", TOTAL)] = value
        table[(f"{group}.total", TOTAL)] = sum(parts)
    return table


@dataclass(slots=True)
class Stock:
    """What carries from one year's article-20 table to the next."""

    rules_in_force: int
    docs_in_force: int
    docs_published_total: int
    items: dict[str, int]


def art20_table(
    rng: random.Random, entity: Entity, template: str, stock: Stock | None
) -> tuple[dict[tuple[str, str], float | None], Stock]:
    """Article-20 figures; 现行有效 follows last year's stock (the cross-year stock rule)."""
    rnd = rng.random
    table: dict[tuple[str, str], float | None] = {}
    gov = entity.level in ("province_gov", "city_gov")
    issuer = entity.level != "township"
    if stock is None:
        stock = Stock(
            rules_in_force=draw_count(rnd, 30) if gov else 0,
            docs_in_force=draw_count(rnd, 25 if issuer else 1),
            docs_published_total=0,
            items={
                s: draw_count(rnd, m)
                for s, m in (
                    ("licensing", 150),
                    ("other_services", 80),
                    ("penalty", 600),
                    ("coercion", 40),
                    ("fees", 12),
                )
            },
        )
    rules_issued = draw_count(rnd, 1.5) if gov else 0
    docs_issued = draw_count(rnd, 6 if issuer else 0.3)
    size = max(entity.scale, 1.0)
    decisions = {
        "licensing": draw_count(rnd, size * 200),
        "other_services": draw_count(rnd, size * 60),
        "penalty": draw_count(rnd, size * 8),
        "coercion": draw_count(rnd, size * 0.6),
    }
    if template == NEW_2021:
        rules_repealed = min(
            stock.rules_in_force + rules_issued, draw_count(rnd, 0.5) if gov else 0
        )
        docs_repealed = min(
            stock.docs_in_force + docs_issued, draw_count(rnd, 2 if issuer else 0.1)
        )
        rules_now = stock.rules_in_force + rules_issued - rules_repealed
        docs_now = stock.docs_in_force + docs_issued - docs_repealed
        for subject, values in (
            ("rules", (rules_issued, rules_repealed, rules_now)),
            ("normative_docs", (docs_issued, docs_repealed, docs_now)),
        ):
            for column, value in zip(("issued", "repealed", "in_force"), values, strict=True):
                table[(f"art20.{subject}.{column}", TOTAL)] = value
        table[("art20.licensing.decisions", TOTAL)] = decisions["licensing"]
        table[("art20.penalty.decisions", TOTAL)] = decisions["penalty"]
        table[("art20.coercion.decisions", TOTAL)] = decisions["coercion"]
        fee = draw_count(rnd, size * 40) if rnd() < 0.6 else 0
        table[("art20.fees.amount", TOTAL)] = fee if rnd() < 0.7 else round(fee + rnd(), 2)
        new_stock = Stock(rules_now, docs_now, stock.docs_published_total, stock.items)
        return table, new_stock
    # new_2019: issued, published, total published; item counts with a signed change
    rules_published = rules_issued
    docs_published = min(docs_issued, draw_count(rnd, docs_issued))
    published_total = stock.docs_published_total + docs_published + draw_count(rnd, 3)
    for subject, values in (
        ("rules", (rules_issued, rules_published, stock.rules_in_force + rules_published)),
        ("normative_docs", (docs_issued, docs_published, published_total)),
    ):
        for column, value in zip(("issued", "published", "total_published"), values, strict=True):
            table[(f"art20.{subject}.{column}", TOTAL)] = value
    items = dict(stock.items)
    for subject in ("licensing", "other_services", "penalty", "coercion", "fees"):
        prior = items[subject]
        change = int(prior * (rnd() - 0.5) * 0.4) if prior else draw_count(rnd, 2)
        table[(f"art20.{subject}.prior_items", TOTAL)] = prior
        table[(f"art20.{subject}.change", TOTAL)] = change
        if subject != "fees":
            table[(f"art20.{subject}.decisions", TOTAL)] = decisions[subject]
        items[subject] = prior + change
    table[("art20.procurement.projects", TOTAL)] = draw_count(rnd, size * 20)
    table[("art20.procurement.amount", TOTAL)] = round(size * 300 * rnd() + rnd(), 6)
    new_stock = Stock(stock.rules_in_force, stock.docs_in_force, published_total, items)
    return table, new_stock
