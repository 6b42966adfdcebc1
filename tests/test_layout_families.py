"""Golden figures per layout family, read by hand from the real pages in `tests/realworld/`.

Each case is one family of real layout: the values were read off the raw text by a person (not
copied from the parser's output), with what a reader cannot tell listed as absent. A figure
that comes out with another value, or a figure that should stay absent and does not, fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.examine import examine_file

REALWORLD = Path(__file__).parent / "realworld"

# (file, report year, template, agency, {(metric, dimension): (value, read_by)}, absent metrics)
Expected = dict[tuple[str, str], tuple[float | None, str]]
CASES: list[tuple[str, int, str, str | None, Expected, set[str]]] = [
    (
        # one cell per line, runs of equal cells collapsed (`8`, `0`, `8` for 8|0|0|0|0|0|8),
        # scraper metadata (标题: …) before the body; 2021 template
        "unlabelled/putian_cg_2022.txt",
        2022,
        "new_2021",
        "莆田市城市管理局",
        {
            ("apply.new", "natural_person"): (8, "identity"),
            ("apply.new", "commercial"): (0, "identity"),
            ("apply.new", "total"): (8, "identity"),
            ("apply.carried_over", "total"): (0, "identity"),
            ("outcome.granted", "total"): (4, "identity"),
            ("outcome.unable.no_info", "total"): (4, "identity"),
            ("apply.handled", "total"): (8, "identity"),
            ("apply.carried_forward", "total"): (0, "identity"),
            ("art20.normative_docs.issued", "total"): (3, "position"),
            ("art20.normative_docs.repealed", "total"): (15, "position"),
            ("art20.normative_docs.in_force", "total"): (9, "position"),
            ("art20.licensing.decisions", "total"): (81, "label"),
            ("art20.penalty.decisions", "total"): (9, "label"),
            ("art20.fees.amount", "total"): (72.22, "label"),
            # table 4 printed as a single `0`: all fifteen cells are zero
            ("review.total", "total"): (0, "identity"),
            ("litigation_after_review.total", "total"): (0, "identity"),
        },
        # 规章 prints one `0` for three columns: which of them cannot be told
        {"art20.rules.issued", "art20.rules.repealed", "art20.rules.in_force"},
    ),
    (
        # the Fujian old table written one cell per line: 指标名称 | 单位 | 2018 年 | 历年累计
        "unlabelled/putian_cg_2018.txt",
        2018,
        "old_table",
        None,
        {
            ("proactive.total", "total"): (56, "position"),
            ("proactive.total", "cumulative"): (862, "position"),
            ("proactive.channel.website", "total"): (56, "position"),
            ("proactive.channel.gazette", "total"): (0, "collapsed"),
            ("apply.received", "total"): (0, "collapsed"),
            ("apply.answered", "total"): (0, "collapsed"),
            ("answer.other_type", "total"): (0, "collapsed"),
            ("review.total", "total"): (0, "collapsed"),
            ("litigation.total", "total"): (0, "collapsed"),
        },
        # a collapsed `0` is this year's; the cumulative column is not read from it
        {"proactive.channel.gazette@cumulative", "apply.received@cumulative"},
    ),
    (
        # the Fujian old table as pipe rows, with a cumulative column beside this year's
        "labelled/raw/pingtan_2014.txt",
        2014,
        "old_table",
        "平潭综合实验区管委会",
        {
            ("proactive.total", "total"): (2543, "position"),
            ("proactive.total", "cumulative"): (78967, "position"),
            ("apply.received", "total"): (1, "position"),
            ("apply.channel.in_person", "total"): (0, "position"),
            ("apply.answered", "total"): (1, "position"),
            ("answer.granted", "total"): (1, "position"),
            ("answer.denied", "total"): (0, "position"),
            ("review.total", "total"): (0, "position"),
            ("litigation.total", "total"): (0, "position"),
        },
        # prose (1687 by the bureaus, 受理申请121510件 of the service centre) never stands in
        set(),
    ),
    (
        # markdown from a PDF: page footers, a label detached from its value row, table 4's
        # header in loose text lines, article 20 printed as `行政许可 0`
        "labelled/raw/shanghai_gov_office_2025.txt",
        2025,
        "new_2021",
        "上海市人民政府办公厅",
        {
            ("outcome.partial", "total"): (2, "position"),
            ("apply.handled", "total"): (1191, "position"),
            ("apply.carried_forward", "total"): (293, "position"),
            ("review.upheld", "total"): (40, "position"),
            ("review.total", "total"): (55, "position"),
            ("litigation_direct.total", "total"): (12, "position"),
            ("litigation_after_review.pending", "total"): (7, "position"),
            ("litigation_after_review.total", "total"): (22, "position"),
            ("art20.licensing.decisions", "total"): (0, "label"),
            ("art20.coercion.decisions", "total"): (0, "label"),
            ("art20.fees.amount", "total"): (0, "label"),
        },
        # 规章 | 22 | 235 and 行政规范性文件 | 34 | 189 under three columns: not read
        {"art20.rules.issued", "art20.normative_docs.issued", "art20.normative_docs.in_force"},
    ),
    (
        # OCR markdown: one small table per block, generic 数据1…6 headers, a bogus header row
        # inside table 3, table 4 as three blocks of five
        "labelled/raw/shuyang_county_gov_2025.txt",
        2025,
        "new_2021",
        "沐阳县人民政府",
        {
            ("apply.new", "natural_person"): (705, "position"),
            ("apply.new", "total"): (713, "position"),
            ("outcome.other.overdue_fee", "total"): (7, "position"),
            ("apply.handled", "total"): (718, "position"),
            ("review.upheld", "total"): (27, "position"),
            ("review.corrected", "total"): (10, "position"),
            ("review.total", "total"): (61, "position"),
            ("litigation_direct.total", "total"): (3, "position"),
            ("litigation_after_review.other", "total"): (1, "position"),
            ("litigation_after_review.total", "total"): (10, "position"),
            ("art20.penalty.decisions", "total"): (693957, "label"),
            ("art20.fees.amount", "total"): (4068.208, "label"),
        },
        set(),
    ),
    (
        # an HTML page's metadata table (名称 | … | 发布机构 | … | 公开日期 | …) before the body
        "labelled/raw/shuyang_drc_2023.txt",
        2023,
        "new_2021",
        "沭阳县发展和改革局",
        {
            ("apply.new", "natural_person"): (26, "position"),
            # the legal-person columns are printed blank: empty, not zero
            ("apply.new", "commercial"): (None, "position"),
            ("apply.new", "total"): (26, "position"),
            ("apply.handled", "total"): (26, "position"),
            ("apply.carried_forward", "total"): (0, "position"),
        },
        set(),
    ),
]


def _found(relative: str) -> tuple[dict[str, Any], dict[tuple[str, str], list[Any]]]:
    path = REALWORLD / relative
    examination = examine_file(path.name, path.read_bytes())
    [report] = examination.reports.to_dicts()
    figures: dict[tuple[str, str], list[Any]] = {}
    for row in examination.statistics.to_dicts():
        figures.setdefault((row["metric"], row["dimension"]), []).append(row)
    return report, figures


@pytest.mark.parametrize(
    ("relative", "year", "template", "agency", "expected", "absent"),
    CASES,
    ids=[case[0].rsplit("/", 1)[-1] for case in CASES],
)
def test_layout_family(
    relative: str,
    year: int,
    template: str,
    agency: str | None,
    expected: Expected,
    absent: set[str],
) -> None:
    report, figures = _found(relative)
    assert (report["report_year"], report["template"]) == (year, template)
    if agency is not None:
        assert report["agency"] == agency
    for key, (value, read_by) in expected.items():
        rows = figures.get(key, [])
        assert [(r["value"], r["read_by"]) for r in rows] == [(value, read_by)], key
    for name in absent:
        metric, _, dimension = name.partition("@")
        assert (metric, dimension or "total") not in figures, name


def test_no_prose_figure_stands_in_for_a_table() -> None:
    _, figures = _found("labelled/raw/pingtan_2014.txt")
    assert all(row["table_kind"] == "old_table" for rows in figures.values() for row in rows)


def test_a_flat_page_is_a_table_that_could_not_be_read() -> None:
    path = REALWORLD / "labelled/raw/pingtan_2019_flat.txt"
    examination = examine_file(path.name, path.read_bytes())
    assert examination.reports["template"].to_list() == ["new_2019"]
    assert examination.statistics.is_empty()
    assert "table_not_read" in examination.quarantine["reason"].to_list()
