"""Segmentation and report metadata on hand-made variants of what other sites publish."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.parse import scan_and_parse, scan_file
from pipeline.segment import segment_document
from tests.conftest import RAW_DIR

REALWORLD = Path(__file__).parent / "realworld"

BODY = (
    "一、总体情况\n{year}年,我局认真贯彻落实《条例》。\n"
    "二、主动公开政府信息情况\n本年度主动公开信息10条。\n"
)


@pytest.mark.parametrize(
    ("title", "agency"),
    [
        ("某某县财政局2020年政府信息公开工作年度报告", "某某县财政局"),
        ("2020年某某县财政局政府信息公开工作年度报告", "某某县财政局"),
        ("关于2020年度政府信息公开工作年度报告", None),
        ("2020年政府信息公开工作年度报告", None),
    ],
)
def test_agency_from_title_or_none(title, agency):
    (report,) = segment_document("x.txt", title + "\n" + BODY.format(year=2020))
    assert report.report.report_year == 2020
    assert report.report.year_source == "title"
    assert report.report.agency == agency


def test_signature_above_closing_date_and_publication_year_is_not_report_year():
    text = BODY.format(year=2018) + "某某市某某区司法局\n2019年2月15日\n"
    (report,) = segment_document("x.txt", text)
    assert report.report.report_year == 2018
    assert report.report.agency == "某某市某某区司法局"
    assert report.report.agency_source == "signature"
    assert report.report.published_on == "2019-02-15"


def test_spam_is_never_an_agency_and_flags_the_report():
    text = BODY.format(year=2017) + "bet365亚洲版官网办公室\n2018年1月22日\n"
    (report,) = segment_document("x.txt", text)
    assert report.report.agency is None
    assert report.report.spam_detected


def test_no_year_means_none_not_a_guess():
    text = "一、总体情况\n我局认真贯彻落实《条例》。\n二、其他\n无。\n"
    (report,) = segment_document("x.txt", text)
    assert report.report.report_year is None


def test_year_of_a_basis_clause_is_skipped():
    text = "一、概述\n在2009年基础上,2010年区政府全面开展政府信息公开工作。\n二、其他\n无。\n"
    (report,) = segment_document("x.txt", text)
    assert report.report.report_year == 2010


def test_several_titled_reports_in_one_file_without_page_chrome():
    text = "\n".join(
        f"某某镇人民政府{year}年政府信息公开工作年度报告\n" + BODY.format(year=year)
        for year in (2016, 2015)
    )
    reports = segment_document("x.txt", text)
    assert [r.report.report_year for r in reports] == [2016, 2015]
    assert [r.report.ordinal for r in reports] == [1, 2]
    # line 6 is the blank line between them, part of neither
    assert [(r.report.line_start, r.report.line_end) for r in reports] == [(1, 5), (7, 11)]


def test_page_chrome_splits_reports_and_glued_first_sentence_is_kept():
    text = (
        "字号:\n大 中 小本报告统计期限自2021年1月1日起。\n"
        "一、总体情况\n正文。\n正文。\n扫码使用手机浏览本页内容\n"
    )
    (report,) = segment_document("x.txt", text)
    assert report.report.line_start == 2
    assert report.report.line_end == 5
    assert report.lines[0].text.startswith("本报告")
    assert report.report.report_year == 2021


def test_sections_exclude_table_rows_split_over_two_lines():
    text = (
        "2017年政府信息公开工作年度报告\n一、概述\n正文。\n二、统计表\n"
        "统计指标 | 单位 | 统计数 |\n(三)其他情形数 | 件 | 0 |\n"
        "七、向图书馆、档案馆等查阅场所报送信息数\n| 条 | 0 |\n"
    )
    (report,) = segment_document("x.txt", text)
    assert [(s.number, s.title) for s in report.sections] == [("一", "概述"), ("二", "统计表")]


def test_form_field_agency():
    text = (
        "2017年度政府信息公开工作情况统计表\n"
        "填报单位(盖章):东阳市司法局\n统计指标 | 单位 | 统计数 |\n"
    )
    (report,) = segment_document("x.txt", "2017年,我局工作。\n" + text)
    assert report.report.agency == "东阳市司法局"
    assert report.report.region == "东阳市"


# --- identity from everything a page says (crawls with metadata headers, PDF text) ----------


def test_scraper_metadata_names_year_and_agency_and_is_not_a_report_of_its_own():
    text = (
        "标题: 某某市林业局2020年度政府信息公开工作年度报告\n"
        "发布时间: 2021-01-20 09:10\n文号: \n发布机构: 某某市林业局\n栏目: 政府信息公开年报\n"
        "原始链接: https://example.invalid/a.htm\n正文:\n"
        "某某市林业局2020年度政府信息公开工作年度报告\n" + BODY.format(year=2020)
    )
    (report,) = segment_document("x.txt", text)
    assert (report.report.report_year, report.report.year_source) == (2020, "title")
    assert report.report.agency == "某某市林业局"
    assert report.report.published_on == "2021-01-20"


def test_publisher_field_names_the_agency_when_the_title_does_not():
    text = "标题：2020年度政府信息公开工作年度报告\n发布机构：某某县教育局\n" + BODY.format(
        year=2020
    )
    (report,) = segment_document("x.txt", text)
    assert (report.report.agency, report.report.agency_source) == ("某某县教育局", "metadata")


def test_metadata_as_a_table_row():
    text = (
        "名称 | 某某县发展和改革局2023年政府信息公开年度报告 |\n"
        "发布机构 | 某某县发展和改革局 | 公开日期 | 2024-01-17 |\n" + BODY.format(year=2023)
    )
    (report,) = segment_document("x.txt", text)
    assert report.report.report_year == 2023
    assert report.report.agency == "某某县发展和改革局"


def test_a_source_field_is_the_sites_name_not_the_agency():
    text = "来源：某某县人民政府\n" + BODY.format(year=2020)
    (report,) = segment_document("x.txt", text)
    assert report.report.agency is None


@pytest.mark.parametrize(
    ("head", "year", "agency"),
    [
        ("# 某某县人民政府 2025 年 政府信息公开工作年度报告", 2025, "某某县人民政府"),
        ("2024 年某某市科委政府信息公开工作\n年度报告", 2024, "某某市科委"),
        ("某某综合实验区2021年度政府信息公开工作年度报告", 2021, "某某综合实验区"),
        ("某某市人民政府办公室关于印发某某市2021年政府信息公开工作年度报告", 2021, None),
    ],
)
def test_titles_in_markdown_wrapped_or_naming_a_place(head, year, agency):
    (report,) = segment_document("x.txt", head + "\n" + BODY.format(year=year))
    assert report.report.report_year == year
    assert report.report.agency == agency


def test_the_start_of_a_statistics_period_is_not_the_report_year():
    text = (
        "本报告所列数据的统计期限自2003年1月1日起至2008年12月31日止。\n"
        "一、概述\n本局认真贯彻落实条例。\n二、主动公开政府信息情况\n本年度主动公开信息10条。\n"
    )
    (report,) = segment_document("x.txt", text)
    assert (report.report.report_year, report.report.year_source) == (2008, "statistics_period")


# --- the inventory's scan dates reports as the parse does -----------------------------------

_SCAN_TITLES = (
    "2019年政府信息公开工作年度报告",
    "某某市人民政府办公室2021年政府信息公开工作年度报告",
    "政府信息公开工作年度报告",
    "标题: 2022年度政府信息公开工作报告",
    "发布时间: 2023-01-15",
    "2020年2月1日",
    "",
)


def _scan_corpus() -> list[Path]:
    folders = [RAW_DIR, REALWORLD / "labelled" / "raw", REALWORLD / "unlabelled"]
    return sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def test_the_scan_dates_every_real_page_as_the_parse_does():
    # `scan_file` reads of each report only what dates it; `scan_and_parse` segments it whole.
    # Seeds and real pages of other sites: the same years, report counts and problems.
    paths = _scan_corpus()
    assert len(paths) > 40
    years = set()
    for path in paths:
        data = path.read_bytes()
        scan = scan_file(path.name, data)
        assert scan == scan_and_parse(path.name, data)[0], path.name
        years.update(scan.report_years)
    assert len(years) > 5


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    lines=st.lists(
        st.one_of(
            st.sampled_from(_SCAN_TITLES), st.sampled_from(BODY.format(year=2019).split("\n"))
        ),
        min_size=0,
        max_size=40,
    ),
    year=st.integers(1990, 2040),
)
def test_the_scan_dates_any_document_as_the_parse_does(lines: list[str], year: int):
    text = "\n".join(lines).replace("2019", str(year))
    data = text.encode("utf-8")
    assert scan_file("x.txt", data) == scan_and_parse("x.txt", data)[0]
