"""Real reports from other sites, read as a user's crawl would be: the scorer and its thresholds.

`tests/realworld/` is a copy of the hand-read development set (public documents; see its
README). The thresholds are what the parser achieves on it, so any change that loses a field,
gets a value wrong, a year wrong or an agency wrong fails here. The fields still missing are
the ones a reader can only get by guessing (see `KNOWN_MISSING`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.cli import main
from tools.score import (
    LabelledScore,
    agency_names,
    judge_agency,
    judge_field,
    score_labelled,
    score_unlabelled,
)

REALWORLD = Path(__file__).parent / "realworld"
EXPECTED = REALWORLD / "labelled" / "expected"
RAW = REALWORLD / "labelled" / "raw"
UNLABELLED = REALWORLD / "unlabelled"

# Fields a parser can only fill by guessing, each for its reason (unknown beats wrong):
KNOWN_MISSING = {
    # 规范性文件 | 34 | 189 under three columns (制发, 废止, 现行有效): which column is empty?
    ("shanghai_gov_office_2025", "rules_issued"),
    # PDF text printed these value rows away from their labels, with two labels above them
    ("shanghai_stcsm_2024", "partial_total"),
    ("shanghai_stcsm_2024", "unable_total"),
    # the 总计 cell of 结转下年度继续办理 is printed empty (the hand-read 1 is computed)
    ("shanghai_stcsm_2024", "carry_forward_total"),
    # the prose states only 兼职人员1人 and no full-time staff: the total is not printed
    ("pingtan_local_tax_2013", "staff_total"),
}


@pytest.fixture(scope="module")
def labelled():
    return score_labelled(EXPECTED, RAW)


def test_no_wrong_value_and_only_the_known_fields_missing(labelled: LabelledScore) -> None:
    wrong = [(slug, f.key, f.expected, f.found, f.lines) for slug, f in labelled.wrong]
    assert wrong == []
    missing = {
        (s.slug, f.key)
        for s in labelled.files
        if s.readable
        for f in s.fields
        if f.status != "right"
    }
    assert missing == KNOWN_MISSING
    assert labelled.share_right >= 0.975


def test_every_year_and_template_right(labelled: LabelledScore) -> None:
    assert labelled.years_right == len(labelled.files)
    # the two flat pages too: their table cells run together, but the table is there
    assert [s.slug for s in labelled.files if s.template_found != s.template_expected] == []


def test_agencies_named_and_never_wrong_but_for_the_ocr_misspelling(
    labelled: LabelledScore,
) -> None:
    wrong = {s.slug: s.agency_found for s in labelled.files if s.agency_status == "wrong"}
    # the OCR text prints 沐阳 for 沭阳 everywhere (title, signature): the name is kept as printed
    assert wrong == {"shuyang_county_gov_2025": "沐阳县人民政府"}
    named = labelled.agencies("right") / len(labelled.files)
    assert named >= 0.9


def test_unlabelled_crawl_every_file_yields_reports_with_years_and_whole_table3() -> None:
    files = sorted(UNLABELLED.glob("*.txt"))
    score = score_unlabelled(files, UNLABELLED)
    assert score.files == 40
    assert score.files_silent == []
    assert score.files_with_report == score.files
    assert score.reports_with_year == score.reports
    assert score.new_template_reports >= 28
    assert score.table3_whole / score.new_template_reports >= 0.95
    for short in ("R1", "R2", "R3"):
        assert score.rules[short]["fail"] == 0


def test_judging_a_group_sum_needs_every_leaf() -> None:
    rows = [
        {"metric": "outcome.unable.no_info", "dimension": "total", "value": 5.0, "source_line": 1},
        {
            "metric": "outcome.unable.needs_creation",
            "dimension": "total",
            "value": 2.0,
            "source_line": 2,
        },
    ]
    partial = judge_field("unable_total", "outcome.unable.%", "total", 7, rows)
    assert partial.status == "missing"
    rows.append(
        {"metric": "outcome.unable.unclear", "dimension": "total", "value": 1.0, "source_line": 3}
    )
    assert judge_field("unable_total", "outcome.unable.%", "total", 8, rows).status == "right"
    assert judge_field("unable_total", "outcome.unable.%", "total", 9, rows).status == "wrong"


def test_two_rows_of_one_metric_are_a_wrong_value_even_when_one_is_right() -> None:
    rows = [
        {"metric": "proactive.total", "dimension": "total", "value": 425.0, "source_line": 13},
        {"metric": "proactive.total", "dimension": "total", "value": 62.0, "source_line": 16},
    ]
    assert judge_field("proactive_total", "proactive.total", "total", 425, rows).status == "wrong"


def test_agency_judge() -> None:
    assert agency_names("上海市科学技术委员会（市科委）") == {"上海市科学技术委员会", "市科委"}
    assert judge_agency("上海市科委", "上海市科学技术委员会（市科委）") == "right"
    assert judge_agency("平潭综合实验区", "平潭综合实验区管委会（福建省）") == "right"
    assert judge_agency(None, "平潭县人民政府（福建省）") == "null"
    assert judge_agency("平潭县人民政府", "平潭综合实验区管委会（福建省）") == "wrong"


def test_score_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--expected", str(EXPECTED), "--raw-dir", str(RAW), "--json"]) == 0
    totals = json.loads(capsys.readouterr().out)
    assert totals["wrong_values"] == 0
    assert totals["fields_expected"] == 208
    assert main(["score", "--unlabelled", str(UNLABELLED)]) == 0
    out = capsys.readouterr().out
    assert "table 3 read whole: 28/28" in out
    assert main(["score", "--expected", str(EXPECTED)]) == 2
