"""A report's text as blocks: title, sections, filler paragraphs and statistics sentences in
reading order, and a placeholder block where each table goes (the renderers fill them).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable

from tools.synth.catalogue import NEW_TEMPLATES, OLD_TABLE
from tools.synth.draft import Draft
from tools.synth.printing import chinese_numeral
from tools.synth.statements import Statement
from tools.synth.vocabulary import FEES_OLD, FILLER, GIVEN_NAMES, SECRECY_NEGATIVE, SURNAMES

# A block is ("title", text), ("line", text), ("old", layout), ("art20", ""), ("requests", ""),
# ("review", ""): prose lines in reading order, tables where the template puts them.
Block = tuple[str, str]


class _Composer:
    """Lays out one report's sections, filler and statistics sentences as blocks."""

    def __init__(self, draft: Draft, rng: random.Random) -> None:
        self.draft = draft
        self.rng = rng
        self.blocks: list[Block] = []
        entity = draft.entity
        self.fill = {"Y": str(draft.year), "subj": entity.subject, "self": entity.self_ref}
        self.slots: dict[str, list[Statement]] = defaultdict(list)
        for slot, statement in draft.statements:
            self.slots[slot].append(statement)

    def line(self, text: str, kind: str = "line") -> None:
        self.blocks.append((kind, text))

    def sentences(self, pool: str, k: int) -> str:
        """k consecutive sentences of a filler pool from a random start (one draw, no repeats)."""
        sentences = FILLER[pool]
        n = len(sentences)
        first = int(self.rng.random() * n)
        text = "".join(sentences[(first + i) % n] for i in range(min(k, n)))
        return text.format(Y=self.fill["Y"], subj=self.fill["subj"]) if "{" in text else text

    def paragraph(self, pool: str, k: int, lead: str = "") -> None:
        """A paragraph of k sentences of a filler pool (after an optional lead-in)."""
        self.line(lead + self.sentences(pool, k))

    def statements(self, slot: str, pool: str, lead: str = "") -> None:
        """A slot's statistics sentences: after a filler paragraph, or on lines of their own."""
        pending = self.slots.pop(slot, [])
        if pending and self.rng.random() < 0.5:
            statement = pending.pop(0)
            statement.line = len(self.blocks)
            self.line(lead + self.sentences(pool, 2) + statement.text)
        elif lead or not pending:
            self.paragraph(pool, self.rng.randint(1, 3), lead)
        for statement in pending:
            statement.line = len(self.blocks)
            self.line(statement.text)

    def title(self) -> None:
        draft, rng = self.draft, self.rng
        year, agency = draft.year, draft.entity.agency
        unit = rng.choice(("年", "年度"))
        mode = draft.agency_mode
        if mode == "title_prefix":
            self.line(f"{agency}{year}{unit}政府信息公开工作年度报告", "title")
        elif mode == "title_infix":
            self.line(f"{year}{unit}{agency}政府信息公开工作年度报告", "title")
        elif mode == "title_line":
            self.line(f"{year}{unit}政府信息公开工作年度报告", "title")
            self.line(agency)
        elif rng.random() < 0.4:
            self.line(f"{year}{unit}政府信息公开工作年度报告", "title")

    def closing(self) -> None:
        draft, rng = self.draft, self.rng
        date = f"{draft.year + 1}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日"
        if draft.agency is not None and (draft.agency_mode == "signature" or rng.random() < 0.5):
            self.line(draft.entity.agency)
            self.line(date)
        elif draft.agency is None and rng.random() < 0.3:
            self.line(date)

    def contact(self) -> str:
        rng = self.rng
        phone = f"0{rng.randint(310, 999)}-{rng.randint(81000000, 89999999)}"
        return f"联系电话:{phone}"

    # -- the three shapes of report --------------------------------------------------------

    def new_template(self) -> list[Block]:
        draft, rng, entity = self.draft, self.rng, self.draft.entity
        year = draft.year
        self.title()
        has_title = bool(self.blocks)
        if not has_title or rng.random() < 0.7:
            parts = (
                "总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
                "政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况、"
                "其他需要报告的事项六个部分"
            )
            self.line(
                "根据修订后的《中华人民共和国政府信息公开条例》(以下简称新《条例》)规定,"
                f"向社会公布{year}年本机关信息公开工作年度报告。本报告包括{parts}。"
                f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
                f"本报告的电子版可在“{entity.site}”门户网站({entity.url})查阅。"
                f"如对报告有任何疑问或意见建议,请直接与{entity.office}联系。"
            )
            if rng.random() < 0.5:
                self.line(f"联系地址:{entity.address}")
                self.line(self.contact())
        self.line("一、总体情况")
        self.paragraph("open", 1)
        for slot, pool, leads in (
            (
                "proactive",
                "proactive",
                (
                    "(一)主动公开情况。",
                    "(一)聚焦重点领域,持续做好主动公开工作。",
                    "(一)强化公开实效,着力提升主动公开水平。",
                ),
            ),
            (
                "request",
                "request",
                (
                    "(二)依申请公开情况。",
                    "(二)提升服务力度,持续抓好依申请公开工作。",
                    "(二)强化为民服务,着力提升依申请公开水平。",
                ),
            ),
            (
                "manage",
                "manage",
                ("(三)政府信息管理情况。", "(三)强化工作规范,着力提升信息管理水平。"),
            ),
            (
                "platform",
                "platform",
                ("(四)政府信息公开平台建设情况。", "(四)强化渠道拓展,着力提升平台建设水平。"),
            ),
            (
                "supervise",
                "supervise",
                ("(五)监督保障情况。", "(五)强化组织领导,着力提升监督保障水平。"),
            ),
        ):
            self.statements(slot, pool, rng.choice(leads))
        self.line("二、主动公开政府信息情况")
        self.line("", "art20")
        self.line("三、收到和处理政府信息公开申请情况")
        self.line("", "requests")
        self.line("四、政府信息公开行政复议、行政诉讼情况")
        for statement in self.slots.pop("review", []):
            statement.line = len(self.blocks)
            self.line(statement.text)
        self.line("", "review")
        self.line("五、存在的主要问题及改进情况")
        self.paragraph("problems", rng.randint(2, 4))
        if rng.random() < 0.5:
            self.paragraph("problems", rng.randint(1, 3))
        self.line("六、其他需要报告的事项")
        self.paragraph("other", rng.randint(1, 2))
        if rng.random() < 0.3:
            a = rng.randint(20, 150)
            b, c = rng.randint(1, a // 2), rng.randint(1, a // 3)
            self.line(
                f"今年,区政府共承办人大代表建议{a}件。其中,涉及城市建设管理方面{b}件,经济发展方面{c}件。"
            )
        if rng.random() < 0.2:
            a = rng.randint(50, 250)
            self.line(f"优化办理留言栏目,{year}年办结留言{a}条,公开答复{rng.randint(1, a)}条。")
        self.closing()
        return self.blocks

    def old_report(self, with_table: bool) -> list[Block]:
        draft, rng, entity = self.draft, self.rng, self.draft.entity
        year = draft.year
        self.title()
        if not with_table and (not self.blocks or rng.random() < 0.6):
            zip_code = rng.randint(100000, 850000)
            self.line(
                "本报告根据《中华人民共和国政府信息公开条例》(下称《条例》)编制。"
                f"本报告中所列数据的统计期限自{year}年1月1日起,至{year}年12月31日止。"
                f"本报告的电子版可在“{entity.site}”门户网站({entity.url})下载。"
                f"如对报告有任何疑问,请与{entity.office}联系(地址:{entity.address},"
                f"邮编:{zip_code},{self.contact().replace('联系电话', '电话')})。"
            )
        elif with_table:
            writer = entity.agency if draft.agency else "本单位"
            self.line(
                f"根据《中华人民共和国政府信息公开条例》、《{entity.province}政府信息公开办法》,"
                f"特向社会公布{writer}{year}年度信息公开工作年度报告。报告内容由概述、组织领导和制度建设情况、"
                "主动公开政府信息情况、政府信息公开申请的办理情况、政府信息公开收费及减免情况、"
                "因信息公开申请行政复议、提起行政诉讼情况、信息公开工作存在的主要问题及改进措施等部分组成。"
            )
        sections: list[tuple[str, Callable[[str], None]]] = [
            (
                "政府信息公开工作情况概述" if with_table else "概述",
                lambda head: self._overview(),
            ),
            (
                "政府信息公开的组织领导和制度建设情况",
                lambda head: self.statements("organisation", "organisation"),
            ),
        ]
        if with_table and year >= 2014:
            sections.append(
                (
                    "发布解读、回应社会关切以及互动交流情况",
                    lambda head: self.statements("responses", "responses"),
                )
            )
        sections += [
            (
                "主动公开政府信息以及公开平台建设情况",
                lambda head: self.statements("proactive", "proactive_old"),
            ),
            ("政府信息公开申请办理情况", lambda head: self.statements("request", "request")),
            (
                "政府信息公开收费及减免情况",
                lambda head: self.line(rng.choice(FEES_OLD).format(Y=year)),
            ),
            (
                "因政府信息公开申请提起行政复议、提起行政诉讼的情况",
                lambda head: self.statements("cases", "overview_more"),
            ),
            ("政府信息公开保密审查及监督检查情况", lambda head: self._secrecy()),
            (
                "政府信息公开工作存在的主要问题及改进措施",
                lambda head: self.paragraph("problems_old", rng.randint(1, 3)),
            ),
        ]
        for number, (heading, body) in enumerate(sections, start=1):
            self.line(f"{chinese_numeral(number)}、{heading}")
            body(heading)
        if with_table:
            self.line(f"{chinese_numeral(len(sections) + 1)}、需要说明的事项与附表")
            self.line(f"附件:{year}年度政府信息公开工作情况统计表")
        self.closing()
        if with_table:
            self.line(f"{year}年度政府信息公开工作情况统计表")
            if draft.agency_mode == "form_field":
                self.line(f"填报单位(盖章):{entity.agency}")
            elif rng.random() < 0.4:
                self.line("(区政府各部门、单位)")
            self.line("", "old")
            people = [
                rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES) + rng.choice(GIVEN_NAMES)
                for _ in "abc"
            ]
            ending = rng.randrange(3)
            if ending == 0:
                self.line("(注:各子栏目数总数要等于总栏目数量)")
            elif ending == 1:
                self.line(f"单位负责人:{people[0]} 审核人:{people[1]} 填报人:{people[2]}")
                filed = f"{year + 1}年{rng.randint(1, 3)}月{rng.randint(1, 28)}"
                self.line(f"{self.contact()} 填报日期:{filed}")
        return self.blocks

    def _overview(self) -> None:
        self.paragraph("overview", 1)
        self.statements("proactive_early", "overview_more")

    def _secrecy(self) -> None:
        self.paragraph("secrecy", self.rng.randint(1, 2))
        if self.rng.random() < 0.5:
            self.line(SECRECY_NEGATIVE.format(Y=self.draft.year, self=self.draft.entity.self_ref))


def compose(draft: Draft) -> list[Block]:
    """The blocks of one report (statements get the line of the paragraph that holds them)."""
    rng = random.Random(draft.seed)
    composer = _Composer(draft, rng)
    if draft.template in NEW_TEMPLATES:
        blocks = composer.new_template()
    else:
        blocks = composer.old_report(with_table=draft.template == OLD_TABLE)
    if composer.slots:  # the expectations count every sentence: none may go unprinted
        raise RuntimeError(f"statements with no place in the report: {sorted(composer.slots)}")
    return blocks
