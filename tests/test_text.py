from __future__ import annotations

import pytest

from pipeline.text import cell_stream, compact_label, normalise_line, parse_value, split_lines


@pytest.mark.parametrize(
    ("raw", "value", "kind", "qualifier", "unit"),
    [
        ("5", 5.0, "number", "exact", None),
        ("", None, "empty", "exact", None),
        ("  ", None, "empty", "exact", None),
        ("——", None, "na", "exact", None),
        ("/", None, "na", "exact", None),
        ("110余", 110.0, "number", "approx", None),
        ("7710(次)", 7710.0, "number", "exact", "次"),
        ("7710（次）", 7710.0, "number", "exact", "次"),  # full width, as other sites print it
        ("104367.118823万元", 104367.118823, "number", "exact", "万元"),
        ("+163", 163.0, "number", "exact", None),
        ("-32", -32.0, "number", "exact", None),
        ("1,234", 1234.0, "number", "exact", None),
        ("１２", 12.0, "number", "exact", None),  # full-width digits
        ("1 2", None, "text", "exact", None),  # a number split in two is not read as either
        ("3.其他", None, "text", "exact", None),  # a numbered label is not a number
        ("2.重复申请", None, "text", "exact", None),
    ],
)
def test_parse_value_reads_as_printed(raw, value, kind, qualifier, unit):
    parsed = parse_value(raw)
    assert (parsed.value, parsed.kind, parsed.qualifier, parsed.unit) == (
        value,
        kind,
        qualifier,
        unit,
    )
    assert parsed.raw == raw


def test_note_inside_cell_is_kept_beside_the_number():
    parsed = parse_value("22(其中修订16件)")
    assert parsed.value == 22.0
    assert parsed.note == "其中修订16件"


def test_normalise_full_width_and_ideographic_space():
    assert normalise_line("（一）收到申请数\u3000｜　件　｜ ０ ｜") == "(一)收到申请数 | 件 | 0 |"


def test_compact_label_joins_wrapped_words_only_between_han():
    assert compact_label("危及国家安全、公共安全、经济安全和社 会稳定") == (
        "危及国家安全、公共安全、经济安全和社会稳定"
    )
    assert compact_label("统 计 指 标") == "统计指标"
    assert compact_label("1 2") == "1 2"


@pytest.mark.parametrize(
    "text",
    [
        # one row per line
        "七、报送信息数 | 条 | 0 |",
        # a row split over two lines
        "七、报送信息数\n| 条 | 0 |",
        # one cell per line
        "七、报送信息数 |\n条 |\n0 |",
    ],
)
def test_cell_stream_gives_the_same_row_for_every_layout(text):
    cells = cell_stream(split_lines(text))
    assert [c.text for c in cells] == ["七、报送信息数", "条", "0"]


def test_cell_stream_keeps_empty_cells_and_their_lines():
    cells = cell_stream(split_lines("一、主动公开情况 |\n| |\n(二)渠道 |\n|\n33 |"))
    assert [(c.text, c.line) for c in cells] == [
        ("一、主动公开情况", 1),
        ("", 2),
        ("", 2),
        ("(二)渠道", 3),
        ("", 4),
        ("33", 5),
    ]
