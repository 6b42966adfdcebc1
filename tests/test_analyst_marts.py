"""For analysts: harmonised metrics across 2019, derived rates, the data dictionary, `extract`."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from pipeline import dictionary, harmonised
from pipeline.cli import main
from pipeline.harmonised import (
    HarmonisedCatalogueError,
    harmonised_metrics,
    rate_value,
    rates,
)
from pipeline.reconcile import reconcile
from pipeline.warehouse import SQL_DIR, build_warehouse
from tests.support.corpus import parse_corpus

NEWEST_2022 = "002_711b86d480afee15.txt#1"  # 天桥区 2022, new_2021 template
TIANQIAO_2021 = "002_711b86d480afee15.txt#2"
TIANQIAO_2019 = "002_711b86d480afee15.txt#4"  # new_2019
OLD_2017 = "000_1c21803a08480ac6.txt#1"  # old_table
ALL_ZERO_2022 = "004_21970fde474fde16.txt#1"  # new_2021, every request figure 0


def write_by_year(frame: pl.DataFrame, root: Path) -> None:
    for (year,), part in frame.group_by("report_year"):
        partition = root / f"report_year={year}"
        partition.mkdir(parents=True, exist_ok=True)
        part.drop("report_year").write_parquet(partition / "part-0.parquet")


def build_from_tables(tables: dict[str, pl.DataFrame], root: Path) -> Path:
    """A warehouse built from in-memory parse tables, the way the stages store them."""
    parquet = root / "parquet"
    reconciliation = reconcile(tables["statistics"], tables["prose_figures"], tables["reports"])
    for name in ("reports", "sections", "statistics", "prose_figures"):
        frame = tables[name]
        if name == "sections":
            years = tables["reports"].select("report_id", "report_year")
            frame = frame.join(years, on="report_id")
        write_by_year(frame, parquet / name)
    write_by_year(reconciliation, parquet / "reconciliation")
    db_path = root / "warehouse.duckdb"
    build_warehouse(parquet, db_path)
    return db_path


@pytest.fixture(scope="module")
def seed_tables(raw_dir: Path) -> dict[str, pl.DataFrame]:
    return parse_corpus(raw_dir)


@pytest.fixture(scope="module")
def seed_db(seed_tables: dict[str, pl.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_from_tables(seed_tables, tmp_path_factory.mktemp("analyst"))


def rows(db_path: Path, sql: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        cursor = con.execute(sql, parameters or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def harmonised_row(db_path: Path, report_id: str, metric: str) -> dict[str, Any] | None:
    found = rows(
        db_path,
        "select * from mart_harmonised_metrics where report_id = ? and harmonised_metric = ?",
        [report_id, metric],
    )
    assert len(found) <= 1
    return found[0] if found else None


# ---------------------------------------------------------------- the harmonised catalogue


def test_the_catalogue_covers_what_the_issue_asks_for() -> None:
    codes = set(harmonised_metrics())
    assert {
        "requests_received",
        "requests_granted",
        "requests_partly_granted",
        "requests_refused",
        "requests_unable",
        "reviews",
        "review_corrections",
        "lawsuits",
        "proactive_disclosures",
        "staff",
    } <= codes
    # Every DOMAIN.md pair (old term ≈ new term) is marked approximate.
    pairs = {
        "apply.received": "requests_received",
        "answer.granted": "requests_granted",
        "answer.partial": "requests_partly_granted",
        "answer.denied": "requests_refused",
        "answer.not_exist": "requests_unable",
    }
    for old, code in pairs.items():
        matches = {s.match for s in harmonised_metrics()[code].sources if old in s.metrics}
        assert matches == {"approximate"}, (old, code)
    # A new-template source is exact.
    assert harmonised_metrics()["requests_received"].sources[0].match == "exact"


def test_a_source_naming_an_unknown_metric_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {
        "harmonised": [
            {
                "code": "x",
                "label_zh": "x",
                "english": "x",
                "sources": [{"metrics": ["no.such.metric"], "match": "exact"}],
            }
        ],
        "rates": [],
    }
    monkeypatch.setattr(harmonised, "load_yaml", lambda name: bad)
    harmonised.harmonised_metrics.cache_clear()
    try:
        with pytest.raises(HarmonisedCatalogueError, match=r"no\.such\.metric"):
            harmonised.harmonised_metrics()
    finally:
        harmonised.harmonised_metrics.cache_clear()


def test_rate_value_is_none_not_zero_without_a_denominator() -> None:
    share = rates()["share_granted"]
    granted = {"requests_granted": 3.0, "requests_partly_granted": 1.0}
    assert rate_value(share, {**granted, "requests_handled": 8.0}) == 0.5
    assert rate_value(share, {**granted, "requests_handled": 0.0}) is None
    assert rate_value(share, granted) is None
    assert rate_value(share, {"requests_granted": 3.0, "requests_handled": 8.0}) is None


# ---------------------------------------------------------------- mart_harmonised_metrics


def expected_harmonised(db_path: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    """The mart recomputed in Python from the staged figures and the catalogue."""
    figures: dict[tuple[str, str], dict[str, Any]] = {
        (r["report_id"], r["metric"]): r
        for r in rows(db_path, "select * from stg_statistics__figures where dimension = 'total'")
    }
    templates = {r["report_id"]: r["template"] for r in rows(db_path, "select * from reports")}
    expected: dict[tuple[str, str], tuple[Any, ...]] = {}
    for report_id, template in templates.items():
        for code, metric in harmonised_metrics().items():
            for source in metric.sources:
                if source.templates is not None and template not in source.templates:
                    continue
                parts = [figures.get((report_id, m)) for m in source.metrics]
                if any(part is None for part in parts):
                    continue
                numbers = all(p["value_kind"] == "number" for p in parts if p)
                value = sum(p["value"] for p in parts if p) if numbers else None
                expected[(report_id, code)] = (value, list(source.metrics), source.match)
                break
    return expected


def test_harmonised_mart_follows_the_catalogue_on_every_seed_report(seed_db: Path) -> None:
    expected = expected_harmonised(seed_db)
    actual = {
        (r["report_id"], r["harmonised_metric"]): (r["value"], r["source_metrics"], r["match"])
        for r in rows(seed_db, "select * from mart_harmonised_metrics")
    }
    assert actual == expected
    assert len(actual) > 100


def test_new_template_figures_are_exact_and_group_sums_add_the_printed_leaves(
    seed_db: Path,
) -> None:
    received = harmonised_row(seed_db, NEWEST_2022, "requests_received")
    assert received is not None
    assert (received["value"], received["match"], received["source_metrics"]) == (
        323.0,
        "exact",
        ["apply.new"],
    )
    refused = harmonised_row(seed_db, NEWEST_2022, "requests_refused")
    assert refused is not None and refused["match"] == "exact"
    leaves = rows(
        seed_db,
        "select sum(value) as s, count(*) as n from statistics where report_id = ? "
        "and dimension = 'total' and metric like 'outcome.denied.%'",
        [NEWEST_2022],
    )[0]
    assert leaves["n"] == 8 and refused["value"] == leaves["s"]
    lawsuits = harmonised_row(seed_db, TIANQIAO_2019, "lawsuits")
    assert lawsuits is not None and lawsuits["value"] == 47.0
    assert lawsuits["source_metrics"] == [
        "litigation_direct.total",
        "litigation_after_review.total",
    ]
    assert lawsuits["label_zh"] == "行政诉讼数量" and lawsuits["english"] == "Lawsuits"


def test_old_template_terms_are_approximate(seed_db: Path) -> None:
    received = harmonised_row(seed_db, OLD_2017, "requests_received")
    assert received is not None
    assert (received["source_metrics"], received["match"]) == (["apply.received"], "approximate")
    corrections = harmonised_row(seed_db, OLD_2017, "review_corrections")
    assert corrections is not None and corrections["match"] == "approximate"
    reviews = harmonised_row(seed_db, OLD_2017, "reviews")
    assert reviews is not None and reviews["match"] == "exact"
    # The same catalogue code in a new-template report is exact.
    new_corrections = harmonised_row(seed_db, TIANQIAO_2021, "review_corrections")
    assert new_corrections is not None and new_corrections["match"] == "exact"


def test_a_figure_not_printed_has_no_row(seed_db: Path) -> None:
    # The new template has no staff count.
    assert harmonised_row(seed_db, NEWEST_2022, "staff") is None
    staff = harmonised_row(seed_db, OLD_2017, "staff")
    assert staff is not None and staff["value"] is not None


def test_an_empty_leaf_makes_the_sum_null_not_a_smaller_number(
    seed_tables: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    statistics = seed_tables["statistics"]
    blank = (
        (pl.col("report_id") == NEWEST_2022)
        & (pl.col("metric") == "outcome.denied.state_secret")
        & (pl.col("dimension") == "total")
    )
    assert statistics.filter(blank).height == 1
    statistics = statistics.with_columns(
        value=pl.when(blank).then(None).otherwise(pl.col("value")),
        value_kind=pl.when(blank).then(pl.lit("empty")).otherwise(pl.col("value_kind")),
        value_raw=pl.when(blank).then(pl.lit("")).otherwise(pl.col("value_raw")),
    )
    db_path = build_from_tables({**seed_tables, "statistics": statistics}, tmp_path)
    refused = harmonised_row(db_path, NEWEST_2022, "requests_refused")
    assert refused is not None
    assert refused["value"] is None and refused["value_kind"] == "incomplete"
    wide = rows(db_path, "select * from mart_report_rates where report_id = ?", [NEWEST_2022])
    assert wide[0]["requests_refused"] is None


# ---------------------------------------------------------------- mart_report_rates


def test_rates_follow_the_catalogue_definition_on_every_report(seed_db: Path) -> None:
    reports = rows(seed_db, "select * from mart_report_rates")
    assert len(reports) == 19
    computed = 0
    for report in reports:
        for code, rate in rates().items():
            expected = rate_value(rate, report)
            actual = report[code]
            if expected is None:
                assert actual is None, (report["report_id"], code)
            else:
                computed += 1
                assert actual is not None and math.isclose(actual, expected), (
                    report["report_id"],
                    code,
                )
    assert computed >= 10


def test_a_zero_denominator_gives_null_not_zero(seed_db: Path) -> None:
    (report,) = rows(
        seed_db, "select * from mart_report_rates where report_id = ?", [ALL_ZERO_2022]
    )
    assert report["requests_handled"] == 0.0
    assert report["share_granted"] is None and report["share_unable"] is None
    assert report["review_correction_rate"] is None


def test_share_granted_of_a_seed_report(seed_db: Path) -> None:
    (report,) = rows(seed_db, "select * from mart_report_rates where report_id = ?", [NEWEST_2022])
    assert report["share_granted"] == pytest.approx((69 + 35) / 333)
    assert report["match"] == "exact" and report["is_consistent"] is False
    (old,) = rows(seed_db, "select * from mart_report_rates where report_id = ?", [OLD_2017])
    assert old["match"] == "approximate" and "requests_received" in old["approximate_metrics"]


# ---------------------------------------------------------------- the data dictionary


def test_every_table_and_column_of_the_warehouse_is_described(seed_db: Path) -> None:
    with duckdb.connect(str(seed_db), read_only=True) as con:
        tables = con.execute(
            "select table_name, comment from duckdb_tables() where schema_name = 'main'"
        ).fetchall()
        columns = con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = 'main' and not internal"
        ).fetchall()
    assert len(tables) >= 19
    assert [t for t, comment in tables if not comment] == []
    assert [(t, c) for t, c, comment in columns if not comment] == []
    comment = {(t, c): comment for t, c, comment in columns}
    # Columns named after a metric carry its Chinese label and English name.
    assert "本年新收政府信息公开申请数量" in comment[("mart_applications", "apply_new")]
    assert "New requests received" in comment[("mart_applications", "apply_new")]


def test_an_undescribed_column_is_reported(tmp_path: Path) -> None:
    project = tmp_path / "sql"
    shutil.copytree(SQL_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "models" / "marts" / "mart_zz_new.sql").write_text("select 1 as mystery_column")
    tables = dictionary.empty_warehouse_tables(project)
    assert dictionary.undocumented(tables) == ["mart_zz_new", "mart_zz_new.mystery_column"]


def test_the_dictionary_comes_from_the_dbt_schema_files(tmp_path: Path) -> None:
    project = tmp_path / "sql"
    shutil.copytree(SQL_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    marts = project / "models" / "marts" / "_marts.yml"
    text = marts.read_text(encoding="utf-8")
    assert "Requests received" in text
    marts.write_text(text.replace("Requests received", "Demandes reçues"), encoding="utf-8")
    tables = {t.name: t for t in dictionary.empty_warehouse_tables(project)}
    columns = {c.name: c for c in tables["mart_agency_year"].columns}
    assert columns["requests_received"].description.startswith("Demandes reçues")
    assert "not_null" in {c.name: c for c in tables["mart_applications"].columns}["report_id"].tests
    page = dictionary.render_markdown(list(tables.values()))
    assert "Demandes reçues" in page and "relationships → reports.report_id" in page


def test_the_committed_dictionary_is_up_to_date() -> None:
    committed = dictionary.DEFAULT_OUTPUT.read_text(encoding="utf-8")
    assert committed == dictionary.render_markdown(dictionary.empty_warehouse_tables()), (
        "docs/data_dictionary.md is stale: run `python -m pipeline dictionary`"
    )


def test_the_dictionary_lists_every_metric_in_chinese_and_english() -> None:
    text = dictionary.DEFAULT_OUTPUT.read_text(encoding="utf-8")
    from pipeline.catalogue import metrics

    for metric in metrics().values():
        line = next(line for line in text.splitlines() if line.startswith(f"| `{metric.code}` |"))
        assert metric.english.replace("|", "\\|") in line and metric.label in line


def test_the_dictionary_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "dictionary.md"
    assert main(["dictionary", "--out", str(out)]) == 0
    assert "### mart_harmonised_metrics" in out.read_text(encoding="utf-8")


# ---------------------------------------------------------------- extract FILE


def test_extract_prints_a_table_with_the_failing_rules(
    raw_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    seed = next(raw_dir.glob("002_*"))
    assert main(["extract", str(seed)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n== ") == 15
    assert f"== {TIANQIAO_2021}  2021  new_2021" in out
    # 002 2021 line 144: 自然人 3 but 总计 1 (R3), and the 总计 column fails R2.
    assert "FAIL requests.r3_row_total" in out and "FAIL requests.r2_outcomes" in out
    # Table 3 rows show the applicant columns beside the total.
    assert "予以公开" in out and "/" in out
    assert list(tmp_path.iterdir()) == []  # no warehouse, nothing written


def test_extract_json_holds_what_the_pipeline_stores(
    raw_dir: Path, seed_tables: dict[str, pl.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    seed = next(raw_dir.glob("002_*"))
    assert main(["extract", "--json", str(seed)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["source_file"] == seed.name and payload["encoding"] == "utf-8"
    assert len(payload["reports"]) == 15
    stored = seed_tables["statistics"].filter(pl.col("report_id").str.starts_with(seed.name))
    assert sum(len(r["statistics"]) for r in payload["reports"]) == stored.height
    fails = [
        rule["rule"]
        for report in payload["reports"]
        for rule in report["reconciliation"]
        if rule["status"] == "fail"
    ]
    assert "requests.r1_balance" in fails


def test_extract_of_an_unreadable_file_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    assert main(["extract", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "binary_file" in captured.out and "no report read" in captured.err
    assert main(["extract", str(tmp_path / "missing.txt")]) == 2


# ---------------------------------------------------------------- report


def test_the_report_command_writes_a_page_beside_the_warehouse(
    seed_db: Path, raw_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quality.html"
    assert (
        main(
            [
                "report",
                "--warehouse-dir",
                str(seed_db.parent),
                "--raw-dir",
                str(raw_dir),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and TIANQIAO_2021 in page
    assert str(out) in capsys.readouterr().out
    assert main(["report", "--warehouse-dir", str(tmp_path / "nowhere")]) == 2
