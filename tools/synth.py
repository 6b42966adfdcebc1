"""A synthetic corpus of annual reports: realistic text whose figures reconcile by construction.

`generate_corpus(n, out_dir, seed)` writes n reports in the forms the seeds show (DOMAIN.md):
the old statistics table (2008-2018) in its layouts and provincial variants, reports that state
their figures only in prose, and the 2019 and 2021 versions of the new template, as scraped
text (one report per file, or one agency's site with many reports and its page chrome), some
GBK-encoded, some with full-width punctuation, some as HTML pages with merged cells.

Every figure is generated so that the reconciliation rules of `pipeline/reconcile.py` hold,
across years too (上年结转 = last year's 结转下年度继续办理; 现行有效 stock), and prose repeats
table figures. A known share of reports is then broken on purpose by changing printed figures;
which rules each report must fail is computed from the generator's own model of the printed
figures (an independent implementation of the rules) and written to `manifest.json`, so a test
can check that the pipeline flags exactly those reports and no other.

Deterministic: the same seed and n give byte-identical files and manifest. Files are written one
at a time; only the manifest entries stay in memory.
"""

from __future__ import annotations

import html
import json
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from pipeline.model import DIMENSIONS, TEMPLATES
from pipeline.pool import default_workers, map_ordered
from pipeline.segment import make_report_id

# --- rules and shapes, as `pipeline/reconcile.py` and `schemas/layouts.yaml` name them ---------

R1 = "requests.r1_balance"
R2 = "requests.r2_outcomes"
R3 = "requests.r3_row_total"
REVIEW_TOTAL = "review_litigation.group_total"
OLD_PARENT = "old_table.parent_sum"
PROSE_PARTS = "prose.parts_sum"
PROSE_TABLE = "prose.equals_table"
CARRY_OVER = "cross_year.carry_over"
STOCK = "cross_year.stock"
RULES = (
    R1,
    R2,
    R3,
    REVIEW_TOTAL,
    OLD_PARENT,
    PROSE_PARTS,
    PROSE_TABLE,
    CARRY_OVER,
    STOCK,
)

NEW_TEMPLATES = ("new_2019", "new_2021")
APPLICANTS = DIMENSIONS[:-1]
TOTAL = "total"
_TOLERANCE = 1e-6

# Which printed rows sum into which (the `parent` codes of schemas/metrics.yaml for every
# metric this generator prints; `tests/test_synth.py` checks the two agree).
CHILDREN: dict[str, tuple[str, ...]] = {
    # table 3
    "apply.handled": (
        "outcome.granted",
        "outcome.partial",
        "outcome.denied",
        "outcome.unable",
        "outcome.not_processed",
        "outcome.other",
    ),
    "outcome.denied": (
        "outcome.denied.state_secret",
        "outcome.denied.law_forbidden",
        "outcome.denied.three_safety",
        "outcome.denied.third_party",
        "outcome.denied.internal_affairs",
        "outcome.denied.process_info",
        "outcome.denied.enforcement_file",
        "outcome.denied.query_matter",
    ),
    "outcome.unable": (
        "outcome.unable.no_info",
        "outcome.unable.needs_creation",
        "outcome.unable.unclear",
    ),
    "outcome.not_processed": (
        "outcome.not_processed.petition",
        "outcome.not_processed.duplicate",
        "outcome.not_processed.publication",
        "outcome.not_processed.mass_repeat",
        "outcome.not_processed.confirm_reissue",
    ),
    "outcome.other": (
        "outcome.other.overdue_correction",
        "outcome.other.overdue_fee",
        "outcome.other.other",
    ),
    # table 4 (and the old table's 行政复议数量, which shares its codes)
    "review.total": ("review.upheld", "review.corrected", "review.other", "review.pending"),
    "litigation_direct.total": tuple(
        f"litigation_direct.{o}" for o in ("upheld", "corrected", "other", "pending")
    ),
    "litigation_after_review.total": tuple(
        f"litigation_after_review.{o}" for o in ("upheld", "corrected", "other", "pending")
    ),
    # the old table
    "proactive.by_channel": (
        "proactive.channel.gazette",
        "proactive.channel.website",
        "proactive.channel.weibo",
        "proactive.channel.wechat",
        "proactive.channel.app",
        "proactive.channel.other",
    ),
    "proposals.total": ("proposals.npc_suggestions", "proposals.cppcc_proposals"),
    "dynamic.total": ("dynamic.request_to_proactive", "dynamic.declassified"),
    "response.by_channel": (
        "response.press_conferences",
        "response.online_interviews",
        "response.policy_explained_by_head",
        "response.explainer_articles",
        "response.social_media",
        "response.other",
    ),
    "apply.received": (
        "apply.channel.in_person",
        "apply.channel.fax",
        "apply.channel.online",
        "apply.channel.letter",
        "apply.channel.other",
        "apply.channel.email",
        "apply.channel.letter_or_fax",
    ),
    "apply.completed": ("apply.completed_on_time", "apply.completed_extended", "answer.other"),
    "apply.answered": (
        "answer.already_public",
        "answer.granted",
        "answer.partial",
        "answer.denied",
        "answer.not_this_agency",
        "answer.not_exist",
        "answer.correction_requested",
        "answer.other_channel",
        "answer.other_type",
    ),
    "answer.denied": (
        "answer.denied.state_secret",
        "answer.denied.trade_secret",
        "answer.denied.privacy",
        "answer.denied.security_stability",
        "answer.denied.not_gov_info",
        "answer.denied.other_legal",
    ),
    "litigation.total": (
        "litigation.upheld",
        "litigation.corrected",
        "litigation.other",
        "litigation.closed",
        "litigation.in_progress",
    ),
    "complaints.total": ("complaints.upheld", "complaints.corrected", "complaints.other"),
    "archive.submitted": ("archive.paper", "archive.electronic"),
    "staff.total": ("staff.full_time", "staff.part_time"),
}


# --- the manifest ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One generated report as the pipeline must find it, and the rules it must fail."""

    source_file: str
    ordinal: int
    report_id: str
    report_year: int
    agency: str | None
    template: str
    encoding: str
    html: bool
    fullwidth: bool
    broken: bool
    expected_failures: tuple[str, ...]
    # What was changed on purpose (None for an intact report).
    alteration: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "source_file": self.source_file,
            "ordinal": self.ordinal,
            "report_id": self.report_id,
            "report_year": self.report_year,
            "agency": self.agency,
            "template": self.template,
            "encoding": self.encoding,
            "html": self.html,
            "fullwidth": self.fullwidth,
            "broken": self.broken,
            "expected_failures": list(self.expected_failures),
            "alteration": self.alteration,
        }


@dataclass(frozen=True, slots=True)
class Manifest:
    """What `generate_corpus` wrote: parameters, totals and one entry per report."""

    path: Path
    seed: int
    parameters: dict[str, Any]
    totals: dict[str, Any]
    reports: list[ReportEntry]


@dataclass(frozen=True, slots=True)
class Parameters:
    """Knobs of the corpus; the defaults give a realistic mix."""

    broken_share: float = 0.02  # reports changed on purpose so that a rule fails
    gbk_share: float = 0.10  # files encoded GBK
    html_share: float = 0.05  # files that are saved HTML pages (one report each)
    fullwidth_share: float = 0.15  # reports printed with full-width punctuation and digits
    crlf_share: float = 0.05  # files with Windows line ends
    site_share: float = 0.30  # agencies whose reports come as one scraped site, in one file
    first_year: int = 2008
    last_year: int = 2025


# --- vocabulary ------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Place-name characters with their pinyin (for web addresses). Combinations avoid every word
# of the spam list in schemas/layouts.yaml and every word that starts a sentence (我, 本, 全…).
_FIRST = _words(
    "清qing 安an 平ping 东dong 西xi 南nan 北bei 新xin "
    "永yong 长chang 宁ning 丰feng 兴xing 昌chang 德de "
    "嘉jia 临lin 龙long 凤feng 金jin 石shi 宝bao 云yun "
    "青qing 白bai 黄huang 华hua 泰tai 福fu 寿shou 怀huai "
    "广guang 庆qing 阜fu 灵ling 武wu 文wen 乐le 通tong "
    "和he 建jian 益yi 松song 桐tong 柳liu 梅mei 桃tao "
    "莲lian 鹤he 祁qi 卫wei 汉han 沅yuan"
)
_SECOND = _words(
    "河he 山shan 阳yang 江jiang 源yuan 平ping 安an 宁ning "
    "丰feng 泉quan 溪xi 川chuan 林lin 岭ling 水shui "
    "陵ling 台tai 乐le 和he 兴xing 化hua 定ding 远yuan "
    "都du 浦pu 原yuan 坪ping 峰feng 城cheng 口kou 桥qiao "
    "田tian 池chi 湖hu 沙sha 谷gu 明ming 昌chang 康kang "
    "津jin 丘qiu 塘tang 滨bin"
)
_PROVINCES = _words(
    "河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省 安徽省 福建省 江西省 山东省 "
    "河南省 湖北省 湖南省 广东省 海南省 四川省 贵州省 云南省 陕西省 甘肃省 青海省"
)
# Department names by level, with how the department calls itself (我局…).
_COUNTY_DEPARTMENTS = _words(
    "交通运输局 司法局 财政局 教育局 民政局 人力资源和社会保障局 自然资源局 "
    "生态环境分局 住房和城乡建设局 水利局 农业农村局 商务局 文化和旅游局 卫生健康局 "
    "应急管理局 审计局 市场监督管理局 统计局 医疗保障局 林业局 城市管理局 "
    "退役军人事务局 发展和改革局 科学技术局 工业和信息化局 公安局 金融工作办公室 "
    "行政审批服务局 信访局 档案馆 政务服务管理办公室 人民政府办公室 机关事务服务中心 "
    "地方志编纂中心 供销合作社 残疾人联合会 粮食和物资储备局 乡村振兴局 民族宗教事务局 "
    "体育事业发展中心"
)
_CITY_DEPARTMENTS = (
    *_COUNTY_DEPARTMENTS,
    "发展和改革委员会",
    "卫生健康委员会",
    "国有资产监督管理委员会",
    "外事办公室",
)
_PROVINCE_DEPARTMENTS = _words(
    "交通运输厅 司法厅 财政厅 教育厅 民政厅 自然资源厅 生态环境厅 住房和城乡建设厅 "
    "水利厅 农业农村厅 商务厅 审计厅 应急管理厅 文化和旅游厅 人民政府办公厅 "
    "市场监督管理局 统计局 卫生健康委员会 发展和改革委员会"
)
_SELF_BY_SUFFIX = (
    ("委员会", "我委"),
    ("办公室", "我办"),
    ("办公厅", "我厅"),
    ("中心", "我中心"),
    ("厅", "我厅"),
    ("局", "我局"),
    ("馆", "我馆"),
    ("社", "我社"),
    ("会", "我会"),
)
_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红海波宇琪春雷昭辉兴才"
_ROADS = _words("人民 建设 解放 中山 文化 新华 胜利 和平 团结 友谊 光明 育才 振兴 滨河 青年")
_TOPICS = (
    "土地征收、房屋拆迁相关信息",
    "城市规划、项目审批相关信息",
    "社会保障、财政资金相关信息",
    "行政执法、市场监管相关信息",
)

# Paragraph material. No digits, no Chinese numeral before a counting unit, no 行政复议 or
# 行政诉讼, no 未收到/没有收到: nothing here may read as a figure (a test checks).
_FILLER: dict[str, tuple[str, ...]] = {
    "open": (
        "{Y}年,{subj}坚持以习近平新时代中国特色社会主义思想为指导,全面贯彻落实《中华人民共和国政府信息公开条例》,持续深化政务公开,推进政府信息公开工作标准化规范化建设。",
        "{Y}年,{subj}认真贯彻落实上级关于政务公开工作的决策部署,坚持以公开为常态、不公开为例外,着力提升政府信息公开质量和实效。",
        "{Y}年,在上级部门的正确领导下,{subj}紧紧围绕中心工作,扎实推进政府信息公开各项工作,政务公开水平不断提升。",
        "{Y}年,{subj}严格落实政府信息公开工作要求,坚持公正、公平、合法、便民的原则,稳步推进决策、执行、管理、服务、结果公开。",
    ),
    "proactive": (
        "坚持“以公开为常态,不公开为例外”的原则,切实做好政府信息主动公开工作。",
        "聚焦重点工作,及时做好法定基础信息及重点领域信息发布工作。",
        "多形式开展政策文件解读,与文件同步关联,方便群众查询、阅读。",
        "围绕财政预决算、重大建设项目、公共资源配置、社会公益事业等重点领域,依托专题专栏集中发布相关信息。",
        "及时更新机构职能、领导信息、规划计划、统计信息等法定主动公开内容,确保信息准确完整。",
        "通过门户网站、政务新媒体、政府公报等渠道,多角度发布各类政府信息。",
        "建立健全政策解读机制,坚持政策性文件与解读材料同步组织、同步审签、同步发布。",
    ),
    "request": (
        "持续规范日常管理,优化公开渠道,严格接收登记、协查办理、答复告知等办件流程。",
        "进一步优化依申请公开办理流程,规范告知书格式内容,明确各环节工作标准。",
        "注重与申请人的沟通联系,做好解疑释惑工作,依法保障申请人获取政府信息的权利。",
        "聘请专业律师提供法律顾问服务,对疑难件进行会商研判,提高答复的规范性和准确性。",
        "严格落实依申请公开工作制度,确保在法定期限内依法依规作出答复。",
    ),
    "manage": (
        "定期更新政府信息公开指南和政府信息公开目录,稳步推进政务公开常态化。",
        "健全信息发布审核机制,严格执行“先审查、后公开”和“一事一审”制度,确保信息发布安全。",
        "加强行政规范性文件管理,及时清理并公布现行有效的规范性文件目录。",
        "对已公开的政府信息进行动态调整,及时更新和取消发生变化或失效的信息。",
        "规范信息公开属性源头认定,做到公开属性与文件同步审核、同步标注。",
    ),
    "platform": (
        "以门户网站为主要平台,优化政府信息公开专栏设置,集中发布各领域政府信息。",
        "做好政务新媒体日常管理,建立信息发布审核制度,保证内容更新及时准确。",
        "完成网站无障碍和适老化改造,提升网站的可感知性、可操作性和可理解性。",
        "在政务服务中心设置政务公开专区,为群众提供政府信息查阅和咨询服务。",
        "推进政府公报电子化,设置专题提供历史公报的目录导航和内容检索服务。",
    ),
    "supervise": (
        "及时调整政务公开工作领导小组,明确分管领导和具体经办人员,形成一级抓一级、层层抓落实的工作格局。",
        "将政务公开工作纳入年度绩效考核,定期通报检查结果,督促整改落实。",
        "制定年度学习培训计划,通过以会代训、专题辅导等形式提升工作人员业务能力。",
        "健全考核评估机制,严格落实考核要求,本年度无责任追究情况。",
    ),
    "problems": (
        "一是政策解读形式还不够丰富,解读的针对性和实效性有待提升。",
        "二是信息公开工作人员流动性较大,业务能力有待进一步加强。",
        "三是部分信息发布不够及时,公开内容的规范性还需提高。",
        "下一步,将进一步加强业务培训,提高政府信息公开工作队伍的专业化水平。",
        "持续丰富解读形式,通过图文、音视频等群众喜闻乐见的方式解读政策。",
        "完善信息发布机制,加强日常监测和督导,确保信息公开及时、准确、规范。",
    ),
    "other": (
        "依据《政府信息公开信息处理费管理办法》规定,本年度未收取政府信息处理费。",
        "人大代表建议和政协提案办理结果均已按要求在门户网站公开。",
        "本年度落实上级年度政务公开工作要点情况良好,各项任务均按期完成。",
        "本行政机关认为无其他需要报告的事项。",
    ),
    "overview": (
        "{Y}年,{subj}认真贯彻落实《中华人民共和国政府信息公开条例》,按照上级统一部署和要求,加强组织领导,明确责任分工,积极有序地推进政府信息公开各项工作。",
        "{Y}年,{subj}全面、深入、细致地开展政府信息公开工作,加强对《条例》的宣传力度,完善工作机制,进一步规范公开的内容、形式和程序。",
    ),
    "overview_more": (
        "推进政府信息公开是深入推行政务公开、转变政府职能、建设人民满意的服务型政府的一项重要工作。",
        "不断完善受理、审查、处理、答复以及保存备查等各个工作环节的流程,畅通受理渠道。",
        "遵循依申请公开的原则,规范依申请公开办理工作流程,积极、有序、稳妥地推进各项工作。",
    ),
    "organisation": (
        "成立了由主要负责同志任组长的政府信息公开工作领导小组,具体负责协调政府信息公开工作。",
        "建立健全了主动公开、依申请公开、保密审查、监督检查等工作制度,为政府信息公开工作提供了制度保障。",
        "建立了政府信息公开常态化培训工作机制,使信息公开培训范围覆盖全体工作人员。",
        "明确办公室为政府信息公开工作的主管部门,指定专人负责信息的采集、审核和发布。",
    ),
    "responses": (
        "通过门户网站互动交流栏目,及时回应公众关注的热点问题,做好解疑释惑工作。",
        "坚持将政策解读与政策制定同步考虑、同步安排,按照“谁起草、谁解读”的原则做好解读工作。",
    ),
    "proactive_old": (
        "本单位的工作动态、静态信息和其他应主动公开的政府信息,通过政府门户网站等形式及时更新内容。",
        "积极拓展信息公开渠道,充分利用现有资源,扩大信息公开的覆盖面。",
        "编制并公布政策法规、工作动态、决策、行政职权等相关内容。",
    ),
    "secrecy": (
        "按照“谁公开谁审查”、“谁审查谁负责”和“先审核后公开”的原则,明确保密职责,严格审查程序。",
        "加强对政府信息公开保密审查制度执行情况的监督检查,确保公开的信息不涉密,涉密的信息不公开。",
    ),
    "problems_old": (
        "主要表现在:一是主动公开的内容还需进一步规范;二是信息公开的载体和形式还需要进一步丰富;三是长效工作机制建设需要进一步完善。",
        "下一步,将进一步健全信息公开机制,深化主动公开内容,创新信息公开渠道,不断推进政府信息公开工作。",
        "政府信息公开工作的主动性、时效性和全面性有待进一步提高,信息公开工作队伍建设有待加强。",
    ),
}
_FEES_OLD = (
    "我单位在{Y}年度没有收取任何形式的政府信息公开费用。",
    "根据上级统一部署,对于申请公开政府信息暂免收费。",
)
_SECRECY_NEGATIVE = (
    "{Y}年度,{self}未发生因政府信息公开审查不当或保密审查机构未履行保密审查职责而引起的失泄密情况。"
)

# --- small helpers ---------------------------------------------------------------------------


def _count(rnd: Callable[[], float], mean: float) -> int:
    """A non-negative count around `mean`: geometric for small means, spread for large ones."""
    if mean <= 0:
        return 0
    if mean < 4:
        p = mean / (1 + mean)
        x = 0
        while rnd() < p and x < 60:
            x += 1
        return x
    return int(mean * (0.5 + rnd()))


@cache
def _cumulative(weights: tuple[float, ...]) -> tuple[tuple[float, ...], float, int]:
    cumulative = tuple(accumulate(weights))
    return cumulative, cumulative[-1], len(weights) - 1


def _split(rnd: Callable[[], float], n: int, weights: tuple[float, ...]) -> list[int]:
    """`n` split over slots by weight (parts sum to n exactly)."""
    out = [0] * len(weights)
    if n <= 0:
        return out
    if n <= 24:  # one draw per unit: small counts keep their lumpiness
        cumulative, top, last = _cumulative(weights)
        for _ in range(n):
            out[min(bisect_right(cumulative, rnd() * top), last)] += 1
        return out
    total_weight = sum(weights)
    anchor = max(range(len(weights)), key=weights.__getitem__)
    given = 0
    for i, w in enumerate(weights):
        if i != anchor:
            out[i] = int(n * w / total_weight * (0.6 + 0.8 * rnd()))
            given += out[i]
    while given > n:  # rare: take the excess back from the largest slot
        j = max(range(len(out)), key=out.__getitem__)
        take = min(out[j], given - n)
        out[j] -= take
        given -= take
    out[anchor] += n - given
    return out


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if type(value) is int:
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _cn(n: int) -> str:
    """1..19 as a Chinese numeral (section numbering)."""
    digits = "一二三四五六七八九"
    if n < 10:
        return digits[n - 1]
    return "十" + (digits[n - 11] if n > 10 else "")


def _wrap_word(rng: random.Random, label: str) -> str:
    """A label with a space inside a word, as wrapped table cells arrive (`社 会稳定`)."""
    spots = [
        i
        for i in range(4, len(label) - 1)
        if "\u4e00" <= label[i - 1] <= "\u9fff" and "\u4e00" <= label[i] <= "\u9fff"
    ]
    if not spots:
        return label
    i = rng.choice(spots)
    return f"{label[:i]} {label[i:]}"


# NFKC folds these back; sites that never normalise their text print them.
_FULL_WIDTH_HTML = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "(),:;0123456789+-.%"})
_FULL_WIDTH_PAIRS = (*((chr(c), chr(c + 0xFEE0)) for c in range(0x21, 0x7F)), (" ", "\u3000"))


def full_width(text: str) -> str:
    """ASCII as its full-width forms and spaces as ideographic spaces (what NFKC undoes).

    A chain of `str.replace` is several times faster here than `str.translate`, whose
    non-ASCII output takes CPython's slow path.
    """
    for ascii_char, wide in _FULL_WIDTH_PAIRS:
        if ascii_char in text:
            text = text.replace(ascii_char, wide)
    return text


# --- agencies ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entity:
    """One agency: its name, place, size and the habits of its website."""

    agency: str
    level: str
    place: str  # the area it covers, as the text names it (清河县)
    province: str
    subject: str  # who the figures are about in sentences (全县, 我局)
    self_ref: str  # how it calls itself (我县, 我局)
    office: str  # whom to contact
    site: str
    url: str
    address: str
    scale: float  # mean number of requests a year
    old_style: str  # national | shandong | guizhou
    table_from: int  # pre-2019 years from this one print the old table, earlier ones prose
    names_itself: float  # probability a report names the agency


class _Agencies:
    """Draws agencies with unique names (two agencies never share a name)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _place(self) -> tuple[str, str]:
        rng = self.rng
        while True:
            a, b = rng.choice(_FIRST), rng.choice(_SECOND)
            if a[0] != b[0]:
                return a[0] + b[0], a[1:] + b[1:]

    def draw(self, first_year: int) -> _Entity:
        for _ in range(1000):
            entity = self._candidate(first_year)
            if entity.agency not in self.used:
                self.used.add(entity.agency)
                return entity
        raise RuntimeError("could not draw a new agency name")  # pragma: no cover

    def _candidate(self, first_year: int) -> _Entity:
        rng = self.rng
        # the provincial forms of the old table belong to their provinces
        old_style = rng.choices(("national", "shandong", "guizhou"), weights=(6, 2, 2))[0]
        province = {"shandong": "山东省", "guizhou": "贵州省"}.get(old_style) or rng.choice(
            _PROVINCES
        )
        city, city_py = self._place()
        county, county_py = self._place()
        county_suffix = rng.choices("县区市", weights=(6, 3, 1))[0]
        city_name, county_name = f"{city}市", f"{county}{county_suffix}"
        roll = rng.random()
        if roll < 0.006:
            level, place, py = "province_gov", province, city_py
            agency, scale = f"{province}人民政府", 1500.0
        elif roll < 0.03:
            level, place, py = "city_gov", city_name, city_py
            agency, scale = f"{city_name}人民政府", 400.0
        elif roll < 0.16:
            level, place, py = "county_gov", county_name, county_py
            agency, scale = f"{county_name}人民政府", 100.0
        elif roll < 0.30:
            town, town_py = self._place()
            kind = rng.choices(("镇", "乡", "街道", "苗族乡"), weights=(6, 3, 3, 1))[0]
            body = "街道办事处" if kind == "街道" else f"{kind}人民政府"
            level, place, py = "township", county_name, county_py + town_py
            agency, scale = f"{town}{body}", 1.0
            if rng.random() < 0.3:
                agency = f"{county_name}{agency}"
        elif roll < 0.34:
            level, place, py = "department", province, city_py
            agency, scale = f"{province}{rng.choice(_PROVINCE_DEPARTMENTS)}", 60.0
        elif roll < 0.52:
            level, place, py = "department", city_name, city_py
            agency, scale = f"{city_name}{rng.choice(_CITY_DEPARTMENTS)}", 20.0
        else:
            level, place, py = "department", county_name, county_py
            agency, scale = f"{county_name}{rng.choice(_COUNTY_DEPARTMENTS)}", 4.0
        if level == "department":
            self_ref = next(s for suffix, s in _SELF_BY_SUFFIX if agency.endswith(suffix))
            subject = self_ref
            office = f"{agency}办公室" if not agency.endswith("办公室") else agency
            site = f"{place}人民政府网"
        elif level == "township":
            self_ref = "我街道" if agency.endswith("办事处") else "我" + agency[-5]
            subject = "全街道" if agency.endswith("办事处") else "全" + agency[-5]
            office = f"{agency}党政办公室"
            site = f"{place}人民政府网"
        else:
            self_ref = "我" + place[-1]
            subject = "全" + place[-1]
            office = f"{agency}办公室"
            site = f"{place}政府网"
        address = f"{place}{rng.choice(_ROADS)}路{rng.randint(1, 299)}号"
        if level == "province_gov" or (level == "department" and place == province):
            address = f"{province}{city_name}{rng.choice(_ROADS)}路{rng.randint(1, 299)}号"
        return _Entity(
            agency=agency,
            level=level,
            place=place,
            province=province,
            subject=subject,
            self_ref=self_ref,
            office=office,
            site=site,
            url=f"www.{py}.gov.cn",
            address=address,
            scale=scale * rng.lognormvariate(0.0, 0.6),
            old_style=old_style,
            # from this year on the old table; before it, figures in prose only
            table_from=rng.choice((first_year, first_year, 2019, rng.randint(first_year, 2018))),
            names_itself=rng.choice((0.0, 0.85, 0.95, 1.0)),
        )


# --- figures: the new template (2019 on) ------------------------------------------------------

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
_FIRST_ROWS = (
    ("一、本年新收政府信息公开申请数量", "apply.new"),
    ("二、上年结转政府信息公开申请数量", "apply.carried_over"),
)
_LAST_ROWS = (
    ("(七)总计", "apply.handled"),
    ("四、结转下年度继续办理", "apply.carried_forward"),
)
_OUTCOMES_LABEL = "三、本年度办理结果"
_R1_TERMS = ("apply.new", "apply.carried_over", "apply.handled", "apply.carried_forward")
# share of requests by applicant column
_APPLICANT_SHARES = (0.90, 0.06, 0.004, 0.008, 0.015, 0.013)


def outcome_groups(
    template: str,
) -> tuple[tuple[str | None, tuple[tuple[str, str, float], ...]], ...]:
    """Table 3's outcome rows of a template, grouped as printed."""
    return _OUTCOMES_HEAD + (_OTHER_2021 if template == "new_2021" else _OTHER_2019)


@cache
def _leaves(template: str) -> tuple[tuple[str, float], ...]:
    """Table 3's leaf outcome rows (metric, weight) in printed order."""
    return tuple((metric, w) for _, items in outcome_groups(template) for _, metric, w in items)


@cache
def _requests_keys(
    template: str,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Table 3's (metric, column) keys: applicant columns column by column, then 总计."""
    metrics = (*_R1_TERMS, *(m for m, _ in _leaves(template)))
    by_column = tuple((m, d) for d in APPLICANTS for m in metrics)
    return by_column, tuple((m, TOTAL) for m in metrics)


def _requests_table(
    rng: random.Random, scale: float, template: str, carried: Sequence[int] | None
) -> dict[tuple[str, str], float | None]:
    """Table 3: every row per applicant column, balanced (R1), summed (R2) and totalled (R3)."""
    rnd = rng.random
    weights = tuple(w for _, w in _leaves(template))
    columns: list[list[int]] = []
    for i in range(len(APPLICANTS)):
        new = _count(rnd, scale * _APPLICANT_SHARES[i])
        before = carried[i] if carried is not None else _count(rnd, new * 0.04)
        available = new + before
        forward = min(available, _count(rnd, available * 0.04))
        handled = available - forward
        columns.append([new, before, handled, forward, *_split(rnd, handled, weights)])
    by_column, totals = _requests_keys(template)
    table: dict[tuple[str, str], float | None] = dict(
        zip(by_column, (v for column in columns for v in column), strict=True)
    )
    table.update(zip(totals, map(sum, zip(*columns, strict=True)), strict=True))
    return table


_REVIEW_GROUPS = ("review", "litigation_direct", "litigation_after_review")
_REVIEW_OUTCOMES = ("upheld", "corrected", "other", "pending")


def review_codes() -> list[str]:
    """The 15 metrics of table 4 in printed order."""
    return [f"{g}.{o}" for g in _REVIEW_GROUPS for o in (*_REVIEW_OUTCOMES, "total")]


def _review_table(rng: random.Random, scale: float) -> dict[tuple[str, str], float | None]:
    rnd = rng.random
    table: dict[tuple[str, str], float | None] = {}
    for group, share in zip(_REVIEW_GROUPS, (0.05, 0.035, 0.02), strict=True):
        parts = _split(rnd, _count(rnd, scale * share), (0.6, 0.1, 0.15, 0.15))
        for outcome, value in zip(_REVIEW_OUTCOMES, parts, strict=True):
            table[(f"{group}.{outcome}", TOTAL)] = value
        table[(f"{group}.total", TOTAL)] = sum(parts)
    return table


@dataclass(slots=True)
class _Stock:
    """What carries from one year's article-20 table to the next."""

    rules_in_force: int
    docs_in_force: int
    docs_published_total: int
    items: dict[str, int]


def _art20_table(
    rng: random.Random, entity: _Entity, template: str, stock: _Stock | None
) -> tuple[dict[tuple[str, str], float | None], _Stock]:
    """Article-20 figures; 现行有效 follows last year's stock (the cross-year stock rule)."""
    rnd = rng.random
    table: dict[tuple[str, str], float | None] = {}
    gov = entity.level in ("province_gov", "city_gov")
    issuer = entity.level != "township"
    if stock is None:
        stock = _Stock(
            rules_in_force=_count(rnd, 30) if gov else 0,
            docs_in_force=_count(rnd, 25 if issuer else 1),
            docs_published_total=0,
            items={
                s: _count(rnd, m)
                for s, m in (
                    ("licensing", 150),
                    ("other_services", 80),
                    ("penalty", 600),
                    ("coercion", 40),
                    ("fees", 12),
                )
            },
        )
    rules_issued = _count(rnd, 1.5) if gov else 0
    docs_issued = _count(rnd, 6 if issuer else 0.3)
    size = max(entity.scale, 1.0)
    decisions = {
        "licensing": _count(rnd, size * 200),
        "other_services": _count(rnd, size * 60),
        "penalty": _count(rnd, size * 8),
        "coercion": _count(rnd, size * 0.6),
    }
    if template == "new_2021":
        rules_repealed = min(stock.rules_in_force + rules_issued, _count(rnd, 0.5) if gov else 0)
        docs_repealed = min(stock.docs_in_force + docs_issued, _count(rnd, 2 if issuer else 0.1))
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
        fee = _count(rnd, size * 40) if rnd() < 0.6 else 0
        table[("art20.fees.amount", TOTAL)] = fee if rnd() < 0.7 else round(fee + rnd(), 2)
        new_stock = _Stock(rules_now, docs_now, stock.docs_published_total, stock.items)
        return table, new_stock
    # new_2019: issued, published, total published; item counts with a signed change
    rules_published = rules_issued
    docs_published = min(docs_issued, _count(rnd, docs_issued))
    published_total = stock.docs_published_total + docs_published + _count(rnd, 3)
    for subject, values in (
        ("rules", (rules_issued, rules_published, stock.rules_in_force + rules_published)),
        ("normative_docs", (docs_issued, docs_published, published_total)),
    ):
        for column, value in zip(("issued", "published", "total_published"), values, strict=True):
            table[(f"art20.{subject}.{column}", TOTAL)] = value
    items = dict(stock.items)
    for subject in ("licensing", "other_services", "penalty", "coercion", "fees"):
        prior = items[subject]
        change = int(prior * (rnd() - 0.5) * 0.4) if prior else _count(rnd, 2)
        table[(f"art20.{subject}.prior_items", TOTAL)] = prior
        table[(f"art20.{subject}.change", TOTAL)] = change
        if subject != "fees":
            table[(f"art20.{subject}.decisions", TOTAL)] = decisions[subject]
        items[subject] = prior + change
    table[("art20.procurement.projects", TOTAL)] = _count(rnd, size * 20)
    table[("art20.procurement.amount", TOTAL)] = round(size * 300 * rnd() + rnd(), 6)
    new_stock = _Stock(stock.rules_in_force, stock.docs_in_force, published_total, items)
    return table, new_stock


# --- figures: the old statistics table (2008-2018) -------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    """One row of the old table's form, with the rows under it."""

    label: str
    metric: str
    unit: str = ""
    kids: tuple[_Spec, ...] = ()
    head: bool = False  # a heading: prints —— (or, in some layouts, the sum of its rows)
    sums: bool = False  # the rows under it add up to it
    mark: str = "auto"  # numbering: auto (一、/(一)/1.), qizhong (其中:), none
    note: str = ""  # a note some forms print after the label


def _s(
    label: str,
    metric: str,
    unit: str = "",
    *kids: _Spec,
    head: bool = False,
    sums: bool = False,
    mark: str = "auto",
    note: str = "",
) -> _Spec:
    return _Spec(label, metric, unit, kids, head, sums, mark, note)


def _old_form(style: str, year: int) -> list[_Spec]:
    """The rows of the old table for a provincial style and year."""
    guizhou, shandong = style == "guizhou", style == "shandong"
    channels = [
        _s("政府公报公开政府信息数", "proactive.channel.gazette", "条"),
        _s("政府网站公开政府信息数", "proactive.channel.website", "条"),
    ]
    if year >= 2012:
        channels += [
            _s("政务微博公开政府信息数", "proactive.channel.weibo", "条"),
            _s("政务微信公开政府信息数", "proactive.channel.wechat", "条"),
        ]
    if guizhou:
        channels.append(_s("政务客户端公开政府信息数", "proactive.channel.app", "条"))
    channels.append(_s("其他方式公开政府信息数", "proactive.channel.other", "条"))
    proactive = [
        _s(
            "主动公开政府信息数",
            "proactive.total",
            "条",
            _s("主动公开规范性文件数", "proactive.normative_docs", "条", mark="qizhong"),
            _s("制发规范性文件总数", "normative_docs.issued_total", "件", mark="none"),
            note="(不同渠道和方式公开相同信息计1条)",
        ),
        _s(
            "通过不同渠道和方式公开政府信息的情况",
            "proactive.by_channel",
            "",
            *channels,
            head=True,
            sums=True,
        ),
    ]
    if guizhou:
        proactive += [
            _s(
                "建议提案办理结果公开情况",
                "proposals.total",
                "",
                _s("人大代表建议", "proposals.npc_suggestions", "条"),
                _s("政协提案", "proposals.cppcc_proposals", "条"),
                head=True,
                sums=True,
            ),
            _s(
                "政府信息动态管理情况",
                "dynamic.total",
                "",
                _s("依申请公开信息转主动公开信息数", "dynamic.request_to_proactive", "条"),
                _s("解密公开信息数", "dynamic.declassified", "条"),
                head=True,
                sums=True,
            ),
            _s(
                "重大决策预公开情况",
                "decision_preview.section",
                "",
                _s("重大决策征集公众意见次数", "decision_preview.consultations", "次"),
                _s("公众反馈意见次数", "decision_preview.feedback_rounds", "次"),
                _s("征集到意见数", "decision_preview.opinions", "条"),
                _s("不予采纳意见数", "decision_preview.rejected", "条"),
                head=True,
            ),
        ]
    form = [_s("主动公开情况", "proactive.section", "", *proactive, head=True)]
    if year >= 2014:
        by_channel = [
            _s(
                "参加或举办新闻发布会总次数",
                "response.press_conferences",
                "次",
                _s(
                    "主要负责同志参加新闻发布会次数",
                    "response.press_conferences_by_head",
                    "次",
                    mark="qizhong",
                ),
            ),
            _s(
                "政府网站在线访谈次数",
                "response.online_interviews",
                "次",
                _s(
                    "主要负责同志参加政府网站在线访谈次数",
                    "response.online_interviews_by_head",
                    "次",
                    mark="qizhong",
                ),
            ),
        ]
        if guizhou:
            by_channel.append(
                _s("主要负责同志解读政策数", "response.policy_explained_by_head", "次")
            )
        by_channel += [
            _s("政策解读稿件发布数", "response.explainer_articles", "篇"),
            _s("微博微信回应事件数", "response.social_media", "次"),
            _s("其他方式回应事件数", "response.other", "次"),
        ]
        responses = [
            _s(
                "回应公众关注热点或重大舆情数",
                "response.hot_topics",
                "次",
                note="(不同方式回应同一热点或舆情计1次)",
            ),
            _s(
                "通过不同渠道和方式回应解读的情况",
                "response.by_channel",
                "",
                *by_channel,
                head=True,
                sums=True,
            ),
        ]
        if guizhou:
            responses.append(
                _s(
                    "会议开放情况",
                    "open_meetings.section",
                    "",
                    _s("面向公众开放会议次数", "open_meetings.sessions", "次"),
                    _s("参会公众代表人数", "open_meetings.attendees", "人"),
                    head=True,
                )
            )
        form.append(_s("回应解读情况", "response.section", "", *responses, head=True))
    request_channels = [
        _s("当面申请数", "apply.channel.in_person", "件"),
        _s("传真申请数", "apply.channel.fax", "件"),
        _s("网络申请数", "apply.channel.online", "件"),
        _s("信函申请数", "apply.channel.letter", "件"),
    ]
    if shandong:
        request_channels.append(_s("其他形式", "apply.channel.other", "件"))
    reasons = [
        _s("涉及国家秘密", "answer.denied.state_secret", "件", mark="qizhong"),
        _s("涉及商业秘密", "answer.denied.trade_secret", "件", mark="none"),
        _s("涉及个人隐私", "answer.denied.privacy", "件", mark="none"),
        _s(
            "危及国家安全、公共安全、经济安全和社会稳定",
            "answer.denied.security_stability",
            "件",
            mark="none",
        ),
        _s("不是《条例》所指政府信息", "answer.denied.not_gov_info", "件", mark="none"),
        _s("法律法规规定的其他情形", "answer.denied.other_legal", "件", mark="none"),
    ]
    answers = [
        _s("属于已主动公开范围数", "answer.already_public", "件"),
        _s("同意公开答复数", "answer.granted", "件"),
        _s("同意部分公开答复数", "answer.partial", "件"),
        _s("不同意公开答复数", "answer.denied", "件", *reasons, sums=True),
        _s("不属于本行政机关公开数", "answer.not_this_agency", "件"),
        _s("申请信息不存在数", "answer.not_exist", "件"),
        _s("告知作出更改补充数", "answer.correction_requested", "件"),
        _s("告知通过其他途径办理数", "answer.other_channel", "件"),
    ]
    form.append(
        _s(
            "依申请公开情况",
            "request.section",
            "",
            _s("收到申请数", "apply.received", "件", *request_channels, sums=True),
            _s(
                "申请办结数",
                "apply.completed",
                "件",
                _s("按时办结数", "apply.completed_on_time", "件"),
                _s("延期办结数", "apply.completed_extended", "件"),
                sums=True,
            ),
            _s("申请答复数", "apply.answered", "件", *answers, sums=True),
            head=True,
        )
    )
    form.append(
        _s(
            "行政复议数量",
            "review.total",
            "件",
            _s("维持具体行政行为数", "review.upheld", "件"),
            _s("被依法纠错数", "review.corrected", "件"),
            _s("其他情形数", "review.other", "件"),
            sums=True,
        )
    )
    form.append(
        _s(
            "行政诉讼数量",
            "litigation.total",
            "件",
            _s("维持具体行政行为或者驳回原告诉讼请求数", "litigation.upheld", "件"),
            _s("被依法纠错数", "litigation.corrected", "件"),
            _s("其他情形数", "litigation.other", "件"),
            sums=True,
        )
    )
    if shandong:
        form.append(
            _s(
                "被举报投诉数量",
                "complaints.total",
                "件",
                _s("维持具体行政行为数", "complaints.upheld", "件"),
                _s("被纠错数", "complaints.corrected", "件"),
                _s("其他情形数", "complaints.other", "件"),
                sums=True,
            )
        )
        form.append(
            _s(
                "向图书馆、档案馆等查阅场所报送信息数",
                "archive.submitted",
                "条",
                _s("纸质文件数", "archive.paper", "条"),
                _s("电子文件数", "archive.electronic", "条"),
                sums=True,
            )
        )
    else:
        form.append(_s("举报投诉数量", "complaints.total", "件"))
        form.append(_s("依申请公开信息收取的费用", "fees.charged", "万元"))
    organisation = [
        _s("政府信息公开工作专门机构数", "org.dedicated_units", "个"),
        _s("设置政府信息公开查阅点数", "org.reading_points", "个"),
    ]
    if shandong:
        organisation.append(_s("查阅点接待人数", "org.reading_point_visitors", "人"))
    organisation.append(
        _s(
            "从事政府信息公开工作人员数",
            "staff.total",
            "人",
            _s("专职人员数(不包括政府公报及政府网站工作人员数)", "staff.full_time", "人"),
            _s("兼职人数" if guizhou else "兼职人员数", "staff.part_time", "人"),
            sums=True,
        )
    )
    if guizhou:
        organisation.append(
            _s(
                "政务公开监督员情况(各市州、贵安新区填报)",
                "supervisors.section",
                "",
                _s("本地区政务公开监督员人数", "supervisors.count", "人"),
                _s("开展政务公开监督次数", "supervisors.inspections", "次"),
                _s("提出意见数", "supervisors.opinions", "条"),
                _s("采纳意见数", "supervisors.adopted", "条"),
                head=True,
            )
        )
    budget = "政府信息公开专项经费(不包括用于政府公报编辑管理及政府网站建设维护等方面的经费)"
    if shandong:
        budget = "政府信息公开专项经费(不包括用于政府公报编辑管理及政府网站建设维"
    organisation.append(_s(budget, "org.budget", "万元"))
    form.append(_s("机构建设和保障经费情况", "org.section", "", *organisation, head=True))
    form.append(
        _s(
            "政府信息公开会议和培训情况",
            "training.section",
            "",
            _s("召开政府信息公开工作会议或专题会议数", "meeting.sessions", "次"),
            _s("举办各类培训班数", "training.sessions", "次"),
            _s("接受培训人员数", "training.attendees", "人次"),
            head=True,
        )
    )
    return form


@dataclass(frozen=True, slots=True)
class _OldRow:
    """One printed row of the old table."""

    label: str  # with its numbering
    note: str  # printed after the label by some sites
    metric: str
    unit: str
    head: bool


def _flatten(form: Sequence[_Spec], depth: int = 0) -> list[tuple[int, str, _Spec]]:
    rows: list[tuple[int, str, _Spec]] = []
    number = 0
    for spec in form:
        if spec.mark == "auto":
            number += 1
            prefix = (f"{_cn(number)}、", f"({_cn(number)})", f"{number}.")[min(depth, 2)]
        else:
            prefix = "其中:" if spec.mark == "qizhong" else ""
        rows.append((depth, prefix, spec))
        rows.extend(_flatten(spec.kids, depth + 1))
    return rows


@dataclass(frozen=True, slots=True)
class _OldForm:
    """An old-table form ready to fill: its rows, and how its sums are built."""

    rows: tuple[_OldRow, ...]
    leaves: tuple[str, ...]  # rows that print their own figure
    sums: tuple[tuple[str, tuple[str, ...], bool], ...]  # (parent, rows under it, heading)
    channels: tuple[str, ...]  # the request channels the form prints


@cache
def _old_form_plan(style: str, weibo: bool, responses: bool) -> _OldForm:
    """The form for a province's style (it changes in 2012 and 2014 only)."""
    flat = _flatten(_old_form(style, 2014 if responses else 2012 if weibo else 2011))
    rows = tuple(
        _OldRow(prefix + s.label, s.note, s.metric, s.unit, s.head) for _, prefix, s in flat
    )
    leaves = tuple(s.metric for _, _, s in flat if not s.sums and not s.head)
    sums = tuple(
        (s.metric, tuple(k.metric for k in s.kids), s.head) for _, _, s in reversed(flat) if s.sums
    )
    channels = tuple(m for m in CHILDREN["apply.received"] if m in leaves)
    return _OldForm(rows, leaves, sums, channels)


# Rows whose value some forms leave blank; none of them is a term of any rule.
_BLANKABLE = ("normative_docs.issued_total", "fees.charged", "org.budget")  # a tuple: ordered


def _old_leaf_values(rng: random.Random, entity: _Entity, year: int) -> dict[str, float]:
    """Figures of the old table's leaf rows (parents are summed from whatever rows print)."""
    rnd = rng.random

    def c(mean: float) -> int:
        return _count(rnd, mean)

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


def _answers(rng: random.Random, received: int) -> dict[str, float]:
    """How the year's requests were completed and answered (each partition sums)."""
    rnd = rng.random
    extended = min(received, _count(rnd, received * 0.03))
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
    parts = _split(rnd, received, (0.15, 0.45, 0.05, 0.05, 0.1, 0.1, 0.05, 0.05))
    values: dict[str, float] = dict(zip(kinds, parts, strict=True))
    values["apply.completed_on_time"] = received - extended
    values["apply.completed_extended"] = extended
    reasons = CHILDREN["answer.denied"]
    denied = _split(rnd, parts[3], (0.1, 0.15, 0.3, 0.05, 0.3, 0.1))
    values.update(zip(reasons, denied, strict=True))
    return values


def _old_table(
    rng: random.Random, entity: _Entity, year: int, head_values: bool
) -> tuple[list[_OldRow], dict[tuple[str, str], float | None]]:
    """The printed rows of an old table and its figures as the parser must read them.

    Leaf rows print their own figures; a row whose rows add up to it prints their sum (a
    heading only in forms that print subtotals on headings); a few rows print blank.
    """
    form = _old_form_plan(entity.old_style, year >= 2012, year >= 2014)
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


# --- figures stated in prose ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Figure:
    """A figure a sentence states, as `pipeline/prose.py` must read it."""

    metric: str
    value: float
    approx: bool
    part_of: str | None
    printed: bool = True  # False for a zero stated as a negation


@dataclass(slots=True)
class _Statement:
    """One paragraph's statistics sentence(s) and the figures they state."""

    text: str
    figures: list[_Figure]
    line: int = 0  # position of its paragraph in the report (set when placed)


class _Say:
    """Builds a sentence and the list of figures it states in one go, so they cannot differ."""

    def __init__(self, get: Callable[[str], float]) -> None:
        self.get = get
        self.parts: list[str] = []
        self.figures: list[_Figure] = []

    def __call__(self, text: str) -> _Say:
        self.parts.append(text)
        return self

    def n(
        self, metric: str, unit: str = "件", part_of: str | None = None, approx: bool = False
    ) -> _Say:
        value = self.get(metric)
        self.parts.append(f"{_fmt(value)}{'余' if approx else ''}{unit}")
        self.figures.append(_Figure(metric, value, approx, part_of))
        return self

    def zero(self, metric: str) -> _Say:
        """A figure stated as a negation ("没有收到…申请"): zero, with no number printed."""
        self.figures.append(_Figure(metric, 0, False, None, printed=False))
        return self

    def done(self) -> _Statement:
        return _Statement("".join(self.parts), self.figures)


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


def _new_statements(
    rng: random.Random, year: int, entity: _Entity, get: Callable[[str], float]
) -> list[tuple[str, _Statement]]:
    """2019+ reports repeat table-3/4 figures in the 总体情况 paragraphs (and add staff)."""
    out: list[tuple[str, _Statement]] = []
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
            topic = _TOPICS[int(r[2] * len(_TOPICS))]
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


def _old_statements(
    rng: random.Random, year: int, entity: _Entity, get: Callable[[str], float], prose_only: bool
) -> list[tuple[str, _Statement]]:
    """Pre-2019 sentences: with an old table they repeat its figures; alone they are the
    report's statistics."""
    out: list[tuple[str, _Statement]] = []
    subject, me = entity.subject, entity.self_ref
    r = [rng.random() for _ in range(16)]  # every choice drawn first (see _new_statements)
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


def _prose_values(rng: random.Random, entity: _Entity) -> dict[str, float]:
    """The figures a prose-only report states (its parts add up)."""
    rnd = rng.random

    def c(mean: float) -> int:
        return _count(rnd, mean)

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
    parts = _split(rnd, received, (0.15, 0.45, 0.05, 0.05, 0.3))
    v.update(zip((*kinds, "answer.other"), parts, strict=True))
    for group in ("review", "litigation"):
        values = _split(rnd, c(scale * 0.015), (0.7, 0.1, 0.2))
        names = (f"{group}.upheld", f"{group}.corrected", f"{group}.other")
        v.update(zip(names, values, strict=True))
        v[f"{group}.total"] = sum(values)
    closed = min(int(v["litigation.total"]), c(v["litigation.total"] * 0.6))
    v["litigation.closed"] = closed
    v["litigation.in_progress"] = v["litigation.total"] - closed
    v["staff.total"] = v["staff.full_time"] + v["staff.part_time"]
    return v


# --- one report in the making -------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    """One report: its figures as printed, how it presents itself, and what it must fail."""

    entity: _Entity
    year: int
    template: str
    seed: int  # seeds the report's own random choices (text, layout)
    table: dict[tuple[str, str], float | None]  # printed table figures; {} for prose
    values: dict[str, float]  # figures that only prose states
    old_rows: list[_OldRow] = field(default_factory=list)
    agency: str | None = None  # the agency name the text gives, None when it gives none
    agency_mode: str | None = None
    source_file: str = ""
    ordinal: int = 0
    series: str = ""
    alteration: str | None = None
    table_altered: bool = False
    prose_shift: tuple[str, float] | None = None
    statements: list[tuple[str, _Statement]] = field(default_factory=list)
    expected: set[str] = field(default_factory=set)
    # expand() answers; cleared whenever a break changes the table
    expanded: dict[tuple[str, str], list[float | None] | None] = field(default_factory=dict)

    def expand(self, metric: str, dimension: str = TOTAL) -> list[float | None] | None:
        """A metric's printed figures: itself, else the sum of its printed sub-rows."""
        key = (metric, dimension)
        if key in self.expanded:
            return self.expanded[key]
        if key in self.table:
            found: list[float | None] | None = [self.table[key]]
        else:
            found = []
            for child in CHILDREN.get(metric, ()):
                part = self.expand(child, dimension)
                if part:
                    found.extend(part)
            found = found or None
        self.expanded[key] = found
        return found

    def stated(self, metric: str) -> float:
        """What the prose states for a metric: the printed (total) figure, or its own value."""
        printed = self.expand(metric)
        if printed is not None:
            value: float = sum(v or 0 for v in printed)
        else:
            value = self.values.get(metric, 0)
        if self.prose_shift and self.prose_shift[0] == metric:
            value += self.prose_shift[1]
        return value


def _make_statements(draft: _Draft) -> None:
    rng = random.Random(draft.seed * 7 + 1)
    if draft.template in NEW_TEMPLATES:
        draft.statements = _new_statements(rng, draft.year, draft.entity, draft.stated)
    else:
        draft.statements = _old_statements(
            rng, draft.year, draft.entity, draft.stated, draft.template == "prose"
        )


# --- deliberate breaks ---------------------------------------------------------------------------


def _break(draft: _Draft, rng: random.Random, previous: _Draft | None) -> None:
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
            if draft.template == previous.template == "new_2021":
                kinds.append("stock")
    elif draft.template == "old_table":
        kinds = ["parent_sum", "parent_sum", "prose_table"]
    else:
        kinds = ["prose_parts"]
    kind = rng.choice(kinds)
    if kind == "prose_table" and not _prose_candidates(draft, table_only=True):
        kind = "parent_sum" if draft.template == "old_table" else "row_total"
    if kind == "row_total":
        metric = rng.choice([m for m, _ in _leaves(draft.template)])
        table[(metric, TOTAL)] = (table[(metric, TOTAL)] or 0) + delta
        draft.alteration = f"{metric}: 总计 printed {delta} more than its row"
    elif kind == "leaf_sum":
        metric = rng.choice([m for m, _ in _leaves(draft.template)])
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
        group = rng.choice(_REVIEW_GROUPS)
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
        metric = rng.choice(_prose_candidates(draft, table_only=True))
        draft.prose_shift = (metric, delta)
        draft.alteration = f"prose states {metric} {delta} more than the table"
    else:  # prose_parts
        candidates = _prose_candidates(draft, table_only=False)
        metric = rng.choice(candidates)
        draft.prose_shift = (metric, delta)
        draft.alteration = f"prose states the part {metric} {delta} more"
    draft.table_altered = draft.prose_shift is None
    draft.expanded.clear()
    # The prose repeats the table as printed (or the shifted figure): state it again.
    _make_statements(draft)


def _prose_candidates(draft: _Draft, table_only: bool) -> list[str]:
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


# --- the rules, on the generator's own figures ---------------------------------------------------


def _differs(left: float, right: float) -> bool:
    return abs(left - right) > _TOLERANCE


def _fails(left: float | None, parts: Sequence[float | None] | None) -> bool:
    """A rule fails when every operand is printed as a number and the two sides differ
    (an operand printed blank makes it not assessable, as in `pipeline/reconcile.py`)."""
    if left is None or not parts or any(p is None for p in parts):
        return False
    return _differs(left, sum(p or 0 for p in parts))


def _summands(draft: _Draft, metric: str, dimension: str = TOTAL) -> list[float | None]:
    """The printed figures of a metric's sub-rows (group rows that print nothing expand)."""
    found: list[float | None] = []
    for child in CHILDREN.get(metric, ()):
        found.extend(draft.expand(child, dimension) or ())
    return found


_REVIEW_PARENTS = tuple(f"{group}.total" for group in _REVIEW_GROUPS)


def _report_failures(draft: _Draft) -> set[str]:
    """The within-report rules (R1, R2, R3, table 4, old-table sums, prose) that fail.

    The table rules are evaluated when a break changed the printed table: the generators
    build every table so that they hold (the test checks that against the real pipeline).
    """
    failed = _prose_failures(draft)
    if draft.table_altered:
        failed |= _table_failures(draft)
    return failed


def _table_failures(draft: _Draft) -> set[str]:
    table = draft.table
    failed: set[str] = set()
    if draft.template not in NEW_TEMPLATES:
        if any(_fails(table.get((m, TOTAL)), _summands(draft, m)) for m in CHILDREN):
            failed.add(OLD_PARENT)
        return failed
    leaves = [m for m, _ in _leaves(draft.template)]
    rows = [*(m for m, _ in _FIRST_ROWS), *leaves, *(m for m, _ in _LAST_ROWS)]
    for dimension in DIMENSIONS:
        new, before, handled, forward = (table.get((m, dimension)) for m in _R1_TERMS)
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


def _prose_failures(draft: _Draft) -> set[str]:
    """prose.parts_sum and prose.equals_table, on the figures the sentences state."""
    failed: set[str] = set()
    figures = [(statement.line, f) for _, statement in draft.statements for f in statement.figures]
    groups: dict[tuple[int, str], list[_Figure]] = defaultdict(list)
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


def _cross_year_failures(current: _Draft, earlier: _Draft) -> set[str]:
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


def _previous_in_series(drafts: Sequence[_Draft]) -> dict[int, _Draft]:
    """For each report (by index), the report of the year before in its series, as
    `pipeline.reconcile.previous_reports` links them (one agency, or one file when the text
    names none; the regions an agency's text states always agree)."""
    by_series: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, draft in enumerate(drafts):
        by_series[(draft.series, draft.year)].append(i)
    links: dict[int, _Draft] = {}
    for i, draft in enumerate(drafts):
        before = by_series.get((draft.series, draft.year - 1), [])
        if len(before) == 1 and len(by_series[(draft.series, draft.year)]) == 1:
            links[i] = drafts[before[0]]
    return links


# --- composing a report: blocks of text and tables ----------------------------------------------

# A block is ("title", text), ("line", text), ("old", layout), ("art20", ""), ("requests", ""),
# ("review", ""): prose lines in reading order, tables where the template puts them.
Block = tuple[str, str]


class _Composer:
    """Lays out one report's sections, filler and statistics sentences as blocks."""

    def __init__(self, draft: _Draft, rng: random.Random) -> None:
        self.draft = draft
        self.rng = rng
        self.blocks: list[Block] = []
        entity = draft.entity
        self.fill = {"Y": str(draft.year), "subj": entity.subject, "self": entity.self_ref}
        self.slots: dict[str, list[_Statement]] = defaultdict(list)
        for slot, statement in draft.statements:
            self.slots[slot].append(statement)

    def line(self, text: str, kind: str = "line") -> None:
        self.blocks.append((kind, text))

    def sentences(self, pool: str, k: int) -> str:
        """k consecutive sentences of a filler pool from a random start (one draw, no repeats)."""
        sentences = _FILLER[pool]
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
                lambda head: self.line(rng.choice(_FEES_OLD).format(Y=year)),
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
            self.line(f"{_cn(number)}、{heading}")
            body(heading)
        if with_table:
            self.line(f"{_cn(len(sections) + 1)}、需要说明的事项与附表")
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
                rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN) for _ in "abc"
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
            self.line(_SECRECY_NEGATIVE.format(Y=self.draft.year, self=self.draft.entity.self_ref))


def compose(draft: _Draft) -> list[Block]:
    """The blocks of one report (statements get the line of the paragraph that holds them)."""
    rng = random.Random(draft.seed)
    composer = _Composer(draft, rng)
    if draft.template in NEW_TEMPLATES:
        blocks = composer.new_template()
    else:
        blocks = composer.old_report(with_table=draft.template == "old_table")
    if composer.slots:  # the expectations count every sentence: none may go unprinted
        raise RuntimeError(f"statements with no place in the report: {sorted(composer.slots)}")
    return blocks


# --- rendering: the seed form (scraped text) ----------------------------------------------------


def _signed(rng: random.Random, value: float | None) -> str:
    if value is None:
        return ""
    if value > 0 and rng.random() < 0.7:
        return f"+{_fmt(value)}"
    return _fmt(value)


class _TextTables:
    """Tables as scraped text: `cell | cell |` lines, in the layouts the seeds show."""

    def __init__(self, draft: _Draft, rng: random.Random) -> None:
        self.draft = draft
        self.rng = rng
        self.noise = rng.random() < 0.7  # trailing empty cells (`| ||`)

    def old(self) -> list[str]:
        rng = self.rng
        layout = rng.choice(("rows", "rows", "bare", "cells"))
        if layout == "cells":
            lines = ["统 计 指 标 |", "单位 |", "统计数 |"]
        else:
            lines = [rng.choice(("统 计 指 标 | 单位 | 统计数 |", "统计指标 | 单位 | 统计数 |"))]
        table = self.draft.table
        notes = rng.random() < 0.5
        for row in self.draft.old_rows:
            label = f"{row.label} {row.note}" if notes and row.note else row.label
            if len(label) > 12 and rng.random() < 0.08:
                label = _wrap_word(rng, label)
            value = _fmt(table.get((row.metric, TOTAL)))
            if row.head:
                if layout == "rows":
                    lines.append(f"{label} | | {value} |" if value else f"{label} | —— | |")
                elif layout == "bare":
                    lines.append(f"{label} |")
                    lines.extend([f"| {value} |"] if value else rng.choice((["| |"], ["|", "|"])))
                else:
                    lines.extend([f"{label} |", "|", f"{value} |" if value else "|"])
            elif layout == "cells":
                lines.extend([f"{label} |", f"{row.unit} |", f"{value} |" if value else "|"])
            elif len(label) > 10 and rng.random() < 0.06:
                # a row split over two lines
                lines.extend([label, f"| {row.unit} | {value} |" if value else f"| {row.unit} | |"])
            else:
                lines.append(
                    f"{label} | {row.unit} | {value} |" if value else f"{label} | {row.unit} | |"
                )
        return lines

    def requests(self) -> list[str]:
        rng, table = self.rng, self.draft.table
        wrapped = rng.random() < 0.5
        lines = [
            rng.choice(("(", ""))
            + "本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
            + " | 申请人情况 | ||||||||",
            "自然人 | 法人或其他组织 | 总计 | |||||||",
            ("商业 企业 | 科研 机构" if wrapped else "商业企业 | 科研机构")
            + " | 社会公益组织 | 法律服务机构 | 其他 | |||||",
        ]
        rows = _requests_rows(self.draft.template, rng.random() < 0.3, self.noise)
        get = table.__getitem__
        lines.extend(
            prefix + " | ".join(map(str, map(get, keys))) + suffix for prefix, keys, suffix in rows
        )
        return lines

    def review(self) -> list[str]:
        rng, table = self.rng, self.draft.table
        variant = rng.randrange(3)
        if variant == 0:
            header = [
                "行政复议 | 行政诉讼 | |||||||||||||",
                "结果 维持 | 结果 纠正 | 其他 结果 | 尚未 审结 | 总 计 | 未经复议直接起诉 | "
                "复议后起诉 | ||||||||",
                "结果 维持 | 结果 纠正 | 其他 结果 | 尚未 审结 | 总计 | 结果 维持 | 结果 纠正 | "
                "其他 结果 | 尚未 审结 | 总计 | |||||",
            ]
        elif variant == 1:  # header cells cut short by the scraper
            header = [
                "行政复议 | 行政诉讼 | |||||||||||||",
                "结果维持 | 结果 | 其他 | 尚未 | 总计 | 未经复议直接起诉 | 复议后起诉 | ||||||||",
                "结果 | 结果 | 其他 | 尚未 | 总计 | 结果 | 结果 | 其他 | 尚未 | 总计 | |||||",
            ]
        else:
            header = [
                "行政复议 | 行政诉讼 |",
                "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | "
                "复议后起诉 |",
            ]
        row = " | ".join(_fmt(table[(code, TOTAL)]) for code in review_codes()) + " |"
        return [*header, row]

    def art20(self) -> list[str]:
        rng, table = self.rng, self.draft.table

        def v(code: str) -> str:
            return _fmt(table[(f"art20.{code}", TOTAL)])

        docs = rng.choice(("行政规范性文件", "规范性文件"))
        if self.draft.template == "new_2021":
            return [
                "第二十条第(一)项 | |||",
                "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
                f"规章 | {v('rules.issued')} | {v('rules.repealed')} | {v('rules.in_force')} |",
                f"{docs} | {v('normative_docs.issued')} | {v('normative_docs.repealed')} | "
                f"{v('normative_docs.in_force')} |",
                "第二十条第(五)项 | |||",
                "信息内容 | 本年处理决定数量 | ||",
                f"行政许可 | {v('licensing.decisions')} | ||",
                "第二十条第(六)项 | |||",
                "信息内容 | 本年处理决定数量 | ||",
                f"行政处罚 | {v('penalty.decisions')} | ||",
                f"行政强制 | {v('coercion.decisions')} | ||",
                "第二十条第(八)项 | |||",
                "信息内容 | 本年收费金额(单位:万元) | ||",
                f"行政事业性收费 | {v('fees.amount')} |",
            ]
        truncated = rng.random() < 0.5
        items_header = "信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 | |"

        def item(label: str, subject: str, decisions: bool = True) -> str:
            change = _signed(rng, table[(f"art20.{subject}.change", TOTAL)])
            cells = [label, v(f"{subject}.prior_items"), change]
            if decisions:
                cells.append(v(f"{subject}.decisions"))
            return " | ".join(cells) + (" | |" if decisions else " | ||")

        projects = v("procurement.projects")
        amount = v("procurement.amount")
        if rng.random() < 0.5:
            projects, amount = f"{projects}(次)", f"{amount}万元"
        return [
            "第二十条第(一)项 | ||||",
            "信息内容 | 本年新制作数量 | "
            + ("本年新 | 对外公开 总数量" if truncated else "本年新公开数量 | 对外公开总数量")
            + " | |",
            f"规章 | {v('rules.issued')} | {v('rules.published')} | "
            f"{v('rules.total_published')} | |",
            f"规范性文件 | {v('normative_docs.issued')} | {v('normative_docs.published')} | "
            f"{v('normative_docs.total_published')} | |",
            "第二十条第(五)项 | ||||",
            items_header,
            item("行政许可", "licensing"),
            item("其他对外管理服务事项", "other_services"),
            "第二十条第(六)项 | ||||",
            items_header,
            item("行政处罚", "penalty"),
            item("行政强制", "coercion"),
            "第二十条第(八)项 | ||||",
            "信息内容 | 上一年项目数量 | 本年增/减 | ||",
            item("行政事业性收费", "fees", decisions=False),
            "第二十条第(九)项 | ||||",
            "信息内容 | 采购项目数量 | 采购总金额 | ||",
            f"政府集中采购 | {projects} | {amount} |",
        ]


@cache
def _requests_rows(
    template: str, short_partial: bool, noise: bool
) -> tuple[tuple[str, tuple[tuple[str, str], ...], str], ...]:
    """Table 3's rows as (label cells, keys of the values, trailing cells)."""
    labelled: list[tuple[list[str], str]] = [([label], metric) for label, metric in _FIRST_ROWS]
    first = True
    for group, items in outcome_groups(template):
        for j, (label, metric, _) in enumerate(items):
            labels = [_OUTCOMES_LABEL] if first else []
            first = False
            if group is not None and j == 0:
                labels.append(group)
            if short_partial and metric == "outcome.partial":
                label = "(二)部分公开"
            labels.append(label)
            labelled.append((labels, metric))
    labelled += [([label], metric) for label, metric in _LAST_ROWS]
    rows = []
    for i, (labels, metric) in enumerate(labelled):
        pad = 10 - len(labels) - len(DIMENSIONS) if noise and i + 1 < len(labelled) else 0
        suffix = " |" + (" " + "|" * pad if pad > 0 else "")
        rows.append((" | ".join(labels) + " | ", tuple((metric, d) for d in DIMENSIONS), suffix))
    return tuple(rows)


def render_text(draft: _Draft, blocks: Sequence[Block]) -> list[str]:
    """The report as scraped text lines."""
    tables = _TextTables(draft, random.Random(draft.seed * 7 + 3))
    lines: list[str] = []
    for kind, text in blocks:
        if kind in ("line", "title"):
            lines.append(text)
        elif kind == "old":
            lines.extend(tables.old())
        elif kind == "requests":
            lines.extend(tables.requests())
        elif kind == "review":
            lines.extend(tables.review())
        else:
            lines.extend(tables.art20())
    return lines


# --- rendering: an HTML page ------------------------------------------------------------------


def _td(text: str, full_width: bool, word: bool = False, split: int = 0, **spans: int) -> str:
    """A cell; `word`: wrapped as Word exports it; `split`: a <br> before that character."""
    attrs = "".join(f' {k}="{v}"' for k, v in spans.items() if v > 1)
    shown = text.translate(_FULL_WIDTH_HTML) if full_width else text
    inner = html.escape(shown, quote=False)
    if split:
        inner = (
            html.escape(shown[:split], quote=False)
            + "<br>"
            + html.escape(shown[split:], quote=False)
        )
    if word:
        inner = f'<p class="MsoNormal"><span style="font-size:10.5pt">{inner}</span></p>'
    return f"<td{attrs}>{inner}</td>"


def _html_table(rows: Iterable[str]) -> str:
    return '<table border="1" cellspacing="0" cellpadding="0">' + "".join(rows) + "</table>"


class _HtmlTables:
    """The same tables as a county site's HTML: merged header cells, group cells spanning rows."""

    def __init__(self, draft: _Draft, rng: random.Random, full_width: bool) -> None:
        self.draft = draft
        self.rng = rng
        self.fw = full_width
        self.word = rng.random() < 0.4

    def td(self, text: str, **spans: int) -> str:
        split = 0
        if len(text) > 16 and self.rng.random() < 0.3:  # a long label wrapped with <br>
            spots = [
                i
                for i in range(6, len(text) - 2)
                if "\u4e00" <= text[i - 1] <= "\u9fff" and "\u4e00" <= text[i] <= "\u9fff"
            ]
            split = self.rng.choice(spots) if spots else 0
        return _td(text, self.fw, self.word, split, **spans)

    def old(self) -> str:
        rows = ["<tr>" + "".join(self.td(c) for c in ("统计指标", "单位", "统计数")) + "</tr>"]
        for row in self.draft.old_rows:
            value = _fmt(self.draft.table.get((row.metric, TOTAL)))
            unit = ("" if value else "——") if row.head else row.unit
            rows.append("<tr>" + self.td(row.label) + self.td(unit) + self.td(value) + "</tr>")
        return _html_table(rows)

    def requests(self) -> str:
        table, template, td = self.draft.table, self.draft.template, self.td
        header = (
            "<tr>"
            + td(
                "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
                colspan=3,
                rowspan=3,
            )
            + td("申请人情况", colspan=7)
            + "</tr><tr>"
            + td("自然人", rowspan=2)
            + td("法人或其他组织", colspan=5)
            + td("总计", rowspan=2)
            + "</tr><tr>"
            + "<td>商业<br>企业</td><td>科研<br>机构</td>"
            + "".join(td(c) for c in ("社会公益组织", "法律服务机构", "其他"))
            + "</tr>"
        )

        def values(metric: str) -> str:
            return "".join(td(_fmt(table[(metric, d)])) for d in DIMENSIONS)

        rows = [header]
        for label, metric in _FIRST_ROWS:
            rows.append("<tr>" + td(label, colspan=3) + values(metric) + "</tr>")
        groups = outcome_groups(template)
        span = sum(len(items) for _, items in groups) + 1  # down to (七)总计
        first = True
        for group, items in groups:
            for j, (label, metric, _) in enumerate(items):
                cells = td(_OUTCOMES_LABEL, rowspan=span) if first else ""
                first = False
                if group is None:
                    cells += td(label, colspan=2)
                elif j == 0:
                    cells += td(group, rowspan=len(items)) + td(label)
                else:
                    cells += td(label)
                rows.append("<tr>" + cells + values(metric) + "</tr>")
        handled, forward = _LAST_ROWS
        rows.append("<tr>" + td(handled[0], colspan=2) + values(handled[1]) + "</tr>")
        rows.append("<tr>" + td(forward[0], colspan=3) + values(forward[1]) + "</tr>")
        return _html_table(rows)

    def review(self) -> str:
        td = self.td
        outcomes = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
        header = (
            "<tr>"
            + td("行政复议", colspan=5)
            + td("行政诉讼", colspan=10)
            + "</tr><tr>"
            + "".join(td(o, rowspan=2) for o in outcomes)
            + td("未经复议直接起诉", colspan=5)
            + td("复议后起诉", colspan=5)
            + "</tr><tr>"
            + "".join(td(o) for o in outcomes * 2)
            + "</tr>"
        )
        table = self.draft.table
        values = "<tr>" + "".join(td(_fmt(table[(c, TOTAL)])) for c in review_codes()) + "</tr>"
        return _html_table([header, values])

    def art20(self, lines: list[str]) -> str:
        """The article-20 blocks as one table; short rows span the last column."""
        width = max(len([c for c in line.split("|")[:-1] if c.strip()]) for line in lines)
        rows = []
        for line in lines:
            cells = [c.strip() for c in line.split("|")[:-1]]
            while cells and not cells[-1]:
                cells.pop()
            tds = [self.td(c) for c in cells[:-1]] + [
                self.td(cells[-1], colspan=width + 1 - len(cells))
            ]
            rows.append("<tr>" + "".join(tds) + "</tr>")
        return _html_table(rows)


def render_html(draft: _Draft, blocks: Sequence[Block], charset: str, full_width: bool) -> str:
    """The report as the page a government site serves: chrome, scripts, the article."""
    rng = random.Random(draft.seed * 7 + 5)
    entity = draft.entity
    tables = _HtmlTables(draft, rng, full_width)
    text_tables = _TextTables(draft, random.Random(draft.seed * 7 + 3))
    body: list[str] = []
    for kind, text in blocks:
        shown = text.translate(_FULL_WIDTH_HTML) if full_width else text
        if kind == "title":
            body.append(f'<h1 class="title">{html.escape(shown, quote=False)}</h1>')
        elif kind == "line":
            indent = "\u3000\u3000" if rng.random() < 0.7 else ""
            body.append(f"<p>{indent}{html.escape(shown, quote=False)}</p>")
        elif kind == "old":
            body.append(tables.old())
        elif kind == "requests":
            body.append(tables.requests())
        elif kind == "review":
            body.append(tables.review())
        else:
            body.append(tables.art20(text_tables.art20()))
    meta = (
        f'<meta charset="{charset}">'
        if rng.random() < 0.5
        else f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    )
    return (
        f"<!DOCTYPE html>\n<html>\n<head>\n{meta}\n"
        f"<title>{html.escape(entity.site)}-政府信息公开年度报告</title>\n"
        "<script>var _hmt = _hmt || [];\n"
        "var stats = '一、本年新收政府信息公开申请数量 | 987654 |';</script>\n"
        "<style>td { border: 1px solid #000; } .title { text-align: center; }</style>\n"
        "</head>\n<body>\n"
        f'<div class="top"><nav><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | '
        f'<a href="/wza/">无障碍浏览</a></nav></div>\n'
        f'<header><div class="logo">{html.escape(entity.site)}</div></header>\n'
        '<!-- 正文开始 -->\n<div class="content"><div class="TRS_Editor">\n'
        + "\n".join(body)
        + "\n</div></div>\n<!-- 正文结束 -->\n"
        f"<footer><p>主办:{html.escape(entity.office)}</p><p>扫码使用手机浏览本页内容</p></footer>\n"
        "<script>document.write('<p>上年结转 5件</p>');</script>\n"
        "</body>\n</html>\n"
    )


# --- the corpus -------------------------------------------------------------------------------

_AGENCY_MODES = {
    "new_2019": ("title_prefix", "title_infix", "title_line", "signature"),
    "new_2021": ("title_prefix", "title_infix", "title_line", "signature"),
    "old_table": ("title_prefix", "title_line", "signature", "form_field"),
    "prose": ("title_prefix", "signature"),
}


def _template_for(year: int, entity: _Entity) -> str:
    if year >= 2021:
        return "new_2021"
    if year >= 2019:
        return "new_2019"
    return "old_table" if year >= entity.table_from else "prose"


def _drafts(rng: random.Random, entity: _Entity, years: Sequence[int]) -> list[_Draft]:
    """An agency's reports, oldest first, each year's figures following from the last."""
    drafts: list[_Draft] = []
    carried: list[int] | None = None
    stock: _Stock | None = None
    for year in years:
        template = _template_for(year, entity)
        scale = entity.scale * rng.lognormvariate(0.0, 0.25)
        draft = _Draft(entity, year, template, rng.getrandbits(32), {}, {})
        if template in NEW_TEMPLATES:
            draft.table = _requests_table(rng, scale, template, carried)
            draft.table.update(_review_table(rng, scale))
            art20, stock = _art20_table(rng, entity, template, stock)
            draft.table.update(art20)
            carried = [int(draft.table[("apply.carried_forward", d)] or 0) for d in APPLICANTS]
            full, part = (
                _count(rng.random, 0.8 + scale * 0.01),
                1 + _count(rng.random, 2 + scale * 0.05),
            )
            draft.values = {
                "staff.full_time": full,
                "staff.part_time": part,
                "staff.total": full + part,
                "meeting.sessions": _count(rng.random, 1.5),
                "training.attendees": _count(rng.random, 8 + scale * 0.2),
                "proactive.total": _count(rng.random, 150 + scale * 25),
            }
        else:
            carried = None
            if template == "old_table":
                draft.old_rows, draft.table = _old_table(
                    rng,
                    entity,
                    year,
                    head_values=entity.old_style != "national" or rng.random() < 0.3,
                )
            else:
                draft.values = _prose_values(rng, entity)
        drafts.append(draft)
    return drafts


def _present(rng: random.Random, draft: _Draft) -> None:
    """Whether and where the report names its agency."""
    if rng.random() < draft.entity.names_itself:
        draft.agency = draft.entity.agency
        draft.agency_mode = rng.choice(_AGENCY_MODES[draft.template])


def _with_parts(draft: _Draft) -> bool:
    """Regenerate a prose-only report's sentences until one states parts of a total."""
    for _ in range(30):
        if _prose_candidates(draft, table_only=False):
            return True
        draft.seed += 1
        _make_statements(draft)
    return False


@dataclass(slots=True)
class _Totals:
    reports: int = 0
    files: int = 0
    bytes: int = 0
    multi_report_files: int = 0
    html_files: int = 0
    fullwidth_reports: int = 0
    broken_reports: int = 0
    altered_reports: int = 0
    html_reports: int = 0
    by_template: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TEMPLATES, 0))
    by_encoding: dict[str, int] = field(default_factory=lambda: {"utf-8": 0, "gbk": 0})
    reports_by_encoding: dict[str, int] = field(default_factory=lambda: {"utf-8": 0, "gbk": 0})
    by_rule: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))

    def add(self, other: _Totals) -> None:
        for name in ("reports", "files", "bytes", "multi_report_files", "html_files"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("fullwidth_reports", "broken_reports", "altered_reports", "html_reports"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in (
            (self.by_template, other.by_template),
            (self.by_encoding, other.by_encoding),
            (self.reports_by_encoding, other.reports_by_encoding),
            (self.by_rule, other.by_rule),
        ):
            for key, value in theirs.items():
                mine[key] += value

    def as_json(self) -> dict[str, Any]:
        return {
            "reports": self.reports,
            "files": self.files,
            "bytes": self.bytes,
            "multi_report_files": self.multi_report_files,
            "html_files": self.html_files,
            "html_reports": self.html_reports,
            "fullwidth_reports": self.fullwidth_reports,
            "broken_reports": self.broken_reports,
            "altered_reports": self.altered_reports,
            "reports_by_template": self.by_template,
            "files_by_encoding": self.by_encoding,
            "reports_by_encoding": self.reports_by_encoding,
            "broken_reports_by_rule": self.by_rule,
        }


_CLOSERS = ("扫码使用手机浏览本页内容", "扫码使用手机浏览本页内容", "【打印本页】 【关闭窗口】")


def _shard(file_number: int) -> str:
    """Files go a thousand to a directory."""
    return f"{file_number // 1000:03d}"


@dataclass(frozen=True, slots=True)
class _Plan:
    """One agency's share of the corpus, decided up front so that agencies can be generated
    in any process and still give the same bytes."""

    entity: _Entity
    years: tuple[int, ...]
    as_site: bool  # all its reports in one scraped file
    seed: int
    first_file: int  # number of its first file
    raw: str
    params: Parameters


class _Writer:
    """Writes one agency's files and keeps their manifest entries."""

    def __init__(self, plan: _Plan, rng: random.Random) -> None:
        self.raw = Path(plan.raw)
        self.params = plan.params
        self.rng = rng
        self.next_file = plan.first_file
        self.totals = _Totals()
        self.entries: list[ReportEntry] = []

    def name(self, suffix: str) -> str:
        number = self.next_file
        self.next_file += 1
        self.totals.files += 1
        return f"{_shard(number)}/{number:06d}_{self.rng.getrandbits(64):016x}{suffix}"

    def write(self, source_file: str, text: str, encoding: str) -> None:
        if self.rng.random() < self.params.crlf_share:
            text = text.replace("\n", "\r\n")
        data = text.encode(encoding)
        path = self.raw / source_file
        path.write_bytes(data)  # its shard directory was made with the plans
        self.totals.bytes += len(data)
        self.totals.by_encoding[encoding] += 1

    def record(self, draft: _Draft, encoding: str, is_html: bool, full_width: bool) -> None:
        failures = tuple(rule for rule in RULES if rule in draft.expected)
        self.entries.append(
            ReportEntry(
                source_file=draft.source_file,
                ordinal=draft.ordinal,
                report_id=make_report_id(draft.source_file, draft.ordinal),
                report_year=draft.year,
                agency=draft.agency,
                template=draft.template,
                encoding=encoding,
                html=is_html,
                fullwidth=full_width,
                broken=bool(failures),
                expected_failures=failures,
                alteration=draft.alteration,
            )
        )
        totals = self.totals
        totals.reports += 1
        totals.by_template[draft.template] += 1
        totals.fullwidth_reports += full_width
        totals.html_reports += is_html
        totals.reports_by_encoding[encoding] += 1
        totals.broken_reports += bool(failures)
        totals.altered_reports += draft.alteration is not None
        for rule in failures:
            totals.by_rule[rule] += 1


def full_width_lines(lines: list[str]) -> list[str]:
    return full_width("\n".join(lines)).split("\n")


def _report_text(draft: _Draft, blocks: Sequence[Block], wide: bool) -> list[str]:
    lines = render_text(draft, blocks)
    return full_width_lines(lines) if wide else lines


def generate_corpus(
    reports: int,
    out_dir: Path,
    seed: int = 0,
    *,
    params: Parameters | None = None,
    workers: int | None = None,
) -> Manifest:
    """Write `reports` synthetic reports to `out_dir/raw/` and the manifest to
    `out_dir/manifest.json`; the same seed, count and parameters always give the same bytes,
    whatever the number of worker processes (default: one per CPU for large corpora).

    `params` (see `Parameters`) sets the shares of broken, GBK, HTML, full-width and CRLF
    reports, of agencies scraped as whole sites, and the range of report years.
    """
    if reports < 0:
        raise ValueError("the number of reports cannot be negative")
    params = params or Parameters()
    if params.first_year > params.last_year:
        raise ValueError("first_year is after last_year")
    rng = random.Random(f"pipeline.synth:{seed}")
    raw = Path(out_dir) / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    plans = list(_plans(rng, reports, params, raw))
    files = (
        plans[-1].first_file + (1 if plans[-1].as_site else len(plans[-1].years)) if plans else 0
    )
    for shard in range((files + 999) // 1000):
        (raw / _shard(shard * 1000)).mkdir(exist_ok=True)
    if workers is None:
        workers = default_workers() if reports >= 5000 else 1
    totals = _Totals()
    entries: list[ReportEntry] = []
    for plan_entries, plan_totals in map_ordered(_run_plan, plans, workers, chunksize=64):
        entries.extend(plan_entries)
        totals.add(plan_totals)
    manifest_path = Path(out_dir) / "manifest.json"
    parameter_record = {"reports": reports, **{k: getattr(params, k) for k in params.__slots__}}
    totals_record = totals.as_json()
    with manifest_path.open("w", encoding="utf-8") as handle:
        handle.write("{\n")
        handle.write(f'"seed": {json.dumps(seed)},\n')
        handle.write(f'"parameters": {json.dumps(parameter_record, ensure_ascii=False)},\n')
        handle.write(f'"totals": {json.dumps(totals_record, ensure_ascii=False)},\n')
        handle.write('"reports": [\n')
        for i, entry in enumerate(entries):
            handle.write(json.dumps(entry.to_json(), ensure_ascii=False))
            handle.write(",\n" if i + 1 < len(entries) else "\n")
        handle.write("]\n}\n")
    return Manifest(manifest_path, seed, parameter_record, totals_record, entries)


def _plans(rng: random.Random, reports: int, params: Parameters, raw: Path) -> Iterable[_Plan]:
    """Agencies, their years and file numbers, in corpus order, until `reports` are planned."""
    agencies = _Agencies(rng)
    remaining = reports
    span = params.last_year - params.first_year
    next_file = 0
    while remaining > 0:
        entity = agencies.draw(params.first_year)
        as_site = rng.random() < params.site_share
        length = min(remaining, rng.randint(2, 15) if as_site else rng.choice(_PAGE_COUNTS))
        length = min(length, span + 1)
        end = params.last_year - min(int(abs(rng.gauss(0.0, 3.0))), span)
        start = max(params.first_year, end - length + 1)
        years = tuple(range(start, start + length))
        yield _Plan(entity, years, as_site, rng.getrandbits(64), next_file, str(raw), params)
        next_file += 1 if as_site else length
        remaining -= length


def _run_plan(plan: _Plan) -> tuple[list[ReportEntry], _Totals]:
    """Generate, check and write one agency's reports (runs in a worker process)."""
    rng = random.Random(plan.seed)
    writer = _Writer(plan, rng)
    drafts = _drafts(rng, plan.entity, plan.years)
    _write_entity(rng, writer, drafts, plan.as_site)
    return writer.entries, writer.totals


# How many reports an agency has when its reports come as separate pages.
_PAGE_COUNTS = (1, 1, 1, 2, 3, 5)


def _page_html_share(params: Parameters) -> float:
    """The chance that a one-report page is HTML, so that `html_share` of all files are
    (a scraped site is one text file; each other agency has one file per report)."""
    pages = (1 - params.site_share) * sum(_PAGE_COUNTS) / len(_PAGE_COUNTS)
    return min(1.0, params.html_share * (pages + params.site_share) / pages) if pages else 0.0


def _write_entity(rng: random.Random, writer: _Writer, drafts: list[_Draft], as_site: bool) -> None:
    """Present, break, check and write one agency's reports."""
    params = writer.params
    for draft in drafts:
        _present(rng, draft)
    newest_first = list(reversed(drafts))
    layout: list[tuple[str, list[_Draft], bool, str]] = []  # (file, drafts, html, encoding)
    if as_site:
        encoding = "gbk" if rng.random() < params.gbk_share else "utf-8"
        layout.append((writer.name(".txt"), newest_first, False, encoding))
    else:
        for draft in newest_first:
            is_html = rng.random() < _page_html_share(params)
            encoding = "gbk" if rng.random() < params.gbk_share else "utf-8"
            suffix = rng.choice((".html", ".htm")) if is_html else ".txt"
            layout.append((writer.name(suffix), [draft], is_html, encoding))
    for source_file, members, _, _ in layout:
        for ordinal, draft in enumerate(members, start=1):
            draft.source_file, draft.ordinal = source_file, ordinal
            draft.series = f"agency:{draft.agency}" if draft.agency else f"file:{source_file}"
    for draft in drafts:
        _make_statements(draft)
    links = _previous_in_series(drafts)
    for i, draft in enumerate(drafts):
        if rng.random() < params.broken_share:
            if draft.template == "prose" and not _with_parts(draft):
                continue
            _break(draft, rng, links.get(i))
    blocks = {id(draft): compose(draft) for draft in drafts}
    for i, draft in enumerate(drafts):
        draft.expected = _report_failures(draft)
        if i in links:
            draft.expected |= _cross_year_failures(draft, links[i])
        if draft.alteration is not None and not draft.expected:
            raise RuntimeError(f"a deliberate break made no rule fail: {draft.alteration}")
    for source_file, members, is_html, encoding in layout:
        full_width = [rng.random() < params.fullwidth_share for _ in members]
        if is_html:
            charset = "utf-8" if encoding == "utf-8" else rng.choice(("gb2312", "gbk"))
            text = render_html(members[0], blocks[id(members[0])], charset, full_width[0])
            writer.totals.html_files += 1
        else:
            chrome = as_site or rng.random() < 0.3
            lines: list[str] = []
            if as_site and rng.random() < 0.5:
                lines.append("当前位置:首页 > 政务公开 > 政府信息公开年度报告")
            for draft, wide in zip(members, full_width, strict=True):
                body = _report_text(draft, blocks[id(draft)], wide)
                if chrome:
                    lines.append("字号:")
                    lines.append("大 中 小" + body[0])
                    lines.extend(body[1:])
                    lines.append(rng.choice(_CLOSERS))
                else:
                    lines.extend(body)
            text = "\n".join(lines) + "\n"
            writer.totals.multi_report_files += len(members) > 1
        writer.write(source_file, text, encoding)
        for draft, wide in zip(members, full_width, strict=True):
            writer.record(draft, encoding, is_html, wide)
