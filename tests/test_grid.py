"""The one table model: every layout's lines become the same rows; collapsed rows read by identity.

Inputs are made here, shaped like the real layouts of `tests/realworld/` (pipe rows, markdown
from PDFs with page footers and detached labels, one cell per line with collapsed runs), so that
each rule of `pipeline/grid.py` is pinned by a case that fails when it breaks.
"""

from __future__ import annotations

import pytest

from pipeline.grid import collapsed_readings, forced_columns, grid_rows, is_lossy
from pipeline.requests_table import parse_requests_table
from pipeline.review_table import parse_review_table
from pipeline.text import split_lines

ROW_TOTAL = ((0, 1, 2, 3, 4, 5), 6)


def _rows(text: str) -> list[tuple[list[str], list[str], bool]]:
    return [
        ([c.text for c in r.labels], [c.text for c in r.values], r.delimited)
        for r in grid_rows(split_lines(text))
    ]


def test_pipe_markdown_and_one_cell_lines_give_the_same_row() -> None:
    pipe = "一、本年新收政府信息公开申请数量 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |"
    markdown = f"| {pipe}\n|---|---|---|---|---|---|---|---|"
    cells = "\n".join(["一、本年新收政府信息公开申请数量", "5", *["0"] * 5, "5"])
    expected = ["一、本年新收政府信息公开申请数量"], ["5", "0", "0", "0", "0", "0", "5"]
    for text in (pipe, markdown, cells):
        [(labels, values, _)] = _rows(text)
        assert (labels, values) == expected


def test_page_footer_and_caption_between_rows_are_not_cells() -> None:
    text = "\n".join(
        [
            "| 3.其他 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
            "— 5 —",
            "## 表三：收到和处理政府信息公开申请情况",
            "| （七）总计 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |",
        ]
    )
    assert [labels for labels, _, _ in _rows(text)] == [["3.其他"], ["(七)总计"]]


def test_detached_label_joins_the_value_row_under_it_only_when_it_names_one_row() -> None:
    one = (
        "（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）\n| 2 | 0 | 0 | 0 | 0 | 0 | 2 |"
    )
    [(labels, values, _)] = _rows(one)
    assert labels == ["(二)部分公开(区分处理的,只计这一情形,不计其他情形)"]
    assert values == ["2", "0", "0", "0", "0", "0", "2"]
    # two numbered labels stand above the values: which one they belong to cannot be told
    two = "5.属于三类内部事务信\n息\n1.本机关不掌握相关政\n府信息\n| 1 | 0 | 0 | 0 | 0 | 0 | 1 |"
    rows = _rows(two)
    assert rows[-1][0] == [] and rows[-1][1] == ["1", "0", "0", "0", "0", "0", "1"]


def test_label_and_value_in_one_line_and_numbering_cut_from_its_group() -> None:
    assert _rows("行政许可 0") == [(["行政许可"], ["0"], False)]
    [(labels, values, _)] = _rows("| 三、 | （一）予以公开 | 9 | 0 | 0 | 0 | 0 | 0 | 9 |")
    assert labels == ["三、", "(一)予以公开"] and values[0] == "9"


def test_blank_cells_keep_their_place_in_a_delimited_row() -> None:
    [(labels, values, delimited)] = _rows("5 |  |  | 2 | 7 | 8 |  |  | 1 | 9 |  |  |  |  |  |")
    assert labels == [] and delimited
    assert values[:5] == ["5", "", "", "2", "7"]


def test_collapsed_readings_hold_only_what_every_reading_agrees_on() -> None:
    # `2 0 2`: 2 | 0 | 0 | 0 | 0 | 0 | 2 is the one reading with 总计 = the sum of the others
    readings = collapsed_readings([2, 0, 2], 7, [ROW_TOTAL])
    assert readings == [(2, 0, 0, 0, 0, 0, 2)]
    # one `0`: all seven cells are zero
    assert forced_columns(collapsed_readings([0], 7, [ROW_TOTAL])) == dict.fromkeys(range(7), 0)
    # one `3`: no reading holds (3 ≠ 6 × 3), nothing is read
    assert collapsed_readings([3], 7, [ROW_TOTAL]) == []
    # `1 2 3`: [1,2,2,2,2,2,3]? 11 ≠ 3; [1,1,1,1,1,2,3]? 7 ≠ 3 ... none holds
    assert collapsed_readings([1, 2, 3], 7, [ROW_TOTAL]) == []


def test_collapsed_readings_never_join_or_split_numbers() -> None:
    # eight tokens for seven columns: a number split over two lines is not joined
    assert collapsed_readings([1, 62, 0, 0, 0, 0, 0, 162], 7, [ROW_TOTAL]) == []


def test_ambiguous_collapse_reads_only_the_forced_columns() -> None:
    # `4 0 4 0 8`: whether the second 4 stands in column 2, 3, 4 or 5 is not forced
    readings = collapsed_readings([4, 0, 4, 0, 8], 7, [ROW_TOTAL])
    assert len(readings) > 1
    forced = forced_columns(readings)
    assert forced[0] == 4 and forced[1] == 0 and forced[6] == 8
    assert 3 not in forced


LOSSY_TABLE3 = "\n".join(
    [
        "一、本年新收政府信息公开申请数量",
        "8",
        "0",
        "8",
        "二、上年结转政府信息公开申请数量",
        "0",
        "三、本年度办理结果",
        "（一）予以公开",
        "4",
        "0",
        "4",
        "（七）总计",
        "8",
        "0",
        "8",
        "四、结转下年度继续办理",
        "0",
    ]
)


def test_lossy_table3_rows_are_read_by_identity() -> None:
    result = parse_requests_table(split_lines(LOSSY_TABLE3))
    got = {(f.metric, f.dimension): (f.value, f.read_by) for f in result.figures}
    assert got[("apply.new", "natural_person")] == (8, "identity")
    assert got[("apply.new", "commercial")] == (0, "identity")
    assert got[("apply.new", "total")] == (8, "identity")
    assert got[("apply.carried_over", "total")] == (0, "identity")
    assert got[("outcome.granted", "total")] == (4, "identity")
    assert got[("apply.carried_forward", "other_org")] == (0, "identity")
    assert not result.rejected


def test_a_short_row_of_a_delimited_table_is_never_read_by_identity() -> None:
    # the same `0` under a markdown table is a stray cell of a broken PDF layout, not a collapse
    text = (
        "| 一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
        "二、上年结转政府信息公开申请数量\n0"
    )
    rows = grid_rows(split_lines(text))
    assert not is_lossy(rows)
    result = parse_requests_table(split_lines(text))
    assert {f.metric for f in result.figures} == {"apply.new"}
    assert any(r.reason == "row_shape" for r in result.rejected)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["0"], dict.fromkeys(range(15), 0.0)),
        (["1", "0", "1", "0"], None),  # several readings and identities: only forced ones
    ],
)
def test_lossy_table4(cells: list[str], expected: dict[int, float] | None) -> None:
    header = ["四、政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼", "结果维持", "总计"]
    result = parse_review_table(
        split_lines("\n".join([*header, *cells, "五、存在的主要问题及改进情况"]))
    )
    values = [f.value for f in result.figures]
    if expected is not None:
        assert values == list(expected.values())
        assert {f.read_by for f in result.figures} == {"identity"}
    else:
        readings = collapsed_readings(
            [1, 0, 1, 0], 15, [((0, 1, 2, 3), 4), ((5, 6, 7, 8), 9), ((10, 11, 12, 13), 14)]
        )
        assert len(result.figures) == len(forced_columns(readings))


def test_table4_heading_repeated_in_a_contents_list_is_passed_over() -> None:
    text = "\n".join(
        [
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况",
            "正文。",
            "四、政府信息公开行政复议、行政诉讼情况",
            "行政复议 | 行政诉讼 |",
            "1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
            "五、存在的主要问题及改进情况",
        ]
    )
    result = parse_review_table(split_lines(text))
    got = {f.metric: f.value for f in result.figures}
    assert got["review.total"] == 1 and got["review.upheld"] == 1
    assert not result.rejected


def test_a_group_label_over_a_detached_value_row_is_not_its_own_figure() -> None:
    text = "\n".join(
        [
            "| 一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
            "（三）不予公开",
            "| 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
            "| 四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        ]
    )
    result = parse_requests_table(split_lines(text))
    assert "outcome.denied" not in {f.metric for f in result.figures}
    assert [r.reason for r in result.rejected] == ["orphan_row"]
