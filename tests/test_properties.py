"""Property-based tests: the pure parsers on arbitrary and damaged input.

Real pages arrive truncated, with rows run together, cells split, digits garbled and
full-width characters where the seeds have ASCII. Whatever the input, no exception escapes
the parsers, and every figure they return fits the statistics contract the pipeline blocks
on (`pipeline.frames.StatisticsFrame`): known metric and dimension, a value exactly when the
kind is `number`, no negative count, no key twice.
"""

from __future__ import annotations

from functools import cache

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.extract import extract_document, extract_figures, screen_figures
from pipeline.frames import StatisticsFrame
from pipeline.html import html_to_text, looks_like_html
from pipeline.model import QUALIFIERS, STATISTICS_SCHEMA, VALUE_KINDS, Figure, to_frame
from pipeline.segment import segment_document
from pipeline.stages.columns import in_file_order
from pipeline.text import parse_value, split_lines
from tests.conftest import RAW_DIR

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure reproduces
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies ---------------------------------------------------------------------------


@cache
def seed_reports() -> tuple[tuple[str, ...], ...]:
    """The raw lines of every seed report (19), the unit that mutations damage."""
    reports = []
    for path in sorted(RAW_DIR.iterdir()):
        raw = path.read_text(encoding="utf-8").split("\n")
        for segmented in segment_document(path.name, "\n".join(raw)):
            start, end = segmented.report.line_start, segmented.report.line_end
            reports.append(tuple(raw[start - 1 : end]))
    return tuple(reports)


# Characters that matter to the parsers: cell bars, digits in both widths, brackets,
# separators, dashes, spaces of every kind, zero-width characters, table and prose words.
_WORDS = (
    *"|｜ 0123456789０１２３４５６７８９,，.．()（）:：;；、。-－—/+余件条次人",
    *("\u3000", "\u00a0", "\u200b", "\ufeff", "\t", "\n", "\n", "\n"),
    *("一、", "(一)", "1.", "其中:", "本年新收", "行政复议", "行政诉讼", "第二十条第(五)项"),
    *("统计指标", "收到申请数", "2019年", "2021年", "年度报告", "字号:", "大 中 小"),
)
_ALPHABET = st.sampled_from(_WORDS)
TEXT = st.lists(_ALPHABET, max_size=300).map("".join)

_FULL_WIDTH = "（）：，；｜０１２３４５６７８９　"


@st.composite
def mutated_report(draw: st.DrawFn) -> str:
    """A seed report with lines dropped, duplicated, doubled, joined or swapped, bars deleted
    or inserted, digits replaced or signed, full-width characters inserted, maybe cut short."""
    lines = list(draw(st.sampled_from(seed_reports())))
    for _ in range(draw(st.integers(0, 8))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        operation = draw(
            st.sampled_from(
                (
                    "drop",
                    "duplicate",
                    "double",
                    "join",
                    "swap",
                    "bar-",
                    "bar+",
                    "digit",
                    "sign",
                    "wide",
                    "cut",
                )
            )
        )
        position = draw(st.integers(0, len(line)))
        if operation == "drop":
            del lines[i]
        elif operation == "duplicate":
            lines.insert(i, line)
        elif operation == "double":  # the line printed twice over, on one line
            lines[i] = line + line
        elif operation == "join" and i + 1 < len(lines):  # a lost line break
            lines[i : i + 2] = [line + " " + lines[i + 1]]
        elif operation == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], line
        elif operation == "bar-" and "|" in line:
            bar = [k for k, ch in enumerate(line) if ch == "|"]
            k = bar[draw(st.integers(0, len(bar) - 1))]
            lines[i] = line[:k] + line[k + 1 :]
        elif operation == "bar+":
            lines[i] = line[:position] + "|" + line[position:]
        elif operation == "digit":
            digits = [k for k, ch in enumerate(line) if ch.isdigit()]
            if digits:
                k = digits[draw(st.integers(0, len(digits) - 1))]
                new = draw(st.sampled_from((*"0123456789", "", "-", ",", "１", "1,234")))
                lines[i] = line[:k] + new + line[k + 1 :]
        elif operation == "sign":
            digits = [k for k, ch in enumerate(line) if ch.isdigit()]
            if digits:
                k = digits[draw(st.integers(0, len(digits) - 1))]
                lines[i] = line[:k] + draw(st.sampled_from(["-", "－", "\u2212", "+"])) + line[k:]
        elif operation == "wide":
            lines[i] = line[:position] + draw(st.sampled_from(_FULL_WIDTH)) + line[position:]
        elif operation == "cut":
            lines[i] = line[:position]
            del lines[i + 1 :]
    return "\n".join(lines)


_TAGS = st.sampled_from(
    [
        "p",
        "div",
        "span",
        "br",
        "table",
        "tr",
        "td",
        "th",
        "tbody",
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "article",
        "pre",
        "li",
        "caption",
        "b",
    ]
)


@st.composite
def markup(draw: st.DrawFn) -> str:
    """Tag soup: opening and closing tags with spans, entities and text, often unbalanced."""
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["open", "close", "text", "entity", "comment"]))
        tag = draw(_TAGS)
        if kind == "open":
            attrs = draw(
                st.sampled_from(
                    (
                        "",
                        " colspan=2",
                        " rowspan=3",
                        " rowspan=0",
                        " colspan=1000",
                        ' style="display:none"',
                        " hidden",
                        " colspan=x rowspan=-2",
                    )
                )
            )
            parts.append(f"<{tag}{attrs}>")
        elif kind == "close":
            parts.append(f"</{tag}>")
        elif kind == "text":
            parts.append(draw(TEXT))
        elif kind == "entity":
            parts.append(draw(st.sampled_from(["&nbsp;", "&amp;", "&#12288;", "&#0;", "&bogus;"])))
        else:
            parts.append("<!-- " + draw(TEXT) + " -->")
    return "".join(parts)


# --- the contract ---------------------------------------------------------------------------


def statistics_frame(rows: list[tuple[str, int, Figure]]) -> pl.DataFrame:
    """Figures as statistics rows, the way the statistics stage writes them."""
    columns = {k: v for k, v in STATISTICS_SCHEMA.items() if k not in {"report_id", "report_year"}}
    frame = to_frame([figure for _, _, figure in rows], columns)
    keys = pl.DataFrame(
        [(report_id, year) for report_id, year, _ in rows],
        schema={"report_id": pl.String(), "report_year": pl.Int32()},
        orient="row",
    )
    return pl.concat([keys, frame], how="horizontal").select(list(STATISTICS_SCHEMA))


def check_document(source_file: str, text: str) -> None:
    """Parse a whole document; every figure of every report with a year fits the contract."""
    statistics: list[tuple[str, int, Figure]] = []
    prose: list[tuple[str, int, Figure]] = []
    for segmented, found in extract_document(source_file, text):
        report = segmented.report
        assert report.line_start <= report.line_end
        assert all(report.line_start <= ln.number <= report.line_end for ln in segmented.lines)
        if report.report_year is None:
            continue  # quarantined by the reports stage, never written
        statistics += [(report.report_id, report.report_year, f) for f in found.statistics]
        prose += [(report.report_id, report.report_year, f) for f in found.prose]
    StatisticsFrame.validate(statistics_frame(statistics), lazy=True)
    StatisticsFrame.validate(statistics_frame(prose), lazy=True)


# --- properties -----------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(mutated_report())
def test_damaged_seed_reports_parse_within_the_contract(text):
    check_document("damaged.txt", text)


@PROPERTY_SETTINGS
@given(TEXT)
def test_arbitrary_text_parses_within_the_contract(text):
    check_document("arbitrary.txt", text)


@settings(PROPERTY_SETTINGS, max_examples=300)
@given(st.one_of(TEXT, st.text(max_size=40)))
def test_parse_value_reads_anything_as_printed(raw):
    value = parse_value(raw)
    assert value.raw == raw
    assert value.kind in VALUE_KINDS
    assert value.qualifier in QUALIFIERS
    assert (value.kind == "number") == (value.value is not None)
    if value.kind != "number":
        assert value.unit is None and value.note is None


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(st.one_of(markup(), st.text(max_size=200)))
def test_html_to_text_reads_any_markup(page):
    text = html_to_text(page)
    lines = text.split("\n") if text else []
    assert all(line.strip() for line in lines)  # no blank lines
    looks_like_html(page)


@PROPERTY_SETTINGS
@given(markup())
def test_converted_markup_parses_within_the_contract(page):
    check_document("page.html", html_to_text(page))


# --- regressions: what the properties found -------------------------------------------------
# Each of these broke the blocking statistics contract before `screen_figures`: the pipeline
# would have stopped on a report that printed something odd, instead of quarantining it.

OLD_TABLE = """统计指标 | 单位 | 统计数 |
三、依申请公开情况 | —— | |
(一)收到申请数 | 件 | 5 |
(二)申请办结数 | 件 | -3 |
五、行政诉讼数量 | 件 | 0 |"""


def test_a_negative_count_is_rejected_as_printed():
    found = extract_figures(split_lines(OLD_TABLE), "old_table")
    assert {f.metric: f.value for f in found.statistics} == {
        "apply.received": 5.0,
        "litigation.total": 0.0,
    }
    assert [(r.reason, r.source_line, r.raw) for r in found.rejected] == [
        ("negative_count", 4, "-3")
    ]


def test_a_signed_change_may_be_negative():
    def figure(metric: str, value: float) -> Figure:
        return Figure(
            metric, "total", value, "number", "exact", "项", "行政处罚", str(value), 5, "art20"
        )

    figures = [figure("art20.penalty.change", -89.0), figure("art20.penalty.decisions", -1.0)]
    kept, rejected = screen_figures(figures)
    assert [f.metric for f in kept] == ["art20.penalty.change"]
    assert [r.reason for r in rejected] == ["negative_count"]


def test_a_table_row_printed_twice_on_one_line_keeps_the_first():
    lines = split_lines(
        OLD_TABLE.replace("(一)收到申请数 | 件 | 5 |", "(一)收到申请数 | 件 | 5 | " * 2)
    )
    found = extract_figures(lines, "old_table")
    received = [f for f in found.statistics if f.metric == "apply.received"]
    assert [(f.value, f.source_line) for f in received] == [(5.0, 3)]
    assert ("duplicate_figure", 3) in [(r.reason, r.source_line) for r in found.rejected]


def test_one_metric_stated_twice_in_one_prose_line_keeps_the_first():
    text = (
        "2018年度天桥区政府信息公开工作年度报告\n一、概述\n"
        "2018年,全区共收到政府信息公开申请283件,区政府共收到政府信息公开申请12件。\n"
        "二、其他\n三、问题\n2019年1月1日"
    )
    [(segmented, found)] = extract_document("prose.txt", text)
    assert segmented.report.template == "prose"
    received = [f for f in found.statistics if f.metric == "apply.received"]
    assert [f.value for f in received] == [283.0]
    assert [f.value for f in found.prose if f.metric == "apply.received"] == [283.0]
    assert [(r.reason, r.raw) for r in found.rejected] == [("duplicate_figure", "12件")]
    check_document("prose.txt", text)


def test_a_negation_printed_twice_on_one_line_gives_one_zero():
    sentence = "本年度未发生针对政府信息公开事务的行政复议申请、申诉和行政诉讼。"
    text = f"2013年度政府信息公开工作年度报告\n一、概述\n{sentence * 2}\n二、其他\n三、问题"
    [(_, found)] = extract_document("negation.txt", text)
    zeros = [(f.metric, f.source_line) for f in found.statistics]
    assert len(zeros) == len(set(zeros)) > 0
    assert {r.reason for r in found.rejected} == {"duplicate_figure"}
    check_document("negation.txt", text)


def test_hundreds_of_digits_are_not_a_figure():
    assert parse_value("9" * 400).kind == "text"
    text = f"2018年度政府信息公开工作年度报告\n一、概述\n全年共收到政府信息公开申请{'9' * 400}件。"
    check_document("digits.txt", text)


_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["a.txt", "b.txt", "b.html", "c/d.txt"]),
        st.sampled_from(["", "#1", "#2", "#10"]),
        st.integers(0, 5),
    ),
    max_size=30,
)


@given(_ROWS, st.booleans())
@example([("a.txt", "#2", 0), ("a.txt", "#1", 0)], False)  # one file, ordinals reversed
@example([("b.txt", "", 0), ("a.txt", "", 0)], False)  # files reversed
def test_in_file_order_is_the_stable_sort_by_file_and_ordinal(rows, presorted):
    # A frame already in file order is returned as it is (no sort): that must never differ
    # from the stable sort, whether the rows come sorted (a year parsed whole) or not.
    frame = pl.DataFrame(
        {
            "report_id": [f"{name}{ordinal}" for name, ordinal, _ in rows],
            "line": [line for _, _, line in rows],
        },
        schema={"report_id": pl.String(), "line": pl.Int64()},
    )
    ordinal = pl.col("report_id").str.extract(r"#(\d+)$", 1).cast(pl.Int64).fill_null(0)
    expected = frame.sort(
        [pl.col("report_id").str.replace(r"#(\d+)$", ""), ordinal], maintain_order=True
    )
    given_frame = expected if presorted else frame
    assert in_file_order(given_frame).equals(expected)
