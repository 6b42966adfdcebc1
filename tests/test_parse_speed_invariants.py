"""The parser's shortcuts change nothing (issue 7: faster, with identical output).

Every regex shortcut of the parsers lives behind `pipeline.matcher.Matcher`: `search` must
answer as plain `re` does, and `may_match` may only say False where no pattern can match. Both
are tested here against plain `re` on made-up texts, and the whole parse is tested against a
parse where every Matcher answers by plain `re` (no shortcut at all). No test here measures
time: speed is the benchmark's business (benchmarks/README.md, "Speed tricks").
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import documents
from pipeline.catalogue import layouts, load_yaml
from pipeline.matcher import Matcher
from pipeline.model import Figure
from pipeline.parse import parse_file
from pipeline.prose import extract_prose_figures
from pipeline.segment import segment_document
from pipeline.text import Cell, Line, normalise_line, split_lines
from tests.conftest import RAW_DIR

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def seed_lines() -> tuple[str, ...]:
    lines: list[str] = []
    for path in sorted(RAW_DIR.iterdir()):
        lines.extend(path.read_text(encoding="utf-8").split("\n"))
    return tuple(lines)


_WORDS = (
    *"0123456789一二两三十件条人名次个起场期余多近约,，、;:：。!?“”《》()其中共为有是的了无\u3000 ",
    *("其中", "人次", "申请", "收到", "受理", "办结", "答复", "予以公开", "不予公开", "主动公开"),
    *("政府信息公开", "依申请公开", "行政复议", "行政诉讼", "没有收到", "未收到", "未发生"),
    *("专职人员", "兼职人员", "区政府", "全区", "2019年", "12月", "15个工作日", "第1"),
)


@st.composite
def prose_text(draw: st.DrawFn) -> str:
    """A seed line, damaged, or a run of words, numbers and units of the prose patterns."""
    if draw(st.booleans()):
        line = draw(st.sampled_from(seed_lines()))
        for _ in range(draw(st.integers(0, 4))):
            position = draw(st.integers(0, len(line)))
            piece = draw(st.sampled_from(_WORDS))
            cut = draw(st.integers(0, 3))
            line = line[:position] + piece + line[position + cut :]
        return line
    return "".join(draw(st.lists(st.sampled_from(_WORDS), max_size=40)))


@contextmanager
def plain_re() -> Iterator[None]:
    """Every Matcher answering by plain `re`: `search` as `any()`, `may_match` always True."""

    def search(self: Matcher, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Matcher, "search", search)
        patch.setattr(Matcher, "may_match", lambda self, text: True)
        yield


# --- the whole parse against plain re ------------------------------------------------------


def test_shortcuts_change_nothing_in_the_parse_of_the_seeds() -> None:
    files = [(path.name, path.read_bytes()) for path in sorted(RAW_DIR.iterdir())]
    fast = [parse_file(name, data, range(2000, 2100)) for name, data in files]
    with plain_re():
        plain = [parse_file(name, data, range(2000, 2100)) for name, data in files]
    assert fast == plain
    figures = sum(len(year.statistics) for parsed in fast for year in parsed.by_year.values())
    assert figures > 100  # the seeds do hold figures


@SETTINGS
@given(texts=st.lists(prose_text(), min_size=1, max_size=6), new_template=st.booleans())
def test_shortcuts_change_no_figure_of_any_prose(texts: list[str], new_template: bool) -> None:
    lines = split_lines("\n".join(texts))
    fast = extract_prose_figures(lines, new_template=new_template)
    with plain_re():
        plain = extract_prose_figures(lines, new_template=new_template)
    assert fast == plain


@SETTINGS
@given(texts=st.lists(prose_text(), min_size=3, max_size=30))
def test_shortcuts_change_no_segmentation(texts: list[str]) -> None:
    text = "\n".join(["2019年政府信息公开工作年度报告", *texts, "2020年2月1日"])
    fast = segment_document("x.txt", text)
    with plain_re():
        plain = segment_document("x.txt", text)
    assert fast == plain


# --- Matcher.search against any() ---------------------------------------------------------

_FOLDS = ("\u212a", "\u017f", "\u0130", "\u0131", "K", "S", "ß", "ẞ", "Ω", "\u2126")


@cache
def pattern_sets() -> dict[str, list[str]]:
    spec = layouts()
    return {
        "spam": list(spec["spam"]["patterns"]),
        "chrome": [*spec["chrome"]["openers"], *spec["chrome"]["closers"]],
        "not_names": list(spec["agency"]["not_names"]),
        "stops": list(spec["old_table"]["stop"]),
        "mixed": ["(?i)casino", r"\d+元", "^联系", "(?P<x>a)b", "中$", "(?m)^x", r"\bbet\b"],
    }


@SETTINGS
@given(
    name=st.sampled_from(["spam", "chrome", "not_names", "stops", "mixed"]),
    text=st.lists(
        st.sampled_from(
            (
                *"abcdeinostBETCASINO0123 \n|:[]【】",
                *_FOLDS,
                *("官网", "bet", "365", "casino", "字号", "字号:", "扫码使用手机浏览本页内容"),
                *("打印本页", "关闭窗口", "我局", "联系电话", "注:", "元", "中"),
            )
        ),
        max_size=12,
    ).map("".join),
)
def test_search_finds_what_any_pattern_finds(name: str, text: str) -> None:
    patterns = pattern_sets()[name]
    assert Matcher(patterns).search(text) == any(re.search(p, text) for p in patterns)


def test_search_keeps_unicode_case_folding() -> None:
    patterns = ["(?i)bet", "(?i)casino"]
    matcher = Matcher(patterns)
    for text in ("BET", "bet", "ca\u017fino", "CA\u017fINO", "Casino", "政府信息公开"):
        assert matcher.search(text) == any(re.search(p, text) for p in patterns)
    assert matcher.search("ca\u017fino")  # the long s folds to s
    assert not matcher.search("政府信息公开")


# --- Matcher.may_match: never False where a pattern matches --------------------------------


@cache
def prose_pattern_sources() -> tuple[str, ...]:
    """{N} (the number with its unit) and every negation of the prose patterns, as regexes."""
    data = load_yaml("prose_patterns.yaml")
    units = "|".join(map(re.escape, sorted(map(str, data["units"]), key=len, reverse=True)))
    number = str(data["number"]).replace("{UNITS}", units)
    negations = [
        f"(?:{n['neg']})[^,。;:!?\x00]{{0,{int(n['gap'])}}}?(?:{n['target']})"
        for n in data["negations"]
    ]
    return (number, *negations)


_GENERIC = (
    "收到(?:了)?申请",
    "(?:没有|未)收到",
    "上年结转|结转上年",
    "a(?:b|c*)d",
    "(?:件数|条数)+",
    "(?:件|条)+b",
    r"(?P<num>\d+)(?P<post>余)?(?P<unit>件|条)",
    r"(?<![\d.])\d+\s?(?:人次|人)(?!员)",
    r"(?i)\d+k",
    "[^a]b",
    "(?<=申)请",
    "x?y{0,3}",
)


def _blanked(text: str, cuts: list[int]) -> str:
    chars = list(text)
    for cut in cuts:
        if chars:
            chars[cut % len(chars)] = "\x00"
    return "".join(chars)


@SETTINGS
@given(
    text=prose_text(),
    which=st.integers(0, 100),
    cuts=st.lists(st.integers(0, 1000), max_size=4),
    start=st.integers(0, 60),
)
def test_may_match_is_never_false_where_a_pattern_matches(
    text: str, which: int, cuts: list[int], start: int
) -> None:
    sources = (*prose_pattern_sources(), *_GENERIC)
    pattern = sources[which % len(sources)]
    matcher = Matcher([pattern])
    # in the text, in a part of it (a sentence) and with characters blanked out (masking)
    for shown in (text, text[start:], _blanked(text, cuts)):
        if re.search(pattern, shown):
            assert matcher.may_match(text), (pattern, shown)


@SETTINGS
@given(text=st.text(alphabet="abcd收到未没有申请件条上年结转0123人次员k", max_size=12))
def test_may_match_of_a_set_holds_where_one_of_them_matches(text: str) -> None:
    matcher = Matcher(_GENERIC)
    if any(re.search(p, text) for p in _GENERIC):
        assert matcher.may_match(text)


def test_may_match_rules_out_texts_without_what_every_match_holds() -> None:
    number, no_requests, *_ = prose_pattern_sources()
    assert not Matcher([number]).may_match("全区政府信息公开工作稳步推进。")
    assert not Matcher([number]).may_match("2019年12月31日")
    assert Matcher([number]).may_match("共办结申请12件")
    assert Matcher([number]).may_match("兼职人员两名")
    assert not Matcher([no_requests]).may_match("本年度共收到申请12件")
    assert Matcher([no_requests]).may_match("本年度没有收到政府信息公开申请")
    assert not Matcher(["收到(?:了)?申请", "(?:没有|未)收到"]).may_match("办结申请")
    assert Matcher(["x?y{0,3}"]).may_match("")  # matches the empty text: nothing to rule out


# --- normalisation, control characters -----------------------------------------------------

_AWKWARD = (
    *"ae中\n\r\t |",
    *("\u0301", "\u0308", "\u0345", "\u05b0", "\u0f73", "\u1100", "\u1161", "\u11a8", "\uac00"),
    *("\u3000", "\u00a0", "\u200b", "\ufeff", "\u2212", "\u2028", "\u0085", "\x0c", "\x0b"),
    *("\uff11", "\uff0c", "\ufb01", "\u2460", "\u1e9b\u0323", "\u3131", "\u2000"),
)


@SETTINGS
@given(text=st.lists(st.sampled_from(_AWKWARD), max_size=30).map("".join))
def test_normalise_line_matches_its_definition(text: str) -> None:
    # the definition before the space runs were found by a faster regex (no invisible
    # characters in the text, so no `translate` either)
    nfkc = unicodedata.normalize("NFKC", text).replace("\r", "")
    if not any(0x202A <= ord(c) <= 0x206F or c in "\u200b\ufeff\u2212\u00ad" for c in text):
        assert normalise_line(text) == re.sub(r"[ \t\u00a0\u3000]+", " ", nfkc).strip()


@SETTINGS
@given(text=st.text(max_size=60))
def test_control_share_counts_what_the_loop_counted(text: str) -> None:
    head = text[:4096]
    control = sum(1 for ch in head if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    expected = control / len(head) if head else 0.0
    assert documents._control_share(text) == expected


# --- records built without the frozen check (pipeline/readonly.py) ---------------------------

READONLY_RECORDS = (
    Line(3, " 12 ", "12"),
    Cell("12", 3),
    Figure("apply.new", "total", 12.0, "number", "exact", "件", "新收", "12", 3, "requests"),
)


def test_readonly_records_compare_and_hash_by_value_as_frozen_ones_do() -> None:
    for record in READONLY_RECORDS:
        twin = dataclasses.replace(record)
        assert twin == record and twin is not record
        assert hash(twin) == hash(record)
        assert len({record, twin}) == 1
        assert not hasattr(record, "__dict__")  # slotted: no stray attribute can be set
        field = dataclasses.fields(record)[0].name
        other = dataclasses.replace(record, **{field: None})
        assert other != record


def test_the_type_checker_refuses_to_change_a_readonly_record(tmp_path: Path) -> None:
    from mypy import api

    source = tmp_path / "mutates.py"
    source.write_text(
        "from pipeline.model import Figure\n"
        "from pipeline.text import Cell, Line\n"
        "def mutate(figure: Figure, cell: Cell, line: Line) -> None:\n"
        "    figure.value = 0.0\n"
        "    cell.text = ''\n"
        "    line.number = 0\n",
        encoding="utf-8",
    )
    # the project's own mypy cache (`make test` runs mypy first): seconds, not a minute
    stdout, _, status = api.run([str(source), "--follow-imports=silent"])
    assert status == 1, stdout
    assert stdout.count("is read-only") == 3, stdout
