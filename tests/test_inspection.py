"""The inspectors' rules (issue 16) on real reports: for each, one report that passes and one
that fails — real pages as published, or a real page with one part cut out."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from pipeline.reconcile import deadline_for, reconcile
from tests.support.corpus import parse_corpus

REALWORLD = Path(__file__).parent / "realworld"
PUTIAN_YJJ_2022 = REALWORLD / "unlabelled" / "putian_yjj_2022.txt"


def evaluate(raw: Path) -> pl.DataFrame:
    tables = parse_corpus(raw)
    return reconcile(
        tables["statistics"],
        tables["prose_figures"],
        tables["reports"],
        sections=tables["sections"],
        quarantine=tables["quarantine"],
    )


def statuses(results: pl.DataFrame, rule: str) -> dict[tuple[str, str], str]:
    rows = results.filter(pl.col("rule") == rule).select("report_id", "subject", "status")
    return {(r, s): status for r, s, status in rows.iter_rows()}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    raw = tmp_path_factory.mktemp("raw")
    for name in (
        "unlabelled/putian_kjj_2009.txt",  # 2009 report published 2010-04-06: late
        "unlabelled/putian_kjj_2014.txt",  # published 2015-01-12
        "labelled/raw/pingtan_2011.txt",  # 2011 report published 2012-04-11: late
        "unlabelled/putian_yjj_2024.txt",  # a city bureau, 2024, published 2025-01-17
        "unlabelled/putian_yjj_2022.txt",
    ):
        shutil.copy(REALWORLD / name, raw)
    return evaluate(raw)


def test_deadlines_follow_the_regulation_of_the_report_year_and_the_agency_kind() -> None:
    assert deadline_for(2018, None, None)[0].isoformat() == "2019-03-31"  # type: ignore[index]
    assert deadline_for(2022, "department", "city")[0].isoformat() == "2023-01-31"  # type: ignore[index]
    assert deadline_for(2022, "government", "county")[0].isoformat() == "2023-03-31"  # type: ignore[index]
    # 2019 on, the deadline follows the kind: unknown kind or a township, no deadline
    assert deadline_for(2022, None, None) is None
    assert deadline_for(2022, "government", "township") is None


def test_timeliness_on_real_reports(real: pl.DataFrame) -> None:
    found = statuses(real, "inspection.timeliness")
    assert found[("putian_kjj_2009.txt#1", "published_on")] == "fail"
    assert found[("pingtan_2011.txt#1", "published_on")] == "fail"
    assert found[("putian_kjj_2014.txt#1", "published_on")] == "pass"
    assert found[("putian_yjj_2024.txt#1", "published_on")] == "pass"
    late = real.filter(
        (pl.col("rule") == "inspection.timeliness")
        & (pl.col("report_id") == "putian_kjj_2009.txt#1")
    ).row(0, named=True)
    assert (late["lhs"], late["rhs"], late["delta"]) == (96.0, 90.0, 6.0)  # 6 days late


def test_timeliness_is_not_assessable_without_a_date(raw_dir: Path) -> None:
    results = evaluate(raw_dir)
    found = statuses(results, "inspection.timeliness")
    assert found[("002_711b86d480afee15.txt#1", "published_on")] == "not_assessable"
    assert found[("003_482dbf59b3589eb0.txt#1", "published_on")] == "pass"


def test_a_complete_real_report_passes_sections_and_tables(real: pl.DataFrame) -> None:
    sections = statuses(real, "inspection.required_sections")
    mine = {s: v for (r, s), v in sections.items() if r == "putian_yjj_2022.txt#1"}
    assert mine == dict.fromkeys(
        ["overall", "proactive", "requests", "review_litigation", "problems", "other"], "pass"
    )
    tables = statuses(real, "inspection.required_tables")
    assert {s: v for (r, s), v in tables.items() if r == "putian_yjj_2022.txt#1"} == {
        "art20": "pass",
        "requests": "pass",
        "review_litigation": "pass",
    }


def _cut(tmp_path: Path, first: int, last: int) -> Path:
    """putian_yjj_2022 with lines first..last (1-based) cut out."""
    lines = PUTIAN_YJJ_2022.read_text(encoding="utf-8").split("\n")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / PUTIAN_YJJ_2022.name).write_text(
        "\n".join(lines[: first - 1] + lines[last:]), encoding="utf-8"
    )
    return raw


def test_a_report_without_its_other_matters_section_fails_exactly_that(tmp_path: Path) -> None:
    results = evaluate(_cut(tmp_path, 195, 204))  # 六、其他需要报告的事项 and its text
    sections = statuses(results, "inspection.required_sections")
    failing = {s for (_r, s), v in sections.items() if v == "fail"}
    assert failing == {"other"}


def test_a_report_without_table_4_fails_the_table_and_its_content(tmp_path: Path) -> None:
    results = evaluate(_cut(tmp_path, 161, 192))  # 四、…行政复议、行政诉讼情况 and table 4
    tables = statuses(results, "inspection.required_tables")
    assert {s for (_r, s), v in tables.items() if v == "fail"} == {"review_litigation"}
    sections = statuses(results, "inspection.required_sections")
    assert {s for (_r, s), v in sections.items() if v == "fail"} == {"review_litigation"}


def test_copied_figures_flag_tianqiao_2020_and_not_2022(raw_dir: Path) -> None:
    results = evaluate(raw_dir)
    found = statuses(results, "inspection.copied_figures")
    copied = {s for (r, s), v in found.items() if v == "fail"}
    assert copied == {"art20.licensing", "art20.other_services", "art20.penalty", "art20.coercion"}
    assert {r for (r, _s), v in found.items() if v == "fail"} == {"002_711b86d480afee15.txt#3"}
    # 2022 against 2021: every group compared, none identical beyond zeros
    assert {v for (r, _s), v in found.items() if r == "002_711b86d480afee15.txt#1"} == {"pass"}


def test_an_all_zero_table_repeated_is_not_flagged(raw_dir: Path) -> None:
    results = evaluate(raw_dir)
    rules_row = results.filter(
        (pl.col("rule") == "inspection.copied_figures")
        & (pl.col("report_id") == "002_711b86d480afee15.txt#3")
        & (pl.col("subject") == "art20.rules")
    ).row(0, named=True)
    assert rules_row["status"] == "pass" and rules_row["lhs"] == 0.0


def test_prose_contradicting_the_table_is_shown_with_both_lines(raw_dir: Path) -> None:
    results = evaluate(raw_dir)
    row = results.filter(
        (pl.col("rule") == "prose.equals_table") & (pl.col("status") == "fail")
    ).row(0, named=True)
    assert (row["report_id"], row["lhs"], row["rhs"]) == ("000_1c21803a08480ac6.txt#1", 7.0, 5.0)
    assert len(row["source_lines"]) == 2  # the sentence and the table row
