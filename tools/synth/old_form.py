"""The old statistics table's form (2008-2018): its rows for each provincial style
(national, Shandong, Guizhou) and year, numbered as printed, and which rows sum into which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from tools.synth.catalogue import CHILDREN
from tools.synth.printing import chinese_numeral


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
class OldRow:
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
            prefix = (f"{chinese_numeral(number)}、", f"({chinese_numeral(number)})", f"{number}.")[
                min(depth, 2)
            ]
        else:
            prefix = "其中:" if spec.mark == "qizhong" else ""
        rows.append((depth, prefix, spec))
        rows.extend(_flatten(spec.kids, depth + 1))
    return rows


@dataclass(frozen=True, slots=True)
class _OldForm:
    """An old-table form ready to fill: its rows, and how its sums are built."""

    rows: tuple[OldRow, ...]
    leaves: tuple[str, ...]  # rows that print their own figure
    sums: tuple[tuple[str, tuple[str, ...], bool], ...]  # (parent, rows under it, heading)
    channels: tuple[str, ...]  # the request channels the form prints


@cache
def old_form_plan(style: str, weibo: bool, responses: bool) -> _OldForm:
    """The form for a province's style (it changes in 2012 and 2014 only)."""
    flat = _flatten(_old_form(style, 2014 if responses else 2012 if weibo else 2011))
    rows = tuple(
        OldRow(prefix + s.label, s.note, s.metric, s.unit, s.head) for _, prefix, s in flat
    )
    leaves = tuple(s.metric for _, _, s in flat if not s.sums and not s.head)
    sums = tuple(
        (s.metric, tuple(k.metric for k in s.kids), s.head) for _, _, s in reversed(flat) if s.sums
    )
    channels = tuple(m for m in CHILDREN["apply.received"] if m in leaves)
    return _OldForm(rows, leaves, sums, channels)
