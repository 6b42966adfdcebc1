"""Normalisation of text from sites that do not print like the seeds (DOMAIN.md, "Raw text").

Full-width digits and punctuation, thousands separators, notes inside value cells, words
wrapped by a stray space, ideographic and no-break spaces, zero-width characters. Each case
has its negative: what must not be read as a number stays text, never a wrong figure.
"""

from __future__ import annotations

import pytest

from pipeline.catalogue import match_label
from pipeline.old_table import parse_old_table
from pipeline.requests_table import parse_requests_table
from pipeline.text import cell_stream, compact_label, normalise_line, parse_value, split_lines

# --- thousands separators -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "unit"),
    [
        ("1,234", 1234.0, None),
        ("１，２３４", 1234.0, None),  # full-width digits and comma
        ("1，234", 1234.0, None),
        ("12,345,678", 12345678.0, None),
        ("1,234.5", 1234.5, None),
        ("104,367.118823万元", 104367.118823, "万元"),
        ("１，２３４件", 1234.0, "件"),
        ("+1,234", 1234.0, None),
        ("-1,234", -1234.0, None),
        ("1234", 1234.0, None),
        ("0", 0.0, None),
    ],
)
def test_thousands_separators_are_read(raw, value, unit):
    parsed = parse_value(raw)
    assert (parsed.kind, parsed.value, parsed.unit) == ("number", value, unit)
    assert parsed.raw == raw


def test_thousands_separator_with_approximation():
    parsed = parse_value("1,000余")
    assert (parsed.value, parsed.qualifier) == (1000.0, "approx")


@pytest.mark.parametrize(
    "raw",
    [
        "1,2",  # a decimal comma or a list: not a thousands separator
        "3,4,5",  # a list of numbers
        "３，４，５",
        "12,34",
        "1,2345",  # a group of four digits
        "1,234,5",
        "0,123",  # no number starts with a zero group
        ",123",
        "1,234,",
        "1, 234",  # a separator is never followed by a space
        "1 234",  # nor is a space a separator: "1 2" may be two cells run together
        "1.234.567",
    ],
)
def test_what_only_looks_like_a_thousands_separator_stays_text(raw):
    parsed = parse_value(raw)
    assert (parsed.kind, parsed.value) == ("text", None)


# --- notes inside value cells ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "unit", "note"),
    [
        ("22(其中修订16件)", 22.0, None, "其中修订16件"),
        ("22（其中修订16件）", 22.0, None, "其中修订16件"),  # full-width brackets
        ("22（含新制定5件）", 22.0, None, "含新制定5件"),
        ("22 (含修订)", 22.0, None, "含修订"),  # a bracketed word that is no unit is a note
        ("22件(其中修订16件)", 22.0, "件", "其中修订16件"),
        ("22(件)(其中修订16件)", 22.0, "件", "其中修订16件"),
        ("7710(次)", 7710.0, "次", None),  # a bracketed unit stays a unit
        ("7710（次）", 7710.0, "次", None),
        ("1,234(其中(一)类5件)", 1234.0, None, "其中(一)类5件"),
        ("110余(不完全统计)", 110.0, None, "不完全统计"),
    ],
)
def test_notes_in_cells_are_kept_beside_the_value(raw, value, unit, note):
    parsed = parse_value(raw)
    assert (parsed.kind, parsed.value, parsed.unit, parsed.note) == ("number", value, unit, note)
    assert parsed.raw == raw


@pytest.mark.parametrize(
    "raw",
    [
        "22(其中修订16件",  # unclosed: cut off, not a note
        "(其中修订16件)22",  # the note before the number: a label
        "12345热线(件)",  # a word that is no unit, then brackets: a label
        "22(含修订)(其中5件)",  # two notes
        "22 16",
    ],
)
def test_broken_notes_stay_text(raw):
    parsed = parse_value(raw)
    assert (parsed.kind, parsed.value, parsed.note) == ("text", None, None)


def test_empty_and_dashes_are_not_zero():
    for raw in ("", "\u3000", "\u00a0", "\u200b", "\ufeff "):
        assert parse_value(raw).kind == "empty", repr(raw)
    for raw in ("——", "－", "／", "—"):
        assert parse_value(raw).kind == "na", repr(raw)


# --- spaces and invisible characters --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("社会\u3000稳定", "社会 稳定"),  # ideographic space
        ("社会\u00a0稳定", "社会 稳定"),  # no-break space
        ("社会\u202f\u2002稳定", "社会 稳定"),  # narrow and en spaces, run together
        ("社\u200b会稳定", "社会稳定"),  # zero-width space
        ("\ufeff社会稳定", "社会稳定"),  # a byte-order mark inside text
        ("社\ufeff会\u200d稳\u2060定\u00ad", "社会稳定"),
        ("\u200e(一)\u202a收到申请数\u202c", "(一)收到申请数"),  # direction marks
        ("\u3000\u3000一、总体情况\u3000", "一、总体情况"),  # indented paragraph
        ("本年增/减 \u221232", "本年增/减 -32"),  # minus sign
        ("（一）收到申请数：１２件；", "(一)收到申请数:12件;"),
    ],
)
def test_normalise_line_spaces_and_invisible_characters(raw, text):
    assert normalise_line(raw) == text


@pytest.mark.parametrize(
    "label",
    [
        "危及国家安全、公共安全、经济安全和社 会稳定",
        "危及国家安全、公共安全、经济安全和社\u3000会稳定",
        "危及国家安全、公共安全、经济安全和社\u00a0会稳定",
        "危及国家安全、公共安全、经济安全和社\u200b会稳定",
        "危及国家安全、\ufeff公共安全、经济 安全和社会 稳定",
        "其中: 危及国家安全、公共安全、经济安全和社会稳定",
    ],
)
def test_labels_with_stray_spaces_match_the_catalogue(label):
    cell = compact_label(normalise_line(label))
    metric = match_label(cell, ("old_table",), "request.section")
    assert metric is not None
    assert metric.code == "answer.denied.security_stability"
    # label_key itself ignores every space, so an un-compacted label matches too
    assert match_label(normalise_line(label), ("old_table",), "request.section") == metric


def test_compact_label_keeps_spaces_between_numbers():
    assert compact_label("1 2") == "1 2"
    assert compact_label("社 会 稳 定") == "社会稳定"


# --- provenance: the raw line stays what was printed ----------------------------------------

FULL_WIDTH_OLD_TABLE = "\n".join(
    [
        "统\u3000计\u3000指\u3000标｜单位｜统计数｜",
        "（三）申请答复数｜件｜１，２３４｜",
        "４．不同意公开答复数｜件｜２２（其中涉密１件）｜",
        "其中：危及国家安全、公共安全、经济安全和社\u3000会稳定｜件｜\u200b３｜",
        "七、依申请公开信息收取的费用｜万元｜\u00a0｜",
    ]
)


def test_full_width_old_table_reads_and_points_at_the_printed_line():
    lines = split_lines(FULL_WIDTH_OLD_TABLE)
    result = parse_old_table(lines)
    by_metric = {f.metric: f for f in result.figures}
    assert result.rejected == []
    assert by_metric["apply.answered"].value == 1234.0
    denied = by_metric["answer.denied"]
    assert (denied.value, denied.note) == (22.0, "其中涉密1件")
    assert by_metric["answer.denied.security_stability"].value == 3.0
    fee = by_metric["fees.charged"]  # a no-break space only: empty, not zero
    assert (fee.value_kind, fee.value, fee.unit) == ("empty", None, "万元")
    raw_by_number = {line.number: line.raw for line in lines}
    printed = FULL_WIDTH_OLD_TABLE.split("\n")
    # each figure points at the line it was printed on, and that line is kept as printed
    assert [(f.metric, f.source_line) for f in result.figures] == [
        ("apply.answered", 2),
        ("answer.denied", 3),
        ("answer.denied.security_stability", 4),
        ("fees.charged", 5),
    ]
    for figure in result.figures:
        assert raw_by_number[figure.source_line] == printed[figure.source_line - 1]
    assert "\u3000" in raw_by_number[4] and "\u200b" in raw_by_number[4]


def test_split_lines_keeps_raw_and_normalises_text():
    lines = split_lines("（一）予以公开｜６９｜\r\n\ufeff社 会\u3000稳定")
    assert [(ln.number, ln.raw, ln.text) for ln in lines] == [
        (1, "（一）予以公开｜６９｜", "(一)予以公开|69|"),
        (2, "\ufeff社 会\u3000稳定", "社 会 稳定"),
    ]


def test_table_3_row_with_wrapped_label_and_full_width_values():
    text = "\n".join(
        [
            "一、本年新收政府信息公开申请数量｜１，０２３｜０｜０｜０｜０｜０｜１，０２３｜",
            "三、本年度办理结果｜（三）不予公开｜３．危及“三安全\u3000一稳定”"
            "｜１｜０｜０｜０｜０｜０｜１｜",
            "四、结转下年度继续办理｜２２（含跨年１件）｜０｜０｜０｜０｜０｜２２｜",
        ]
    )
    result = parse_requests_table(split_lines(text))
    assert result.rejected == []
    values = {(f.metric, f.dimension): (f.value, f.note) for f in result.figures}
    assert values[("apply.new", "total")] == (1023.0, None)
    assert values[("outcome.denied.three_safety", "natural_person")] == (1.0, None)
    assert values[("apply.carried_forward", "natural_person")] == (22.0, "含跨年1件")


def test_cell_stream_of_full_width_bars():
    cells = cell_stream(split_lines("（一）收到申请数｜件｜\n０｜"))
    assert [c.text for c in cells] == ["(一)收到申请数", "件", "0"]
