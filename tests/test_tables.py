"""Table parsers on small hand-made tables: each layout, and the ways real tables break."""

from __future__ import annotations

from conftest import seed_text

from pipeline.art20_tables import parse_art20_tables
from pipeline.old_table import parse_old_table
from pipeline.requests_table import parse_requests_table
from pipeline.review_table import parse_review_table
from pipeline.segment import segment_document
from pipeline.text import split_lines


def _figures(result):
    return {(f.metric, f.dimension): (f.value, f.value_kind) for f in result.figures}


OLD_TABLE_FULL_WIDTH = """\
２０１６年度政府信息公开工作情况统计表
统　计　指　标｜单位｜统计数｜
三、依申请公开情况｜——｜｜
（一）收到申请数｜件｜３｜
１．当面申请数｜件｜１｜
２．网络申请数｜件｜２｜
四、行政复议数量｜件｜１｜
（一）维持具体行政行为数｜件｜１｜
六、被举报投诉数量｜件｜０｜
（一）维持具体行政行为数｜件｜／｜
"""


def test_old_table_full_width_and_context_disambiguation():
    result = parse_old_table(split_lines(OLD_TABLE_FULL_WIDTH))
    assert _figures(result) == {
        ("apply.received", "total"): (3.0, "number"),
        ("apply.channel.in_person", "total"): (1.0, "number"),
        ("apply.channel.online", "total"): (2.0, "number"),
        ("review.total", "total"): (1.0, "number"),
        ("review.upheld", "total"): (1.0, "number"),
        ("complaints.total", "total"): (0.0, "number"),
        ("complaints.upheld", "total"): (None, "na"),
    }
    assert result.rejected == []


def test_old_table_row_split_over_two_lines_and_blank_value():
    text = (
        "统计指标 | 单位 | 统计数 |\n"
        "七、向图书馆、档案馆等查阅场所报送信息数\n| 条 | 4 |\n"
        "(一)纸质文件数 | 条 | |\n"
    )
    result = parse_old_table(split_lines(text))
    assert _figures(result) == {
        ("archive.submitted", "total"): (4.0, "number"),
        ("archive.paper", "total"): (None, "empty"),
    }
    submitted = next(f for f in result.figures if f.metric == "archive.submitted")
    assert submitted.source_line == 3  # the line the value is printed on
    assert submitted.unit == "条"


def test_old_table_unknown_label_is_rejected_not_guessed():
    text = "统计指标 | 单位 | 统计数 |\n(一)收到申请数 | 件 | 2 |\n(九)某省自设指标数 | 件 | 5 |\n"
    result = parse_old_table(split_lines(text))
    assert _figures(result) == {("apply.received", "total"): (2.0, "number")}
    assert [r.reason for r in result.rejected] == ["unknown_label"]
    assert result.rejected[0].source_line == 3


def test_old_table_stops_at_form_footer():
    text = "统计指标 | 单位 | 统计数 |\n(一)收到申请数 | 件 | 2 |\n单位负责人:某某 审核人:某某\n"
    result = parse_old_table(split_lines(text))
    assert len(result.figures) == 1
    assert result.rejected == []


REQUESTS_2019 = """\
三、收到和处理政府信息公开申请情况
(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 | ||||||||
自然人 | 法人或其他组织 | 总计 | |||||||
商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 | |||||
一、本年新收政府信息公开申请数量 | 5 | 1 | 0 | 0 | 0 | 0 | 6 | ||
二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | ||
三、本年度办理结果 | (一)予以公开 | 3 | 1 | 0 | 0 | 0 | 0 | 4 | |
(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 1 | 0 | 0 | 0 | 0 | 0 | 1 | ||
(三)不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | |
(六)其他处理 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | ||
(七)总计 | 5 | 1 | 0 | 0 | 0 | 0 | 6 | ||
四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |
"""


def test_requests_table_by_position_with_group_cells():
    result = parse_requests_table(split_lines(REQUESTS_2019))
    figures = _figures(result)
    assert figures[("apply.new", "commercial")] == (1.0, "number")
    assert figures[("apply.new", "total")] == (6.0, "number")
    assert figures[("outcome.granted", "natural_person")] == (3.0, "number")
    assert figures[("outcome.denied.state_secret", "total")] == (0.0, "number")
    assert figures[("outcome.other", "total")] == (1.0, "number")
    assert figures[("apply.handled", "total")] == (6.0, "number")
    assert figures[("apply.carried_forward", "natural_person")] == (1.0, "number")
    assert len(result.figures) == 8 * 7
    assert result.rejected == []


def test_requests_row_with_a_missing_cell_is_quarantined_not_shifted():
    broken = REQUESTS_2019.replace(
        "(七)总计 | 5 | 1 | 0 | 0 | 0 | 0 | 6 | ||", "(七)总计 | 5 | 1 | 0 | 0 | 6 |"
    )
    result = parse_requests_table(split_lines(broken))
    assert ("apply.handled", "total") not in _figures(result)
    assert [r.reason for r in result.rejected] == ["row_shape"]


def test_requests_number_split_in_two_is_not_read():
    broken = REQUESTS_2019.replace(
        "一、本年新收政府信息公开申请数量 | 5 | 1 |", "一、本年新收政府信息公开申请数量 | 5 | 1 2 |"
    )
    result = parse_requests_table(split_lines(broken))
    assert ("apply.new", "total") not in _figures(result)
    assert result.rejected[0].reason == "row_shape"


REVIEW_SPLIT_OVER_LINES = """\
四、政府信息公开行政复议、行政诉讼情况
行政复议 | 行政诉讼 | |||||||||||||
结果维持 | 结果 | 其他 | 尚未 | 总计 | 未经复议直接起诉 | 复议后起诉 | ||||||||
结果 | 结果 | 其他 | 尚未 | 总计 | 结果 | 结果 | 其他 | 尚未 | 总计 | |||||
1 | 2 | 0 | 0 | 3 | 4 | 0 | 0 | 1 |
5 | 0 | 0 | 0 | 0 | 0 |
五、存在的主要问题及改进情况
"""


def test_review_table_values_by_position_across_lines():
    result = parse_review_table(split_lines(REVIEW_SPLIT_OVER_LINES))
    figures = _figures(result)
    assert figures[("review.upheld", "total")] == (1.0, "number")
    assert figures[("review.total", "total")] == (3.0, "number")
    assert figures[("litigation_direct.total", "total")] == (5.0, "number")
    assert figures[("litigation_after_review.total", "total")] == (0.0, "number")
    assert len(result.figures) == 15


def test_review_table_cut_off_is_quarantined():
    cut = REVIEW_SPLIT_OVER_LINES.replace("5 | 0 | 0 | 0 | 0 | 0 |\n", "")
    result = parse_review_table(split_lines(cut))
    assert result.figures == []
    assert result.rejected[0].reason == "table_truncated"


ART20_TRUNCATED = """\
第二十条第(一)项 | ||||
信息内容 | 本年新 | 本年新 | 对外公开 总数量 | |
规章 | 0 | 0 | 0 | |
规范性文件 | 2 | 2 | 9 | |
第二十条第(九)项 | ||||
信息内容 | 采购项目数量 | 采购总金额 | ||
政府集中采购 | 12(次) | 30.5万元 |
三、收到和处理政府信息公开申请情况
"""


def test_art20_truncated_header_uses_remaining_markers_and_inline_units():
    result = parse_art20_tables(split_lines(ART20_TRUNCATED), "new_2019")
    figures = {f.metric: f for f in result.figures}
    assert figures["art20.normative_docs.issued"].value == 2.0
    assert figures["art20.normative_docs.published"].value == 2.0
    assert figures["art20.normative_docs.total_published"].value == 9.0
    assert figures["art20.procurement.projects"].unit == "次"
    assert figures["art20.procurement.amount"].value == 30.5
    assert figures["art20.procurement.amount"].unit == "万元"
    assert result.rejected == []


def test_art20_header_too_truncated_falls_back_to_template_columns():
    text = "第二十条第(一)项 | |||\n信息内容 | 本年 | 本年 | 现行 |\n规章 | 1 | 0 | 4 |\n"
    assert {f.metric for f in parse_art20_tables(split_lines(text), "new_2021").figures} == {
        "art20.rules.issued",
        "art20.rules.repealed",
        "art20.rules.in_force",
    }


def test_requests_table_cut_off_keeps_its_rows_and_says_it_is_cut() -> None:
    name, text = seed_text("004")
    report = next(r for r in segment_document(name, text) if r.report.template != "prose")
    lines = list(report.lines)
    last = max(i for i, ln in enumerate(lines) if "本年新收" in ln.text.replace(" ", ""))
    cut = lines[: last + 4]  # 本年新收, 上年结转 and two rows more, then the page ends
    result = parse_requests_table(cut)
    assert result.figures  # what was read is kept
    assert [r.reason for r in result.rejected] == ["table_truncated"]
    whole = parse_requests_table(lines)
    assert not [r for r in whole.rejected if r.reason == "table_truncated"]


FUJIAN_OLD_TABLE = """指标名称 | 计量单位 | 2013年度 | 历年累计 |
制作、获取的政府信息总数 | 条 | 359 | 2661 |
其中:1.主动公开信息数 | 条 | 356 | 2656 |
2.不予公开数 | 条 | 0 | 6 |
受理政府信息公开申请总数 | 条 | 3 | 19 |
其中:1.当面申请数 | 条 | 0 | 0 |
3不予公开答复数 | 条 | 0 | 6 |
行政复议数 | 件 | 0 |  |
"""


def test_fujian_old_table_keeps_cumulative_apart_and_no_sub_row_under_an_unknown_row():
    result = parse_old_table(split_lines(FUJIAN_OLD_TABLE))
    got = {(f.metric, f.dimension): f.value for f in result.figures}
    assert got[("apply.received", "total")] == 3
    assert got[("apply.received", "cumulative")] == 19
    assert got[("apply.channel.in_person", "total")] == 0
    # a sub-row numbered without its dot still counts under its parent
    assert got[("answer.denied", "total")] == 0
    # a blank cumulative cell is empty, not zero, and never this year's
    assert got[("review.total", "total")] == 0
    assert got[("review.total", "cumulative")] is None
    # 不予公开数 under 制作、获取的政府信息总数 counts withheld information, not refused requests
    lines = {f.source_line for f in result.figures if f.metric == "answer.denied"}
    assert lines == {7}
    assert ("proactive.total", "total") not in got
    reasons = {(r.reason, r.source_line) for r in result.rejected}
    assert {("unknown_label", 2), ("unknown_label", 3), ("unknown_label", 4)} <= reasons


def test_old_table_cut_off_in_mid_row_is_flagged_and_keeps_what_was_read():
    text = "统计指标 | 单位 | 统计数 |\n三、依申请公开情况 | —— | |\n(一)收到申请数 | 件 | 0 |\n1."
    result = parse_old_table(split_lines(text))
    assert [(f.metric, f.value) for f in result.figures] == [("apply.received", 0.0)]
    assert [(r.reason, r.source_line) for r in result.rejected] == [("table_truncated", 4)]
    whole = parse_old_table(split_lines(text.rsplit("\n", 1)[0]))
    assert whole.rejected == []
