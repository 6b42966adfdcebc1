"""Reconciliation rules: exactly the known breaks of the seeds fail, and corrupting one printed
cell of a correct report makes exactly the rules that read it fail."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
from support.reconcile_reference import as_sorted_rows, reconcile_report_by_report

from pipeline.model import DIMENSIONS, REPORTS_SCHEMA, STATISTICS_SCHEMA
from pipeline.reconcile import (
    KINDS,
    RULES_PATH,
    ReportIdentity,
    load_rules,
    previous_reports,
    reconcile,
)
from tests.support.corpus import parse_corpus
from tools.synth import Parameters, generate_corpus

F000, F001, F002, F003, F004 = (
    "000_1c21803a08480ac6.txt",
    "001_9ee0dcb102ca4a64.txt",
    "002_711b86d480afee15.txt",
    "003_482dbf59b3589eb0.txt",
    "004_21970fde474fde16.txt",
)


def run_rules(raw_dir: Path) -> pl.DataFrame:
    tables = parse_corpus(raw_dir)
    return reconcile(tables["statistics"], tables["prose_figures"], tables["reports"])


def failures(results: pl.DataFrame) -> set[tuple]:
    failing = results.filter(pl.col("status") == "fail")
    return set(failing.select("report_id", "rule", "subject", "dimension").iter_rows())


@pytest.fixture(scope="module")
def seed_results(raw_dir: Path) -> pl.DataFrame:
    return run_rules(raw_dir)


def test_exactly_the_known_breaks_of_the_seeds_fail(seed_results):
    rows = {
        (r["report_id"], r["rule"], r["subject"], r["dimension"]): (r["lhs"], r["rhs"], r["delta"])
        for r in seed_results.filter(pl.col("status") == "fail").iter_rows(named=True)
    }
    assert rows == {
        # 000: prose 合计主动公开信息7条, table (一)主动公开政府信息数 5
        (f"{F000}#1", "prose.equals_table", "proactive.total", "total"): (7.0, 5.0, 2.0),
        # 001: (二)通过不同渠道和方式公开政府信息的情况 33, its channels 33 + 42
        (f"{F001}#1", "old_table.parent_sum", "proactive.by_channel", "total"): (
            33.0,
            75.0,
            -42.0,
        ),
        # 002 2018: 办结 283, its five kinds sum to 394
        (f"{F002}#5", "prose.parts_sum", "apply.completed", "total"): (283.0, 394.0, -111.0),
        # 002 2021 line 144: (六)1 prints 自然人 3 but 总计 1; leaves sum to 342, 总计 says 344
        (f"{F002}#2", "requests.r3_row_total", "outcome.other.overdue_correction", "total"): (
            1.0,
            3.0,
            -2.0,
        ),
        (f"{F002}#2", "requests.r2_outcomes", "apply.handled", "total"): (344.0, 342.0, 2.0),
        # 002 2020: R1 fails for 自然人 and 商业企业 (holds for 总计)
        (f"{F002}#3", "requests.r1_balance", "apply.handled", "natural_person"): (
            296.0,
            294.0,
            2.0,
        ),
        (f"{F002}#3", "requests.r1_balance", "apply.handled", "commercial"): (0.0, 2.0, -2.0),
        # 002 2021 → 2022: normative documents in force 3, then +1 −1, printed 2
        (f"{F002}#1", "cross_year.stock", "art20.normative_docs.in_force", "total"): (
            2.0,
            3.0,
            -1.0,
        ),
        # 002 2019 → 2020: (五) 行政许可, 其他对外管理服务事项 and (六) 行政处罚, 行政强制 print
        # the same figures both years (DOMAIN.md: copied forward); lhs, rhs = the item's sums
        (f"{F002}#3", "inspection.copied_figures", "art20.licensing", "total"): (
            74204.0,
            74204.0,
            0.0,
        ),
        (f"{F002}#3", "inspection.copied_figures", "art20.other_services", "total"): (
            14947.0,
            14947.0,
            0.0,
        ),
        (f"{F002}#3", "inspection.copied_figures", "art20.penalty", "total"): (
            3415.0,
            3415.0,
            0.0,
        ),
        (f"{F002}#3", "inspection.copied_figures", "art20.coercion", "total"): (
            110.0,
            110.0,
            0.0,
        ),
    }


def test_every_other_table_rule_of_tianqiao_2019_to_2022_passes(seed_results):
    table_rules = [
        "requests.r1_balance",
        "requests.r2_outcomes",
        "requests.r3_row_total",
        "review_litigation.group_total",
    ]
    rows = seed_results.filter(
        pl.col("report_id").is_in([f"{F002}#{i}" for i in (1, 2, 3, 4)])
        & pl.col("rule").is_in(table_rules)
    )
    counts = dict(rows.group_by("status").len().iter_rows())
    assert counts == {"pass": counts["pass"], "fail": 4}
    # R1, R2 and R3 for all 7 columns of 4 reports, and the 3 groups of table 4 in each
    assert counts["pass"] >= 4 * 3 + 3 * 7


def test_carry_over_passes_from_2019_to_2022(seed_results):
    carry = seed_results.filter(pl.col("rule") == "cross_year.carry_over")
    pairs = set(carry.select("report_id", "other_report_id").unique().iter_rows())
    assert pairs == {
        (f"{F002}#3", f"{F002}#4"),
        (f"{F002}#2", f"{F002}#3"),
        (f"{F002}#1", f"{F002}#2"),
    }
    assert set(carry["status"]) == {"pass"}
    totals = carry.filter(pl.col("dimension") == "total").sort("report_id", descending=True)
    assert totals["lhs"].to_list() == [10.0, 8.0, 22.0]


def test_no_rule_fails_on_003_or_004(seed_results):
    rows = seed_results.filter(pl.col("report_id").is_in([f"{F003}#1", f"{F004}#1"]))
    assert rows.height > 0
    assert "fail" not in set(rows["status"])


def test_narrower_prose_scope_is_not_a_break(seed_results):
    # 002 2020 line 220: 区政府共收到…申请162件, the table's 全区 total is 287
    row = seed_results.filter(
        (pl.col("report_id") == f"{F002}#3")
        & (pl.col("rule") == "prose.equals_table")
        & (pl.col("subject") == "apply.new")
    )
    assert row["status"].to_list() == ["not_assessable"]
    assert "区政府" in row["detail"][0]


def corrupted(tmp_path: Path, raw_dir: Path, name: str, line: int, old: str, new: str) -> Path:
    """A raw dir holding one seed with one printed cell changed on one line."""
    lines = (raw_dir / name).read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    target = tmp_path / "raw"
    target.mkdir()
    (target / name).write_text("\n".join(lines), encoding="utf-8")
    return target


def test_one_changed_table3_cell_breaks_its_row_and_its_column(tmp_path, raw_dir):
    before = failures(run_rules(raw_dir))
    raw = corrupted(tmp_path, raw_dir, F002, 31, "申请数量 | 323 |", "申请数量 | 324 |")
    after = failures(run_rules(raw))
    assert after - before == {
        (f"{F002}#1", "requests.r3_row_total", "apply.new", "total"),
        (f"{F002}#1", "requests.r1_balance", "apply.handled", "natural_person"),
    }


def test_one_changed_table4_cell_breaks_its_group_only(tmp_path, raw_dir):
    raw = corrupted(
        tmp_path, raw_dir, F004, 57, "0 | 0 | 0 | 0 | 0 | 0 |", "0 | 5 | 0 | 0 | 0 | 0 |"
    )
    assert failures(run_rules(raw)) == {
        # the second value of the line is 行政复议·结果纠正
        (f"{F004}#1", "review_litigation.group_total", "review.total", "total"),
    }


def test_one_changed_old_table_cell_breaks_its_parent_only(tmp_path, raw_dir):
    raw = corrupted(tmp_path, raw_dir, F003, 74, "兼职人员数 | 人 | 2 |", "兼职人员数 | 人 | 3 |")
    assert failures(run_rules(raw)) == {
        (f"{F003}#1", "old_table.parent_sum", "staff.total", "total"),
    }


def test_one_changed_prose_figure_breaks_prose_against_table(tmp_path, raw_dir):
    raw = corrupted(tmp_path, raw_dir, F003, 6, "主动公开信息共288条", "主动公开信息共289条")
    assert failures(run_rules(raw)) == {
        (f"{F003}#1", "prose.equals_table", "proactive.total", "total"),
    }


def test_number_split_in_two_is_named_in_the_detail(tmp_path, raw_dir):
    raw = corrupted(tmp_path, raw_dir, F002, 43, "政府信息 | 197 | 0 |", "政府信息 | 19 | 7 |")
    results = run_rules(raw)
    row = results.filter(
        (pl.col("rule") == "requests.r3_row_total")
        & (pl.col("subject") == "outcome.unable.no_info")
        & (pl.col("report_id") == f"{F002}#1")
    )
    assert row["status"].to_list() == ["fail"]
    assert "one number 197" in row["detail"][0]
    assert "split in two" in row["detail"][0]


def test_empty_operand_is_not_assessable_never_zero(tmp_path, raw_dir):
    raw = corrupted(tmp_path, raw_dir, F003, 74, "兼职人员数 | 人 | 2 |", "兼职人员数 | 人 | |")
    row = run_rules(raw).filter(pl.col("subject") == "staff.total")
    assert row["status"].to_list() == ["not_assessable"]
    assert row["lhs"].to_list() == [None]
    assert "staff.part_time printed as empty" in row["detail"][0]


def test_previous_report_needs_the_same_series_and_place():
    identities = [
        ReportIdentity("a#1", 2022, "file:a", "济南市天桥区"),
        ReportIdentity("a#2", 2021, "file:a", "天桥区"),
        ReportIdentity("b#1", 2021, "file:b", "天桥区"),
        ReportIdentity("c#1", 2022, "file:c", "甲县"),
        ReportIdentity("c#2", 2021, "file:c", "乙县"),
    ]
    assert previous_reports(identities) == {"a#1": "a#2"}


def test_an_outcome_row_not_read_leaves_r2_not_assessable_not_failed(tmp_path, raw_dir):
    # 4.保护第三方合法权益 printed away from its label: the row is quarantined, not read
    raw = corrupted(tmp_path, raw_dir, F002, 38, "4.保护第三方合法权益 | 2 |", "| 2 |")
    results = run_rules(raw).filter(
        (pl.col("report_id") == f"{F002}#1") & (pl.col("rule") == "requests.r2_outcomes")
    )
    assert set(results["status"].to_list()) == {"not_assessable"}
    assert "not read" in results["detail"][0]


# --- rules are data: a rule of an existing kind is a rules.yaml entry only ---------------------


def hand_made(figures: dict[str, dict[str, float]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Statistics and reports of hand-made 2022 reports: report id -> table-3 totals."""
    rows = [
        {
            "report_id": report_id,
            "report_year": 2022,
            "metric": metric,
            "dimension": "total",
            "value": value,
            "value_kind": "number",
            "qualifier": "exact",
            "source_line": line,
            "table_kind": "requests",
        }
        for report_id, printed in figures.items()
        for line, (metric, value) in enumerate(printed.items(), start=10)
    ]
    return figures_frame(rows), hand_made_reports(list(figures))


def figures_frame(rows: list[dict]) -> pl.DataFrame:
    """Rows of the statistics table, the columns not given empty."""
    return pl.DataFrame(rows).select(
        [
            pl.col(name).cast(dtype) if name in rows[0] else pl.lit(None, dtype).alias(name)
            for name, dtype in STATISTICS_SCHEMA.items()
        ]
    )


def hand_made_reports(report_ids: list[str]) -> pl.DataFrame:
    """Reports of 2022, each of its own agency."""
    return pl.DataFrame(
        {
            "report_id": report_ids,
            "report_year": [2022] * len(report_ids),
            "source_file": [f"{report_id}.txt" for report_id in report_ids],
            "agency": [f"机关{i}" for i, _ in enumerate(report_ids)],
            "region": [None] * len(report_ids),
        },
        schema_overrides={name: REPORTS_SCHEMA[name] for name in ("report_year", "region")},
    )


NEW_RULE = """
  - id: requests.new_equals_handled
    scope: report
    kind: balance
    formula: "本年新收 = 办理结果总计 (a rule added in a test)"
    problem_zh: "本年新收 {lhs}，办理结果总计 {rhs}。"
    fix_zh: "核对。"
    subject: apply.new
    dimensions: [total]
    lhs: [apply.new]
    rhs: [apply.handled]
"""


def test_a_rule_of_an_existing_kind_is_yaml_only(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_PATH.read_text(encoding="utf-8") + NEW_RULE, encoding="utf-8")
    statistics, reports = hand_made(
        {
            "ok#1": {"apply.new": 5.0, "apply.handled": 5.0},
            "broken#1": {"apply.new": 5.0, "apply.handled": 7.0},
        }
    )
    prose = statistics.head(0)
    rule = pl.col("rule") == "requests.new_equals_handled"
    assert reconcile(statistics, prose, reports).filter(rule).is_empty()
    results = reconcile(statistics, prose, reports, catalogue=load_rules(path)).filter(rule)
    rows = results.sort("report_id").select(
        "report_id", "subject", "dimension", "status", "lhs", "rhs", "delta", "source_lines"
    )
    assert rows.rows() == [
        ("broken#1", "apply.new", "total", "fail", 5.0, 7.0, -2.0, [10, 11]),
        ("ok#1", "apply.new", "total", "pass", 5.0, 5.0, 0.0, [10, 11]),
    ]


def test_a_rule_of_an_unknown_kind_fails_at_load_time(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        RULES_PATH.read_text(encoding="utf-8")
        + NEW_RULE.replace("kind: balance", "kind: no_such_kind"),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"requests\.new_equals_handled has unknown kind"):
        load_rules(path)


def test_a_rule_in_the_scope_of_another_kind_fails_at_load_time(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        RULES_PATH.read_text(encoding="utf-8")
        + NEW_RULE.replace("scope: report", "scope: agency_years"),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="has scope 'agency_years'"):
        load_rules(path)


def test_every_registered_kind_serves_a_rule_of_the_catalogue():
    assert {rule.kind for rule in load_rules().rules} == set(KINDS)


def test_column_wise_and_report_by_report_rows_together_cover_each_rule_once():
    # a report whose table-3 rows all hold is settled column-wise; one with a break (or an
    # operand row missing) goes to the report-by-report check with every row of it
    columns = DIMENSIONS[:-1]
    clean = {("apply.new", "total"): 6.0, **{("apply.new", c): 1.0 for c in columns}}
    broken = {**clean, ("apply.new", "total"): 7.0}
    rows = [
        {
            "report_id": report_id,
            "report_year": 2022,
            "metric": metric,
            "dimension": dimension,
            "value": value,
            "value_kind": "number",
            "qualifier": "exact",
            "source_line": 10,
            "table_kind": "requests",
        }
        for report_id, printed in (("clean#1", clean), ("broken#1", broken))
        for (metric, dimension), value in printed.items()
    ]
    statistics = figures_frame(rows)
    reports = hand_made_reports(["clean#1", "broken#1"])
    results = reconcile(statistics, statistics.head(0), reports).filter(
        pl.col("rule").is_in(["requests.r3_row_total", "requests.r1_balance"])
        & (pl.col("dimension") == "total")
    )
    assert sorted(results.select("report_id", "rule", "status", "lhs", "rhs").rows()) == [
        ("broken#1", "requests.r1_balance", "not_assessable", None, None),
        ("broken#1", "requests.r3_row_total", "fail", 7.0, 6.0),
        ("clean#1", "requests.r1_balance", "not_assessable", None, None),
        ("clean#1", "requests.r3_row_total", "pass", 6.0, 6.0),
    ]


# --- every kind column-wise: the same rows as report by report ---------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    """A small synthetic corpus with many breaks, every template and several years a series."""
    out = tmp_path_factory.mktemp("synth")
    generate_corpus(120, out, seed=11, params=Parameters(broken_share=0.25), workers=1)
    return parse_corpus(out / "raw")


@pytest.fixture(scope="module")
def seeds(raw_dir: Path) -> dict[str, pl.DataFrame]:
    return parse_corpus(raw_dir)


def evaluated_both_ways(tables: dict[str, pl.DataFrame], **given) -> tuple[list, list]:
    args = (tables["statistics"], tables["prose_figures"], tables["reports"])
    extra = {"sections": tables["sections"], "quarantine": tables["quarantine"], **given}
    return (
        as_sorted_rows(reconcile(*args, **extra)),
        as_sorted_rows(reconcile_report_by_report(*args, **extra)),
    )


def test_every_kind_has_a_column_wise_evaluation():
    assert {name for name, kind in KINDS.items() if kind.frame_check is None} == set()


@pytest.mark.parametrize("corpus", ["seeds", "synthetic"])
def test_column_wise_rows_equal_the_report_by_report_checks(corpus, request):
    tables = request.getfixturevalue(corpus)
    column_wise, report_by_report = evaluated_both_ways(tables)
    assert len(column_wise) > 0
    assert column_wise == report_by_report


def test_column_wise_rows_equal_the_checks_one_year_at_a_time(synthetic):
    # as the stage evaluates them: one year, the year before there for the cross-year rules
    years = sorted(set(synthetic["reports"]["report_year"].to_list()))
    for year in years[-3:]:
        column_wise, report_by_report = evaluated_both_ways(synthetic, years=[year])
        assert column_wise == report_by_report, year
    without_sections = evaluated_both_ways(synthetic, sections=None)
    assert without_sections[0] == without_sections[1]


def test_only_reports_with_a_row_that_is_not_a_plain_pass_reach_the_checks(synthetic, monkeypatch):
    # every kind's check records the reports it is handed: a rule's plain passes are settled
    # column-wise, so a report reaches the check of a rule only when a row of it for that
    # rule is a break, not assessable, or a content or table not found; the timeliness and
    # copied-figures rules never reach it
    checked: dict[str, set[str]] = {}

    def recording(check):
        def record(rule, readings, *earlier):
            checked.setdefault(rule.id, set()).add(readings.report_id)
            return check(rule, readings, *earlier)

        return record

    for name, kind in list(KINDS.items()):
        monkeypatch.setitem(KINDS, name, dataclasses.replace(kind, check=recording(kind.check)))
    tables = synthetic
    results = reconcile(
        tables["statistics"],
        tables["prose_figures"],
        tables["reports"],
        sections=tables["sections"],
        quarantine=tables["quarantine"],
    )
    not_passing = results.filter(pl.col("status") != "pass")
    for rule in load_rules().rules:
        expected = set(not_passing.filter(pl.col("rule") == rule.id)["report_id"].to_list())
        if rule.kind in {"timeliness", "copied_table"}:
            expected = set()  # every outcome of these, failures included, is column-wise
        assert checked.get(rule.id, set()) == expected, rule.id
    # and most rows are settled column-wise
    assert sum(map(len, checked.values())) < results.height / 20


# --- the cross-year and prose kinds: one changed cell, exactly its rules fail ------------------


def test_one_changed_carried_forward_cell_breaks_the_carry_over_into_the_next_year(
    tmp_path, raw_dir
):
    before = failures(run_rules(raw_dir))
    # 2021 (#2) prints 22 carried forward by natural persons; 2022 (#1) carried over 22
    raw = corrupted(tmp_path, raw_dir, F002, 148, "继续办理 | 22 |", "继续办理 | 23 |")
    after = failures(run_rules(raw))
    assert after - before == {
        (f"{F002}#1", "cross_year.carry_over", "apply.carried_over", "natural_person"),
        (f"{F002}#2", "requests.r1_balance", "apply.handled", "natural_person"),
        (f"{F002}#2", "requests.r3_row_total", "apply.carried_forward", "total"),
    }
    # and no break of the file goes away
    assert {row for row in before if row[0].startswith(F002)} <= after


def test_one_changed_issued_cell_breaks_the_stock_of_its_documents(tmp_path, raw_dir):
    before = failures(run_rules(raw_dir))
    # 2022 (#1): 规章 issued 0, repealed 0, in force 0, as in 2021
    raw = corrupted(tmp_path, raw_dir, F002, 15, "规章 | 0 | 0 | 0 |", "规章 | 1 | 0 | 0 |")
    results = run_rules(raw)
    assert failures(results) - before == {
        (f"{F002}#1", "cross_year.stock", "art20.rules.in_force", "total"),
    }
    row = results.filter(
        (pl.col("rule") == "cross_year.stock") & (pl.col("subject") == "art20.rules.in_force")
    ).filter(pl.col("report_id") == f"{F002}#1")
    assert (row["lhs"][0], row["rhs"][0], row["other_report_id"][0]) == (0.0, 1.0, f"{F002}#2")
