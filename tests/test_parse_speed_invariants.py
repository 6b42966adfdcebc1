"""The parser's shortcuts change nothing (issue 7: faster, with identical output).

The parse skips work by prefilters derived from the patterns themselves: literals a text must
hold (`literal_needs`), a hint for a number with a unit, the characters a match can start with
(`AnyOf`), lines normalised as one text. Each is tested here against the plain computation it
replaces, on seed text, damaged seed text and text made of the patterns' own words. No test
here measures time: speed is a benchmark's business (benchmarks/PROFILE.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields, replace
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import documents, prose, segment, tables
from pipeline.catalogue import layouts, metrics
from pipeline.model import Figure
from pipeline.segment import segment_document
from pipeline.text import (
    AnyOf,
    Line,
    Value,
    last_match,
    literal_needs,
    meets,
    normalise_line,
    split_lines,
)
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


@cache
def pattern_words() -> tuple[str, ...]:
    """Every literal the prose prefilters look for, and the words around figures."""
    words: set[str] = set()
    for statement in prose.rules().statements:
        for form in statement.forms:
            words |= {literal for condition in form.needs for literal in condition}
        words |= {literal for condition in statement.part_needs for literal in condition}
    for negation in prose.rules().negations:
        words |= {literal for condition in negation.needs for literal in condition}
    return tuple(sorted(words))


_GLUE = (
    *"0123456789一二两三十件条人名次个起场期余多近约,，、;:：。!?“”《》()其中共为有是的了\u3000 ",
    "其中",
    "人次",
    "申请",
    "政府信息公开",
    "行政复议",
    "行政诉讼",
    "没有收到",
    "未发生",
    "区政府",
    "全区",
)


@st.composite
def prose_text(draw: st.DrawFn) -> str:
    """A seed line, damaged, or a run of the patterns' own words, numbers and units."""
    if draw(st.booleans()):
        line = draw(st.sampled_from(seed_lines()))
        for _ in range(draw(st.integers(0, 4))):
            position = draw(st.integers(0, len(line)))
            piece = draw(st.sampled_from(pattern_words() + _GLUE))
            cut = draw(st.integers(0, 3))
            line = line[:position] + piece + line[position + cut :]
        return line
    tokens = st.sampled_from(pattern_words() + _GLUE)
    return "".join(draw(st.lists(tokens, max_size=40)))


# --- prose: the prefilters against the plain reading ---------------------------------------


@cache
def unfiltered_rules() -> prose._Rules:
    """The prose rules with every prefilter turned off: every statement, form, part list and
    negation is tried in every sentence, as before the prefilters existed."""
    rules = prose.rules()
    statements = tuple(
        replace(
            statement,
            number_hint=re.compile(""),
            any_part=None,
            part_needs=(),
            keywords=None,
            forms=tuple(replace(form, needs=()) for form in statement.forms),
        )
        for statement in rules.statements
    )
    negations = tuple(replace(negation, needs=()) for negation in rules.negations)
    return replace(rules, statements=statements, negations=negations, any_number=None)


def read_both(
    monkeypatch: pytest.MonkeyPatch, lines: list[Line], new_template: bool
) -> tuple[list[Figure], list[Figure]]:
    fast = prose.extract_prose_figures(lines, new_template=new_template)
    plain_rules = unfiltered_rules()
    with monkeypatch.context() as patch:
        patch.setattr(prose, "rules", lambda: plain_rules)
        plain = prose.extract_prose_figures(lines, new_template=new_template)
    return fast, plain


@pytest.mark.parametrize("new_template", [False, True])
def test_prefilters_change_no_figure_of_the_seeds(monkeypatch, new_template):
    read = 0
    for path in sorted(RAW_DIR.iterdir()):
        lines = split_lines(path.read_text(encoding="utf-8"))
        fast, plain = read_both(monkeypatch, lines, new_template)
        assert fast == plain, path.name
        read += len(fast)
    assert read > 20  # the seeds do state figures in prose


@SETTINGS
@given(texts=st.lists(prose_text(), min_size=1, max_size=6), new_template=st.booleans())
def test_prefilters_change_no_figure_of_any_text(texts, new_template):
    lines = split_lines("\n".join(texts))
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, plain = read_both(monkeypatch, lines, new_template)
    assert fast == plain


@SETTINGS
@given(text=prose_text())
def test_a_match_always_holds_what_its_prefilter_looks_for(text):
    rules = prose.rules()
    for statement in rules.statements:
        for form in statement.forms:
            if form.regex.search(text):
                assert meets(form.needs, text)
                assert statement.number_hint.search(text)
                assert rules.any_number is not None and rules.any_number.search(text)
                assert statement.keywords is None or statement.keywords.search(text)
        for part in statement.parts:
            for match in part.regex.finditer(text):
                assert meets(statement.part_needs, text)
                assert statement.any_part is not None
                assert statement.any_part.match(text, match.start())
    for negation in rules.negations:
        if negation.regex.search(text) and (
            negation.sentence_requires is None or negation.sentence_requires.search(text)
        ):
            assert meets(negation.needs, text)


def test_the_prefilters_are_derived_and_selective():
    rules = prose.rules()
    assert rules.any_number is not None
    assert all(not s.number_hint.groups for s in rules.statements)  # a hint, not {N} itself
    assert not rules.any_number.search("全区政府信息公开工作稳步推进。")
    assert rules.any_number.search("共办结申请12件")
    assert rules.any_number.search("兼职人员两名")
    received = next(s for s in rules.statements if s.name == "apply_received")
    assert ("申请",) in received.forms[0].needs


@pytest.mark.parametrize(
    ("number", "hint"),
    [
        (r"(?P<value>(?P<num>\d+)(?P<post>余)?(?P<unit>件|条))", r"[\d](?s:.){0,1}[件条]"),
        (r"(?P<value>(?P<num>\d*)(?P<unit>件))", None),  # the number can be empty
        (r"(?P<value>(?P<num>\d+)(?P<unit>件)?)", None),  # the unit can be left out
        (r"(?P<value>(?P<num>\d+).*(?P<unit>件))", None),  # no bound between them
        (r"(?i)(?P<value>(?P<num>\d+)(?P<unit>k))", None),  # a class would lose the folds
    ],
)
def test_number_hint(number, hint):
    found = prose._number_hint(number)
    assert (found.pattern if found else None) == hint


# --- the literal derivation itself --------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("收到(?:了)?申请", (("收到",), ("申请",))),
        ("(?:没有|未)收到", (("收到",), ("未", "没有"))),
        ("上年结转|结转上年", (("上年结转", "结转上年"),)),
        ("a(?:b|c*)d", (("a",), ("d",))),  # a branch with an empty way holds no literal
        ("(?:件数|条数)+", (("件数", "条数"),)),
        ("(?:件|条)+", ()),  # one character of a class: not looked for
        ("x?y{0,3}", ()),
        ("(?i)bet", ()),  # ignoring case, "bet" is not one literal
        ("[^a]b", (("b",),)),
        ("(?<=申)请", (("请",),)),
    ],
)
def test_literal_needs(pattern, expected):
    assert literal_needs(re.compile(pattern)) == expected


@SETTINGS
@given(text=st.text(alphabet="abcd收到未没有申请件条上年结转", max_size=12))
def test_literal_needs_are_held_by_every_match(text):
    for pattern in ("收到(?:了)?申请", "(?:没有|未)收到", "上年结转|结转上年", "(?:件|条)+b"):
        compiled = re.compile(pattern)
        if compiled.search(text):
            assert meets(literal_needs(compiled), text)


# --- AnyOf against any() ------------------------------------------------------------------

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
                "官网",
                "bet",
                "365",
                "casino",
                "字号",
                "字号:",
                "扫码使用手机浏览本页内容",
                "打印本页",
                "关闭窗口",
                "我局",
                "联系电话",
                "注:",
                "元",
                "中",
            )
        ),
        max_size=12,
    ).map("".join),
)
def test_any_of_finds_what_any_pattern_finds(name, text):
    patterns = pattern_sets()[name]
    combined = AnyOf(patterns)
    assert combined.search(text) == any(re.search(p, text) for p in patterns)


def test_any_of_keeps_unicode_case_folding():
    combined = AnyOf(["(?i)bet", "(?i)casino"])
    for text in ("BET", "b\u212aet"[:0] + "bet", "ca\u017fino", "CA\u017fINO", "Casino"):
        assert combined.search(text) == any(re.search(p, text) for p in ["(?i)bet", "(?i)casino"])
    assert combined.search("ca\u017fino")  # the long s folds to s
    assert not combined.search("政府信息公开")


@SETTINGS
@given(text=prose_text(), cut=st.integers(0, 400), which=st.integers(0, 3))
def test_last_match_is_the_last_of_finditer(text, cut, which):
    pattern = [
        prose.rules().scope_subject,
        re.compile(r"(?<![全各])(?:区|县)政府(?!门户|网)"),
        re.compile(r"\d+件|件"),
        re.compile(r"x*"),  # can match the empty string: no shortcut, finditer itself
    ][which]
    endpos = min(cut, len(text))
    expected = list(pattern.finditer(text, 0, endpos))
    found = last_match(pattern, text, endpos)
    if not expected:
        assert found is None
    else:
        assert found is not None
        assert (found.span(), found.groupdict()) == (expected[-1].span(), expected[-1].groupdict())


# --- segmentation: prefilters against the plain patterns ----------------------------------


class _Every:
    """A stand-in for an `AnyOf` that answers like the plain `any()` over its patterns."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = [re.compile(p) for p in patterns]

    def search(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)


@cache
def plain_segment_rules() -> segment._Rules:
    rules = segment._rules()
    chrome = layouts()["chrome"]
    return replace(
        rules,
        chrome=_Every([*chrome["openers"], *chrome["closers"]]),  # type: ignore[arg-type]
        spam_any=_Every(layouts()["spam"]["patterns"]),  # type: ignore[arg-type]
        title_needs=(),
        year_sources=tuple((s, p, ()) for s, p, _ in rules.year_sources),
        region_sources=tuple((s, p, ()) for s, p, _ in rules.region_sources),
    )


@SETTINGS
@given(texts=st.lists(prose_text(), min_size=3, max_size=30))
def test_segmentation_prefilters_change_nothing(texts):
    text = "\n".join(["2019年政府信息公开工作年度报告", *texts, "2020年2月1日"])
    fast = segment_document("x.txt", text)
    plain_rules = plain_segment_rules()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(segment, "_rules", lambda: plain_rules)
        plain = segment_document("x.txt", text)
    assert fast == plain


def test_segmentation_of_the_seeds_is_unchanged_by_prefilters(monkeypatch):
    plain_rules = plain_segment_rules()
    for path in sorted(RAW_DIR.iterdir()):
        text = path.read_text(encoding="utf-8")
        fast = segment_document(path.name, text)
        monkeypatch.setattr(segment, "_rules", lambda: plain_rules)
        plain = segment_document(path.name, text)
        monkeypatch.undo()
        assert fast == plain, path.name
        assert fast


# --- whole-text normalisation, control characters, figures --------------------------------

_AWKWARD = (
    *"ae中\n\r\t |",
    *("\u0301", "\u0308", "\u0345", "\u05b0", "\u0f73", "\u1100", "\u1161", "\u11a8", "\uac00"),
    *("\u3000", "\u00a0", "\u200b", "\ufeff", "\u2212", "\u2028", "\u0085", "\x0c", "\x0b"),
    *("\uff11", "\uff0c", "\ufb01", "\u2460", "\u1e9b\u0323", "\u3131", "\u2000"),
)


@SETTINGS
@given(text=st.lists(st.sampled_from(_AWKWARD), max_size=30).map("".join))
def test_lines_normalised_as_one_text_equal_lines_normalised_one_by_one(text):
    expected = [
        Line(i, raw.rstrip("\r"), normalise_line(raw))
        for i, raw in enumerate(text.split("\n"), start=1)
    ]
    assert split_lines(text) == expected


@SETTINGS
@given(text=st.lists(st.sampled_from(_AWKWARD), max_size=30).map("".join))
def test_normalise_line_matches_its_definition(text):
    # the definition before the space runs were found by a faster regex (no invisible
    # characters in the text, so no `translate` either)
    nfkc = unicodedata.normalize("NFKC", text).replace("\r", "")
    if not any(0x202A <= ord(c) <= 0x206F or c in "\u200b\ufeff\u2212\u00ad" for c in text):
        assert normalise_line(text) == re.sub(r"[ \t\u00a0\u3000]+", " ", nfkc).strip()


@SETTINGS
@given(text=st.text(max_size=60))
def test_control_share_counts_what_the_loop_counted(text):
    head = text[:4096]
    control = sum(1 for ch in head if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    expected = control / len(head) if head else 0.0
    assert documents._control_share(text) == expected


def test_table_figures_are_built_in_the_field_order_of_figure():
    metric = metrics()["apply.new"]
    value = Value(12.0, "number", "approx", "件", " 12余 ", "含补正")
    built = tables._figure(
        metric, "natural_person", value, "本年新收", 7, "requests", "position", "条"
    )
    expected = {
        "metric": "apply.new",
        "dimension": "natural_person",
        "value": 12.0,
        "value_kind": "number",
        "qualifier": "approx",
        "unit": "件",
        "label_raw": "本年新收",
        "value_raw": "12余",
        "source_line": 7,
        "table_kind": "requests",
        "note": "含补正",
        "part_of": None,
        "read_by": "position",
    }
    assert {f.name: getattr(built, f.name) for f in fields(Figure)} == expected
