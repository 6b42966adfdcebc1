"""Figures stated in prose: sentences built together with the list of figures they state
(`StatedFigure`), so the two cannot differ, for the new template, the old table and
prose-only reports; and the figures of a prose-only report.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from tools.synth.agencies import Entity
from tools.synth.catalogue import CHILDREN
from tools.synth.counts import draw_count, split_count
from tools.synth.printing import format_figure
from tools.synth.vocabulary import TOPICS


@dataclass(frozen=True, slots=True)
class StatedFigure:
    """A figure a sentence states, as `pipeline/prose.py` must read it."""

    metric: str
    value: float
    approx: bool
    part_of: str | None
    printed: bool = True  # False for a zero stated as a negation


@dataclass(slots=True)
class Statement:
    """One paragraph's statistics sentence(s) and the figures they state."""

    text: str
    figures: list[StatedFigure]
    line: int = 0  # position of its paragraph in the report (set when placed)


class _Say:
    """Builds a sentence and the list of figures it states in one go, so they cannot differ."""

    def __init__(self, get: Callable[[str], float]) -> None:
        self.get = get
        self.parts: list[str] = []
        self.figures: list[StatedFigure] = []

    def __call__(self, text: str) -> _Say:
        self.parts.append(text)
        return self

    def n(
        self, metric: str, unit: str = "件", part_of: str | None = None, approx: bool = False
    ) -> _Say:
        value = self.get(metric)
        self.parts.append(f"{format_figure(value)}{'余' if approx else ''}{unit}")
        self.figures.append(StatedFigure(metric, value, approx, part_of))
        return self

    def zero(self, metric: str) -> _Say:
        """A figure stated as a negation ("没有收到…申请"): zero, with no number printed."""
        self.figures.append(StatedFigure(metric, 0, False, None, printed=False))
        return self

    def done(self) -> Statement:
        return Statement("".join(self.parts), self.figures)


_NEW_OUTCOME_WORDS = (
    ("予以公开", "outcome.granted"),
    ("部分公开", "outcome.partial"),
    ("不予公开", "outcome.denied"),
    ("无法提供", "outcome.unable"),
    ("不予处理", "outcome.not_processed"),
    ("其他处理", "outcome.other"),
)
_CHANNEL_WORDS = (
    ("当面申请", "apply.channel.in_person"),
    ("传真申请", "apply.channel.fax"),
    ("网上申请", "apply.channel.online"),
    ("信函申请", "apply.channel.letter"),
    ("其他形式申请", "apply.channel.other"),
)


def new_statements(
    rng: random.Random, year: int, entity: Entity, get: Callable[[str], float]
) -> list[tuple[str, Statement]]:
    """2019+ reports repeat table-3/4 figures in the 总体情况 paragraphs (and add staff)."""
    out: list[tuple[str, Statement]] = []
    subject, me = entity.subject, entity.self_ref
    # Draw every random choice first: restating a report with one figure shifted (a prose
    # break) must make the same choices, whatever the figures.
    r = [rng.random() for _ in range(9)]
    handled, new = get("apply.handled"), get("apply.new")
    if new == 0 and r[0] < 0.5:
        out.append(
            (
                "request",
                _Say(get)(
                    f"{year}年度{me}没有收到依申请公开的申请报告,没有发生政府信息咨询、投诉事项。"
                )
                .zero("apply.new")
                .done(),
            )
        )
    else:
        form = int(r[1] * 5)
        say = _Say(get)
        if form == 0:
            topic = TOPICS[int(r[2] * len(TOPICS))]
            say(f"{year}年{subject}新收政府信息公开申请").n("apply.new")
            say(",上年结转政府信息公开申请").n("apply.carried_over")
            say(f"。申请内容主要涉及{topic}。其中,本年度办结").n("apply.handled")
            say("、结转下年度继续办理").n("apply.carried_forward")("。")
        elif form == 1 and handled > 0:
            say(f"{year}年{subject}办理政府信息公开申请").n("apply.handled")(",其中,")
            for i, (word, metric) in enumerate(_NEW_OUTCOME_WORDS):
                share = round(100 * get(metric) / handled)
                say(";" if i else "")(word).n(metric, part_of="apply.handled")(f",占比{share}%")
            say("。结转至下年办理").n("apply.carried_forward")("。")
        elif form == 2:
            say(f"{year}年{subject}新收政府信息公开申请").n("apply.new")
            say(",结转上年").n("apply.carried_over")("。其中,")
            for i, (word, metric) in enumerate(_NEW_OUTCOME_WORDS):
                say("、" if i else "")(f"“{word}”").n(metric)
            say("、“结转下年度继续办理”").n("apply.carried_forward")("。")
        elif form == 3:
            say("本年度共收到政府信息公开申请").n("apply.new")(",上年结转").n("apply.carried_over")
            say(",本年度办结").n("apply.handled")(",结转下年度继续办理").n("apply.carried_forward")
            say("。")
        if say.figures:
            out.append(("request", say.done()))
    review = get("review.total")
    lawsuits = get("litigation_direct.total") + get("litigation_after_review.total")
    if review == 0 and lawsuits == 0 and r[3] < 0.5:
        out.append(
            (
                "review",
                _Say(get)(
                    f"{year}年,{me}没有发生因政府信息公开申请行政复议、提起行政诉讼和申诉的情况。"
                )
                .zero("review.total")
                .zero("litigation.total")
                .done(),
            )
        )
    elif review > 0 and r[3] < 0.4:
        say = _Say(get)(f"{year}年{me}因政府信息公开申请提起行政复议的有").n("review.total")
        for word, metric in (("维持", "upheld"), ("纠错", "corrected"), ("其他情况", "other")):
            say(f",{word}").n(f"review.{metric}", part_of="review.total")
        if get("review.pending"):
            say(",尚未审结").n("review.pending", part_of="review.total")
        out.append(("review", say("。").done()))
    if r[4] < 0.4:
        say = _Say(get)(f"强化人员配备,{subject}政府信息公开工作人员").n("staff.total", "人")
        say(",其中,专职").n("staff.full_time", "人", "staff.total")
        say(",兼职").n("staff.part_time", "人", "staff.total")(",队伍建设进一步加强。")
        out.append(("supervise", say.done()))
    if r[5] < 0.4:
        say = _Say(get)("全年召开政府信息公开工作会议及专项培训").n("meeting.sessions", "次")
        say(",接受培训人员").n("training.attendees", "人次", approx=r[6] < 0.5)("。")
        out.append(("supervise", say.done()))
    if r[7] < 0.3:
        total = int(get("proactive.total"))
        a = total // 10
        b = total // 7
        say = _Say(get)("本年度主动公开政府信息共").n("proactive.total")
        say(f",其中人事信息{a}条,财政信息{b}条,通知公告{total - a - b}条。")
        out.append(("proactive", say.done()))
    return out


def old_statements(
    rng: random.Random, year: int, entity: Entity, get: Callable[[str], float], prose_only: bool
) -> list[tuple[str, Statement]]:
    """Pre-2019 sentences: with an old table they repeat its figures; alone they are the
    report's statistics."""
    out: list[tuple[str, Statement]] = []
    subject, me = entity.subject, entity.self_ref
    r = [rng.random() for _ in range(16)]  # every choice drawn first (see new_statements)
    if prose_only and r[0] < 0.7:
        say = _Say(get)(f"{year}年截止12月31日,{subject}共发布信息").n("info.published", "条")
        say(",其中 “主动公开信息”").n("proactive.total", "条", "info.published")
        say(",“依申请公开信息” ").n("info.on_request", "条", "info.published")("。")
        out.append(("proactive", say.done()))
    elif r[1] < 0.6:
        say = _Say(get)
        if r[2] < 0.5:
            say(f"截至{year}年12月底,{me}通过政府门户网站公开行政权力项目{1 + int(r[3] * 9)}项,")
            say("合计主动公开信息").n("proactive.total", "条")("。")
        else:
            say(f"{year}年,{me}主动公开信息共").n("proactive.total", "条")(",全文电子化达100%。")
        out.append(("proactive", say.done()))
    received = get("apply.received")
    if received == 0:
        if r[4] < 0.7:
            text = (
                f"{year}年,{subject}未收到政府信息公开申请和不予公开政府信息报告。"
                if r[5] < 0.5
                else f"{me}{year}年度没有收到公民、法人和其他组织提交的政府信息公开申请。"
            )
            out.append(("request", _Say(get)(text).zero("apply.received").done()))
    elif r[4] < 0.6:
        say = _Say(get)(f"{year}年,{subject}共收到公开政府信息申请").n("apply.received")(",其中")
        first = True
        for word, metric in _CHANNEL_WORDS:
            if get(metric):
                if metric == "apply.channel.online" and r[5] < 0.5:
                    word = "网络申请"
                say("" if first else ",")(word).n(metric, part_of="apply.received")
                first = False
        out.append(("request", say(",均依法依规答复完毕。").done()))
    completed = get("apply.completed")
    if prose_only and completed > 0 and r[6] < 0.6:
        say = _Say(get)(f"{year}年{subject}共办结政府信息公开申请").n("apply.completed")(",其中")
        for i, (word, metric) in enumerate(
            (
                ("已主动公开", "answer.already_public"),
                ("同意公开", "answer.granted"),
                ("同意部分公开", "answer.partial"),
                ("不予公开", "answer.denied"),
                ("其他情况", "answer.other"),
            )
        ):
            say("," if i else "")(f"“{word}”").n(metric, part_of="apply.completed")
        out.append(("request", say("。").done()))
    review, lawsuits = get("review.total"), get("litigation.total")
    if review == 0 and lawsuits == 0:
        if r[7] < 0.6:
            text = (
                f"{year}年,{subject}未发生针对政府信息公开事务的行政复议申请、申诉和行政诉讼案件。"
                if r[8] < 0.5
                else f"{me}{year}年度未发生针对本部门有关政府信息公开事务的"
                "行政复议案、行政诉讼案和有关的申诉案。"
            )
            out.append(
                ("cases", _Say(get)(text).zero("review.total").zero("litigation.total").done())
            )
    elif r[7] < 0.6:
        say = _Say(get)(f"{year}年{me}因政府信息公开申请提起行政复议的有").n("review.total")
        if prose_only and get("litigation.closed") + get("litigation.in_progress") > 0:
            say(";因政府信息公开申请提起行政诉讼的有").n("litigation.total")(",")
            say.n("litigation.closed", part_of="litigation.total")("已结案,")
            say.n("litigation.in_progress", part_of="litigation.total")("正在处理。")
        else:
            for word, metric in (("维持", "upheld"), ("纠错", "corrected"), ("其他情况", "other")):
                say(f",{word}").n(f"review.{metric}", part_of="review.total")
            say(";因政府信息公开申请提起行政诉讼的有").n("litigation.total")
            for word, metric in (("维持", "upheld"), ("纠错", "corrected"), ("其他情况", "other")):
                say(f",{word}").n(f"litigation.{metric}", part_of="litigation.total")
            say("。")
        out.append(("cases", say.done()))
    if r[9] < 0.45:
        say = _Say(get)(f"{me}政府信息公开工作专门机构").n("org.dedicated_units", "个")
        say(",从事政府信息公开工作人员").n("staff.total", "名")
        say(",其中专职人员").n("staff.full_time", "名", "staff.total")
        say(",兼职人员").n("staff.part_time", "名", "staff.total")("。")
        out.append(("organisation", say.done()))
    if r[10] < 0.45:
        say = _Say(get)
        if r[11] < 0.5:
            say("全年召开政府信息公开工作会议").n("meeting.sessions", "次")
            say(",接受培训人员").n("training.attendees", "人次", approx=r[12] < 0.4)("。")
        else:
            say("全年共召开政务公开工作会议").n("meeting.sessions", "次")
            say(",举办政务公开培训班").n("training.sessions", "期")
            say(",培训人员").n("training.attendees", "人次")("。")
        out.append(("organisation", say.done()))
    if not prose_only and year >= 2014 and r[13] < 0.3:
        say = _Say(get)(f"{year}年度{me}回应公众关注热点或重大舆情数").n(
            "response.hot_topics", "次"
        )
        say(",通过不同渠道和方式回应解读").n("response.by_channel", "次")("。")
        out.append(("responses", say.done()))
    return out


def prose_values(rng: random.Random, entity: Entity) -> dict[str, float]:
    """The figures a prose-only report states (its parts add up)."""
    rnd = rng.random

    def c(mean: float) -> int:
        return draw_count(rnd, mean)

    scale = entity.scale
    v: dict[str, float] = {
        "proactive.total": c(150 + scale * 25),
        "info.on_request": c(scale * 0.2),
        "apply.channel.in_person": c(scale * 0.03),
        "apply.channel.fax": c(scale * 0.003),
        "apply.channel.online": c(scale * 0.15),
        "apply.channel.letter": c(scale * 0.1),
        "apply.channel.other": c(scale * 0.005),
        "org.dedicated_units": 1,
        "staff.full_time": c(0.8 + scale * 0.01),
        "staff.part_time": 1 + c(2 + scale * 0.05),
        "meeting.sessions": c(1.5),
        "training.sessions": c(1.2),
        "training.attendees": c(8 + scale * 0.2),
    }
    v["info.published"] = v["proactive.total"] + v["info.on_request"]
    received = int(sum(v.get(m, 0) for m in CHILDREN["apply.received"]))
    v["apply.received"] = received
    v["apply.completed"] = received
    kinds = ("answer.already_public", "answer.granted", "answer.partial", "answer.denied")
    parts = split_count(rnd, received, (0.15, 0.45, 0.05, 0.05, 0.3))
    v.update(zip((*kinds, "answer.other"), parts, strict=True))
    for group in ("review", "litigation"):
        values = split_count(rnd, c(scale * 0.015), (0.7, 0.1, 0.2))
        names = (f"{group}.upheld", f"{group}.corrected", f"{group}.other")
        v.update(zip(names, values, strict=True))
        v[f"{group}.total"] = sum(values)
    closed = min(int(v["litigation.total"]), c(v["litigation.total"] * 0.6))
    v["litigation.closed"] = closed
    v["litigation.in_progress"] = v["litigation.total"] - closed
    v["staff.total"] = v["staff.full_time"] + v["staff.part_time"]
    return v
