"""Figures stated in prose: `pipeline.prose.extract_prose_figures` on seed sentences and seeds."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import pipeline.prose_patterns as prose_patterns
from pipeline.catalogue import load_yaml, metric_codes
from pipeline.model import Figure
from pipeline.prose import PatternError, extract_prose_figures, pattern_metrics
from pipeline.text import Line, split_lines

RAW = Path(__file__).resolve().parent.parent / "data" / "raw"
SEED_002 = RAW / "002_711b86d480afee15.txt"

Key = tuple[str, float, str, str | None]


def keys(figures: list[Figure]) -> Counter[Key]:
    return Counter((f.metric, f.value, f.qualifier, f.part_of) for f in figures)


def read(text: str, new_template: bool = False) -> list[Figure]:
    return extract_prose_figures(split_lines(text), new_template=new_template)


def ex(metric: str, value: float, part_of: str | None = None) -> Key:
    return (metric, value, "exact", part_of)


def approx(metric: str, value: float, part_of: str | None = None) -> Key:
    return (metric, value, "approx", part_of)


# --------------------------------------------------------------------------- sentences
PUB, COMPLETED, RECEIVED, HANDLED = (
    "info.published",
    "apply.completed",
    "apply.received",
    "apply.handled",
)
REVIEW, LITIGATION, STAFF = "review.total", "litigation.total", "staff.total"

SNIPPETS: list[tuple[str, str, bool, list[Key]]] = [
    (
        "published_with_parts",
        "2013年截止12月31日,全区发布信息6317条,其中 “主动公开信息”6303条,“依申请公开信息” 14条。",
        False,
        [ex(PUB, 6317), ex("proactive.total", 6303, PUB), ex("info.on_request", 14, PUB)],
    ),
    (
        "published_system",
        "2014年截止12月31日,信息公开系统共发布信息7391条。",
        False,
        [ex(PUB, 7391)],
    ),
    ("published_all_kinds", "2012年截止12月31日公开各类政府信息3813条。", False, [ex(PUB, 3813)]),
    (
        "proactive",
        "截止2018年12月31日,主动公开信息16387条,比去年增加了11.5%。",
        False,
        [ex("proactive.total", 16387)],
    ),
    (
        "proactive_gong",
        "2017年,我局主动公开信息共288条,全文电子化达100%。",
        False,
        [ex("proactive.total", 288)],
    ),
    (
        "proactive_heji",
        "截至2017年12月底,我单位通过政府门户网站公开行政权力项目2项,合计主动公开信息7条。",
        False,
        [ex("proactive.total", 7)],
    ),
    (
        "proactive_categories_not_parts",
        "本年度主动公开政府信息共62件,其中人事信息1条,财政信息2条,通知公告16条。",
        True,
        [ex("proactive.total", 62)],
    ),
    ("proactive_approx", "全年主动公开信息5000余条。", False, [approx("proactive.total", 5000)]),
    (
        "completed_with_answers",
        "2018年全区政府机关共办结政府信息公开申请283件,其中“已主动公开”38件,“同意公开”110件,"
        "“同意部分公开”4件,“不予公开”45件,“其他情况”197件。",
        False,
        [
            ex(COMPLETED, 283),
            ex("answer.already_public", 38, COMPLETED),
            ex("answer.granted", 110, COMPLETED),
            ex("answer.partial", 4, COMPLETED),
            ex("answer.denied", 45, COMPLETED),
            ex("answer.other", 197, COMPLETED),
        ],
    ),
    (
        "completed_is_handled_in_new_template",
        "2019年全区共办结政府信息公开申请283件,其中“已主动公开”38件,“同意公开”110件。",
        True,
        [ex(HANDLED, 283)],
    ),
    (
        "received_channels",
        "2018年,全区共收到公开政府信息申请283件,其中当面申请2件,网上申请9件,信函申请272件,"
        "均依法依规答复完毕。",
        False,
        [
            ex(RECEIVED, 283),
            ex("apply.channel.in_person", 2, RECEIVED),
            ex("apply.channel.online", 9, RECEIVED),
            ex("apply.channel.letter", 272, RECEIVED),
        ],
    ),
    (
        "received_channels_with_percentages",
        "2017年,全区共收到公开政府信息申请187件,以网上形式申请10件,占5.3%;以信函形式申请177件,"
        "占94.7%,均依法依规答复完毕。",
        False,
        [
            ex(RECEIVED, 187),
            ex("apply.channel.online", 10, RECEIVED),
            ex("apply.channel.letter", 177, RECEIVED),
        ],
    ),
    (
        "received_shouli_neighbour",
        "本年度共受理政府信息公开申请25件,其中当面申请3件,网络申请20件,信函申请2件。",
        False,
        [
            ex(RECEIVED, 25),
            ex("apply.channel.in_person", 3, RECEIVED),
            ex("apply.channel.online", 20, RECEIVED),
            ex("apply.channel.letter", 2, RECEIVED),
        ],
    ),
    ("received_gong_after", "收到政府信息公开申请共12件。", False, [ex(RECEIVED, 12)]),
    (
        "received_is_new_in_new_template",
        "2022年共收到政府信息公开申请12件。",
        True,
        [ex("apply.new", 12)],
    ),
    (
        "received_then_answers_without_total",
        "全年共收到依申请公开申请10件,同意公开8件,不予公开2件。",
        False,
        [ex(RECEIVED, 10), ex("answer.granted", 8), ex("answer.denied", 2)],
    ),
    (
        "review_and_litigation",
        "2018年我区因政府信息公开申请提起行政复议的有52件,维持50件,纠错1件,其他情况1件;"
        "因政府信息公开申请提起行政诉讼的有38件,维持38件,纠错0件,其他情况0件。",
        False,
        [
            ex(REVIEW, 52),
            ex("review.upheld", 50, REVIEW),
            ex("review.corrected", 1, REVIEW),
            ex("review.other", 1, REVIEW),
            ex(LITIGATION, 38),
            ex("litigation.upheld", 38, LITIGATION),
            ex("litigation.corrected", 0, LITIGATION),
            ex("litigation.other", 0, LITIGATION),
        ],
    ),
    (
        "litigation_closed_in_progress",
        "2015年我区因政府信息公开申请提起行政复议的有0件;因政府信息公开申请提起行政诉讼的有2件,"
        "1件已结案,1件正在处理。",
        False,
        [
            ex(REVIEW, 0),
            ex(LITIGATION, 2),
            ex("litigation.closed", 1, LITIGATION),
            ex("litigation.in_progress", 1, LITIGATION),
        ],
    ),
    (
        "review_neighbour",
        "因政府信息公开被申请行政复议1件,提起行政诉讼0件。",
        False,
        [ex(REVIEW, 1), ex(LITIGATION, 0)],
    ),
    (
        "staff_with_total",
        "本区政府信息公开工作专门机构1个,从事政府信息公开工作人员61名,其中专职人员2名,兼职人员59名。"
        "全年召开政府信息公开工作会议及专项培训1次,接受培训人员120人次。",
        False,
        [
            ex("org.dedicated_units", 1),
            ex(STAFF, 61),
            ex("staff.full_time", 2, STAFF),
            ex("staff.part_time", 59, STAFF),
            ex("meeting.sessions", 1),
            ex("training.attendees", 120),
        ],
    ),
    (
        "staff_short_labels",
        "强化人员配备,全区政府信息公开工作人员98人,其中,专职33人,兼职65人,队伍建设进一步加强。",
        True,
        [ex(STAFF, 98), ex("staff.full_time", 33, STAFF), ex("staff.part_time", 65, STAFF)],
    ),
    (
        "staff_without_total",
        "我区政府信息公开工作专职人员2名,兼职人员45名。全年召开政府信息公开工作会议及专项培训1次,"
        "接受培训人员110余人次。",
        True,
        [
            ex("staff.full_time", 2),
            ex("staff.part_time", 45),
            ex("meeting.sessions", 1),
            approx("training.attendees", 110),
        ],
    ),
    (
        "training_number_first",
        "组织召开全区政府信息公开标准化清单编制工作会议、政务公开工作推进暨评估考核培训会议等专题会议,"
        "120余人次接受培训。",
        True,
        [approx("training.attendees", 120)],
    ),
    (
        "meeting_training_neighbour",
        "全年共召开政务公开工作会议3次,举办政务公开培训班2期,培训人员150人次。",
        False,
        [ex("meeting.sessions", 3), ex("training.sessions", 2), ex("training.attendees", 150)],
    ),
    (
        "chinese_numeral_and_jin",
        "召开政务公开工作会议一次,接受培训人员近200人。",
        False,
        [ex("meeting.sessions", 1), approx("training.attendees", 200)],
    ),
    (
        "responses",
        "由于我单位无重大舆情,2017年度我单位回应公众关注热点或重大舆情数0次,通过不同渠道和方式回应解读0次。",
        False,
        [ex("response.hot_topics", 0), ex("response.by_channel", 0)],
    ),
    (
        "responses_in_running_text",
        "通过这些平台回复回应公众关注热点或重大舆情数6次,参加行风热线5次。",
        False,
        [ex("response.hot_topics", 6)],
    ),
    (
        "new_template_outcomes",
        "2022年全区办理政府信息公开申请333件,其中,予以公开69件,占比21%;部分公开35件,占比10%;"
        "不予公开8件,占比2%;无法提供198件,占比60%;不予处理6件,占比2%;其他处理17件,占比5%。"
        "结转至下年办理12件。",
        True,
        [
            ex(HANDLED, 333),
            ex("outcome.granted", 69, HANDLED),
            ex("outcome.partial", 35, HANDLED),
            ex("outcome.denied", 8, HANDLED),
            ex("outcome.unable", 198, HANDLED),
            ex("outcome.not_processed", 6, HANDLED),
            ex("outcome.other", 17, HANDLED),
            ex("apply.carried_forward", 12),
        ],
    ),
    (
        "new_template_flow",
        "2021年全区新收政府信息公开申请358件,上年结转政府信息公开申请8件。申请内容主要涉及土地征收、"
        "房屋拆迁相关信息。其中,本年度办结344件、结转下年度继续办理22件。",
        True,
        [
            ex("apply.new", 358),
            ex("apply.carried_over", 8),
            ex(HANDLED, 344),
            ex("apply.carried_forward", 22),
        ],
    ),
    (
        "new_template_outcomes_without_total",
        "2019年全区新收政府信息公开申请243件,结转上年100件。其中,“予以公开”70件、“部分公开”59件、"
        "“不予公开”27件、“无法提供”160件、“不予处理”6件、“其他处理”11件、“结转下年度继续办理”10件。",
        True,
        [
            ex("apply.new", 243),
            ex("apply.carried_over", 100),
            ex("outcome.granted", 70),
            ex("outcome.partial", 59),
            ex("outcome.denied", 27),
            ex("outcome.unable", 160),
            ex("outcome.not_processed", 6),
            ex("outcome.other", 11),
            ex("apply.carried_forward", 10),
        ],
    ),
    (
        "new_template_neighbour_flow",
        "本年度共收到政府信息公开申请15件,上年结转2件,本年度办结16件,结转下年度继续办理1件。",
        True,
        [
            ex("apply.new", 15),
            ex("apply.carried_over", 2),
            ex(HANDLED, 16),
            ex("apply.carried_forward", 1),
        ],
    ),
    (
        "number_first_carried_forward",
        "2020年区政府共收到政府信息公开依申请162件,上年结转政府信息公开申请数量10件,164件全部受理并按时"
        "答复完毕,8件结转下年度继续办理。",
        True,
        [ex("apply.new", 162), ex("apply.carried_over", 10), ex("apply.carried_forward", 8)],
    ),
    # negations that are zeros
    (
        "no_requests_unit",
        "我单位2017年度没有收到公民、法人和其他组织提交的政府信息公开申请。",
        False,
        [ex(RECEIVED, 0)],
    ),
    (
        "no_requests_bureau",
        "2017年我局没有收到要求公开信息的申请,我局通过东阳市人民政府网站答复。",
        False,
        [ex(RECEIVED, 0)],
    ),
    (
        "no_requests_new_template",
        "2022年度我局没有收到依申请公开的申请报告,没有发生政府信息咨询、投诉事项。",
        True,
        [ex("apply.new", 0)],
    ),
    (
        "no_requests_2008",
        "2008年,全区未收到政府信息公开申请和不予公开政府信息报告。",
        False,
        [ex(RECEIVED, 0)],
    ),
    (
        "no_cases_dept",
        "我单位2017年度未发生针对本部门有关政府信息公开事务的行政复议案、行政诉讼案和有关的申诉案。",
        False,
        [ex(REVIEW, 0), ex(LITIGATION, 0)],
    ),
    (
        "no_cases_run_together",
        "今年,未发生针对本部门有关政务信息公开事务的行政复议案行政诉讼和有关的申诉等。",
        False,
        [ex(REVIEW, 0), ex(LITIGATION, 0)],
    ),
    (
        "no_cases_meiyou",
        "2022年,我局没有发生因政府信息公开申请行政复议、提起行政诉讼和申诉的情况。",
        True,
        [ex(REVIEW, 0), ex(LITIGATION, 0)],
    ),
    (
        "no_cases_district",
        "2012年,全区未发生针对政府信息公开事务的行政复议申请、申诉和行政诉讼案件。",
        False,
        [ex(REVIEW, 0), ex(LITIGATION, 0)],
    ),
    (
        "review_zero_not_request_zero",
        "未收到因政府信息公开申请提起的行政复议。",
        False,
        [ex(REVIEW, 0)],
    ),
]


@pytest.mark.parametrize(
    ("text", "new_template", "expected"),
    [pytest.param(text, new, expected, id=name) for name, text, new, expected in SNIPPETS],
)
def test_sentence_figures(text: str, new_template: bool, expected: list[Key]) -> None:
    assert keys(read(text, new_template)) == Counter(expected)


NEGATIVES: list[tuple[str, str]] = [
    (
        "security_leak",
        "2017年度,我单位未发生因政府信息公开审查不当或保密审查机构未履行保密审查职责而引起的失泄密情况。",
    ),
    ("fees", "我单位在2017年度没有收取任何形式的政府信息公开费用。"),
    ("fees_new", "依据《政府信息公开信息处理费管理办法》规定,本年度未收取政府信息处理费。"),
    (
        "suggestions",
        "今年,区政府共承办人大代表建议93件。其中,涉及城市建设管理方面38件,经济发展方面6件。",
    ),
    ("proposals", "共提出政协提案221件,立案206件,其中党群部门承办25件,政府部门承办181件。"),
    ("messages", "优化办理留言栏目,2020年办结留言185条,公开答复95条。"),
    ("letters", "2016年,共收到来信38件,已全部受理。"),
    ("letters_2015", "2015年,通过政府网站办理群众来信385件,发布12345热线办理内容77条。"),
    ("licensing", "2018年共受理行政许可申请5000件,办结4990件。"),
    (
        "justice_bureau_review",
        "2017年,我局政务公开工作扎实推进,全年办理行政复议案件56件,其中维持40件。",
    ),
    ("weibo_channel", "通过政务微博主动公开信息500条。"),
    ("wechat_channel", "通过天桥区政府微信公众号发布信息22条。"),
    ("column_items", "2021年度,共发布区级财政预决算信息6条,部门街办财政预决算信息170条。"),
    ("request_to_proactive", "依申请公开转主动公开信息5条。"),
    ("title", "印发《关于公开各类政府信息100条的通知》(济天政办发〔2019〕6号)。"),
    (
        "document_number",
        "制定下发《天桥区政府系统政务新媒体应用管理规定的通知》(济天政办字[2019]3号)。",
    ),
    ("phone_date_percent", "联系电话:0531-85872507,2018年12月31日,予以公开占比21%,第1次会议。"),
    ("visitors", "2013年截止12月31日通过我区门户网站政府信息公开专栏查阅政府信息已超过2.4万人次。"),
    ("fax_only", "未收到以传真形式提交的申请。"),
    ("review_corrected_only", "全年未发生行政复议被纠错的情况。"),
    ("unable_to_provide", "无法提供政府信息公开申请涉及行政复议的材料。"),
    ("ambiguous_each", "行政复议和行政诉讼各1件。"),
    (
        "note_on_table",
        "收到和处理政府信息公开申请情况中第六项“其他处理”的11件为申请人申请的信息不属于政府信息。",
    ),
    (
        "ambiguous_2014",
        "2014年截止12月31日,依申请公开7条(重复内容3条),已办结6条(重复内容3条),另有1条正在办理之中。",
    ),
    ("service_items", "2022年,全区政务服务事项办理518889件,新登记市场主体11540户。"),
    (
        "website_visits",
        "截至2020年12月31日,网站总访问量5059.4731万人次,独立用户访问总量221.3437万个。",
    ),
    ("working_days", "切实做到15个工作日内件件有回声。"),
    ("one_person_assigned", "指定1名懂电脑操作、保密意识强的党政办公室工作人员具体负责信息更新。"),
    ("channel_list", "我乡共在电子政务网上发布信息33条,另外,通过其他方式公开政府信息数共42条。"),
    ("single_outcome_is_no_list", "其中“不予公开”45件。"),
]


@pytest.mark.parametrize("new_template", [False, True], ids=["old", "new"])
@pytest.mark.parametrize(("text"), [pytest.param(t, id=name) for name, t in NEGATIVES])
def test_sentences_without_figures(text: str, new_template: bool) -> None:
    assert read(text, new_template) == []


# --------------------------------------------------------------------------- provenance
def test_figure_fields_and_provenance() -> None:
    text = (
        "二、组织领导\n"
        "| (一)收到申请数 | 件 | 5 |\n"
        "全区共收到公开政府信息申请283件,其中当面申请2件,网上申请9件,信函申请272件。\n"
        "本年接受培训人员110余人次,均为政务公开工作人员。\n"
        "我单位没有收到公民、法人和其他组织提交的政府信息公开申请。"
    )
    figures = read(text)
    by_metric = {f.metric: f for f in figures}
    received = [f for f in figures if f.metric == RECEIVED]
    assert [f.value for f in received] == [283, 0]  # the table line's 5 is not prose
    total = received[0]
    assert (total.label_raw, total.value_raw, total.unit, total.source_line) == (
        "共收到公开政府信息申请",
        "283件",
        "件",
        3,
    )
    assert (total.dimension, total.value_kind, total.table_kind) == ("total", "number", "prose")
    online = by_metric["apply.channel.online"]
    assert (online.label_raw, online.value_raw, online.part_of) == ("网上申请", "9件", RECEIVED)
    training = by_metric["training.attendees"]
    assert (training.value, training.qualifier, training.value_raw, training.unit) == (
        110,
        "approx",
        "110余人次",
        "人次",
    )
    zero = received[1]
    assert (zero.value, zero.value_raw, zero.source_line, zero.unit) == (0, "没有收到", 5, "件")
    assert zero.label_raw.startswith("没有收到") and zero.label_raw.endswith("申请")


def test_staff_unit_ming_is_ren() -> None:
    (staff,) = read("从事政府信息公开工作人员61名。")
    assert (staff.unit, staff.value_raw) == ("人", "61名")


def test_value_raw_is_in_its_line() -> None:
    lines = split_lines(SEED_002.read_text(encoding="utf-8"))
    text_by_number = {line.number: line.text for line in lines}
    figures = extract_prose_figures(lines[384:796])
    assert figures
    for figure in figures:
        assert figure.value_raw in text_by_number[figure.source_line]
        assert figure.label_raw in text_by_number[figure.source_line]


def test_same_number_read_once() -> None:
    # 主动公开信息 is both a part of 发布信息 and a statement of its own: one figure, the part.
    figures = read("全区发布信息100条,其中主动公开信息90条,依申请公开信息10条。")
    assert keys(figures) == Counter(
        [ex(PUB, 100), ex("proactive.total", 90, PUB), ex("info.on_request", 10, PUB)]
    )


def test_table_lines_are_ignored() -> None:
    lines = [Line(1, "x", "共收到政府信息公开申请5件 | 5 |"), Line(2, "y", "")]
    assert extract_prose_figures(lines) == []


# --------------------------------------------------------------------------- seeds
def reports_002(first: int, last: int) -> dict[int, list[Line]]:
    """The reports of seed 002 between two line numbers, keyed by their statistics year."""
    lines = split_lines(SEED_002.read_text(encoding="utf-8"))[first - 1 : last]
    reports: list[list[Line]] = []
    for line in lines:
        if line.text == "字号:" or not reports:
            reports.append([])
        reports[-1].append(line)
    result: dict[int, list[Line]] = {}
    for report in reports:
        years = [re.search(r"统计期限自(\d{4})年", line.text) for line in report]
        (year,) = {int(m[1]) for m in years if m}
        result[year] = report
    return result


def zeros() -> list[Key]:
    return [ex(REVIEW, 0), ex(LITIGATION, 0)]


def info_report(total: int, proactive: int, on_request: int) -> list[Key]:
    return [
        ex(PUB, total),  # 公开各类政府信息 … 条 in section 二/三
        ex(PUB, total),  # 全区发布信息 … 条, then its two parts
        ex("proactive.total", proactive, PUB),
        ex("info.on_request", on_request, PUB),
        *zeros(),
    ]


OLD_002: dict[int, list[Key]] = {
    2018: [
        ex("proactive.total", 16387),
        ex("org.dedicated_units", 1),
        ex(STAFF, 61),
        ex("staff.full_time", 2, STAFF),
        ex("staff.part_time", 59, STAFF),
        ex("meeting.sessions", 1),
        ex("training.attendees", 120),
        ex(RECEIVED, 283),
        ex("apply.channel.in_person", 2, RECEIVED),
        ex("apply.channel.online", 9, RECEIVED),
        ex("apply.channel.letter", 272, RECEIVED),
        ex(COMPLETED, 283),
        ex("answer.already_public", 38, COMPLETED),
        ex("answer.granted", 110, COMPLETED),
        ex("answer.partial", 4, COMPLETED),
        ex("answer.denied", 45, COMPLETED),
        ex("answer.other", 197, COMPLETED),
        ex(REVIEW, 52),
        ex("review.upheld", 50, REVIEW),
        ex("review.corrected", 1, REVIEW),
        ex("review.other", 1, REVIEW),
        ex(LITIGATION, 38),
        ex("litigation.upheld", 38, LITIGATION),
        ex("litigation.corrected", 0, LITIGATION),
        ex("litigation.other", 0, LITIGATION),
    ],
    2017: [
        ex("proactive.total", 14696),
        ex(RECEIVED, 187),
        ex("apply.channel.online", 10, RECEIVED),
        ex("apply.channel.letter", 177, RECEIVED),
        ex(REVIEW, 14),
        ex("review.upheld", 5, REVIEW),
        ex("review.corrected", 0, REVIEW),
        ex("review.other", 9, REVIEW),
        ex(LITIGATION, 6),
        ex("litigation.upheld", 6, LITIGATION),
        ex("litigation.corrected", 0, LITIGATION),
        ex("litigation.other", 0, LITIGATION),
    ],
    # 共收到来信38件 (letters, not requests) is not read
    2016: [ex("proactive.total", 4905), ex(REVIEW, 18), ex(LITIGATION, 7)],
    2015: [
        ex("proactive.total", 4817),
        ex(RECEIVED, 16),
        ex("apply.channel.online", 11, RECEIVED),
        ex("apply.channel.letter", 5, RECEIVED),
        ex(REVIEW, 0),
        ex(LITIGATION, 2),
        ex("litigation.closed", 1, LITIGATION),
        ex("litigation.in_progress", 1, LITIGATION),
    ],
    # 依申请公开7条…已办结6条 is ambiguous (requests or items?) and 均已结案 prints no number
    2014: [ex(PUB, 7391), ex(REVIEW, 0), ex(LITIGATION, 2)],
    2013: info_report(6317, 6303, 14),
    2012: info_report(3813, 3807, 6),
    2011: info_report(2352, 2345, 7),
    2010: info_report(2973, 2949, 24),
    2009: info_report(4015, 3893, 122),
    2008: [ex(PUB, 643), ex(RECEIVED, 0), *zeros()],
}


@pytest.fixture(scope="module")
def old_reports() -> dict[int, list[Line]]:
    return reports_002(385, 796)


def test_old_reports_are_all_found(old_reports: dict[int, list[Line]]) -> None:
    assert sorted(old_reports) == list(range(2008, 2019))


@pytest.mark.parametrize("year", sorted(OLD_002))
def test_seed_002_prose_reports(old_reports: dict[int, list[Line]], year: int) -> None:
    figures = extract_prose_figures(old_reports[year])
    assert keys(figures) == Counter(OLD_002[year])
    assert {f.metric for f in figures} <= metric_codes()
    assert all(f.table_kind == "prose" and f.dimension == "total" for f in figures)


NEW_002: dict[int, list[Key]] = {
    2022: [
        ex(HANDLED, 333),
        ex("outcome.granted", 69, HANDLED),
        ex("outcome.partial", 35, HANDLED),
        ex("outcome.denied", 8, HANDLED),
        ex("outcome.unable", 198, HANDLED),
        ex("outcome.not_processed", 6, HANDLED),
        ex("outcome.other", 17, HANDLED),
        ex("apply.carried_forward", 12),
        ex("proactive.total", 12625),
    ],
    2021: [
        ex("apply.new", 358),
        ex("apply.carried_over", 8),
        ex(HANDLED, 344),
        ex("apply.carried_forward", 22),
    ],
    2020: [
        approx("training.attendees", 120),
        ex(STAFF, 98),
        ex("staff.full_time", 33, STAFF),
        ex("staff.part_time", 65, STAFF),
        ex("apply.new", 162),
        ex("apply.carried_over", 10),
        ex("apply.carried_forward", 8),
        ex("outcome.granted", 6),
        ex("outcome.partial", 27),
        ex("outcome.denied", 1),
        ex("outcome.unable", 109),
        ex("outcome.not_processed", 20),
    ],
    2019: [
        ex("proactive.total", 10569),
        ex("apply.new", 243),
        ex("apply.carried_over", 100),
        ex("outcome.granted", 70),
        ex("outcome.partial", 59),
        ex("outcome.denied", 27),
        ex("outcome.unable", 160),
        ex("outcome.not_processed", 6),
        ex("outcome.other", 11),
        ex("apply.carried_forward", 10),
        ex("staff.full_time", 2),
        ex("staff.part_time", 45),
        ex("meeting.sessions", 1),
        approx("training.attendees", 110),
    ],
}


@pytest.mark.parametrize("year", sorted(NEW_002))
def test_seed_002_new_template_prose(year: int) -> None:
    figures = extract_prose_figures(reports_002(1, 384)[year], new_template=True)
    assert keys(figures) == Counter(NEW_002[year])


OTHER_SEEDS: list[tuple[str, bool, list[Key]]] = [
    (
        "000_1c21803a08480ac6.txt",
        False,
        [
            ex("response.hot_topics", 0),
            ex("response.by_channel", 0),
            ex("proactive.total", 7),
            ex(RECEIVED, 0),
            *zeros(),
        ],
    ),
    # 通过其他方式公开政府信息数共42条 is a channel figure of the table, not a prose pattern
    ("001_9ee0dcb102ca4a64.txt", False, []),
    (
        "003_482dbf59b3589eb0.txt",
        False,
        [ex("proactive.total", 288), ex(RECEIVED, 0), ex("response.hot_topics", 6), *zeros()],
    ),
    ("004_21970fde474fde16.txt", True, [ex("proactive.total", 62), ex("apply.new", 0), *zeros()]),
]


@pytest.mark.parametrize(
    ("name", "new_template", "expected"), OTHER_SEEDS, ids=[s[0][:3] for s in OTHER_SEEDS]
)
def test_other_seeds(name: str, new_template: bool, expected: list[Key]) -> None:
    lines = split_lines((RAW / name).read_text(encoding="utf-8"))
    assert keys(extract_prose_figures(lines, new_template=new_template)) == Counter(expected)


# --------------------------------------------------------------------------- the pattern file
def test_pattern_metrics_are_in_the_catalogue() -> None:
    assert pattern_metrics() <= metric_codes()


def test_unknown_metric_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    data: dict[str, Any] = dict(load_yaml(prose_patterns.PATTERNS_FILE))
    bogus = {"name": "bogus", "metric": "no.such.metric", "forms": [{"regex": "x{N}"}]}
    data["statements"] = [*data["statements"], bogus]
    monkeypatch.setattr(prose_patterns, "load_yaml", lambda name: data)
    with pytest.raises(PatternError, match=r"no\.such\.metric"):
        prose_patterns.rules.__wrapped__()


def test_template_needs_one_number(monkeypatch: pytest.MonkeyPatch) -> None:
    data: dict[str, Any] = dict(load_yaml(prose_patterns.PATTERNS_FILE))
    bogus = {"name": "bogus", "metric": "apply.received", "forms": [{"regex": "收到申请"}]}
    data["statements"] = [bogus]
    monkeypatch.setattr(prose_patterns, "load_yaml", lambda name: data)
    with pytest.raises(PatternError, match="exactly one"):
        prose_patterns.rules.__wrapped__()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a running total over the years is never this year's figure (Fujian departments)
        (
            "本局到2016年底累计主动公开政府信息262条，其中：本年度新增的主动公开政府信息25条。",
            [("proactive.total", 25.0)],
        ),
        (
            "2013年，本局共受理政府信息公开申请3件；历年累计受理申请19件。",
            [("apply.received", 3.0)],
        ),
        ("2013年度主动公开政府信息356条，历年累计达2656条。", [("proactive.total", 356.0)]),
        # 累计 alone sums this year
        ("全年累计受理政府信息公开申请12件。", [("apply.received", 12.0)]),
    ],
)
def test_cumulative_figures_are_not_this_years(
    text: str, expected: list[tuple[str, float]]
) -> None:
    figures = extract_prose_figures(split_lines(text), new_template=False)
    assert [(f.metric, f.value) for f in figures] == expected
