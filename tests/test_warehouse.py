"""The DuckDB warehouse: base tables copied from Parquet, staging models and marts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
import yaml

from pipeline import dictionary
from pipeline.catalogue import metrics
from pipeline.dbt import DbtBuildFailed
from pipeline.model import (
    QUARANTINE_SCHEMA,
    RECONCILIATION_SCHEMA,
    REPORTS_SCHEMA,
    SECTIONS_SCHEMA,
    STATISTICS_SCHEMA,
)
from pipeline.warehouse import SQL_DIR, build_database, build_warehouse, temporary_path

NEW = "r2021"  # a new_2021 report: table 3, table 4 and article-20 rows
OLD = "r2017"  # an old_table report of another agency
PROSE = "r2013"  # a prose report with no known agency
SAME_AGENCY_OLD = "r2017b"  # a second old_table report of the same agency and year as OLD

BASE_TABLES = ("reports", "sections", "statistics", "prose_figures", "quarantine", "metrics")
MARTS = (
    "mart_applications",
    "mart_review_litigation",
    "mart_proactive_disclosure",
    "mart_agency_year",
)
REVIEW_COLUMNS = [
    f"{group}_{outcome}"
    for group in ("review", "litigation_direct", "litigation_after_review")
    for outcome in ("upheld", "corrected", "other", "pending", "total")
]


def report(report_id: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "report_id": report_id,
        "source_file": "002_tianqiao.txt",
        "ordinal": 1,
        "report_year": 2021,
        "year_source": "title",
        "agency": "天桥区人民政府",
        "agency_source": "title",
        "region": "济南市天桥区",
        "template": "new_2021",
        "published_on": dt.date(2022, 1, 20),
        "title": None,
        "line_start": 1,
        "line_end": 60,
        "spam_detected": False,
    }
    row.update(fields)
    return row


def figure(
    report_id: str,
    year: int,
    metric: str,
    value: float | None,
    table_kind: str,
    dimension: str = "total",
    line: int = 1,
    qualifier: str = "exact",
) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "report_year": year,
        "metric": metric,
        "dimension": dimension,
        "value": value,
        "value_kind": "empty" if value is None else "number",
        "qualifier": qualifier,
        "unit": "件",
        "label_raw": metric,
        "value_raw": "" if value is None else f"{value:g}",
        "source_line": line,
        "table_kind": table_kind,
        "note": None,
        "part_of": None,
    }


def new_report_figures() -> list[dict[str, Any]]:
    requests = {
        "apply.new": 333.0,
        "apply.carried_over": None,  # printed empty: must stay NULL, not 0
        "apply.handled": 344.0,
        "apply.carried_forward": 12.0,
        "outcome.granted": 69.0,
        "outcome.partial": 4.0,
        "outcome.denied.state_secret": 0.0,
        "outcome.denied.law_forbidden": None,  # one empty leaf: the group's sum is NULL
        "outcome.denied.three_safety": 0.0,
        "outcome.denied.third_party": 1.0,
        "outcome.denied.internal_affairs": 0.0,
        "outcome.denied.process_info": 2.0,
        "outcome.denied.enforcement_file": 0.0,
        "outcome.denied.query_matter": 0.0,
        "outcome.unable.no_info": 5.0,
        "outcome.unable.needs_creation": 1.0,
        "outcome.unable.unclear": 0.0,
        "outcome.not_processed.petition": 2.0,
        "outcome.not_processed.duplicate": 3.0,
        "outcome.not_processed.publication": 0.0,
        "outcome.not_processed.mass_repeat": 0.0,
        # outcome.not_processed.confirm_reissue not printed: the group's sum is NULL
        "outcome.other.overdue_correction": 1.0,
        "outcome.other.overdue_fee": 0.0,
        "outcome.other.other": 7.0,
    }
    rows = [
        figure(NEW, 2021, metric, value, "requests", line=100 + i)
        for i, (metric, value) in enumerate(requests.items())
    ]
    # Another applicant column must not leak into the totals; larger than the total on purpose,
    # so that a leak shows whichever way the marts pick one value.
    rows.append(figure(NEW, 2021, "apply.new", 3333.0, "requests", "natural_person", line=100))
    review = [1.0, 0.0, 0.0, 1.0, 2.0, 3.0, 1.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    rows += [
        figure(NEW, 2021, review_metric(column), value, "review_litigation", line=150)
        for column, value in zip(REVIEW_COLUMNS, review, strict=True)
    ]
    rows += [
        figure(NEW, 2021, "art20.normative_docs.issued", 1.0, "art20", line=30),
        figure(NEW, 2021, "art20.fees.amount", 12.5, "art20", line=40),
    ]
    return rows


def review_metric(column: str) -> str:
    group, outcome = column.rsplit("_", 1)
    return f"{group}.{outcome}"


def old_report_figures(report_id: str, received: float | None) -> list[dict[str, Any]]:
    return [
        figure(report_id, 2017, "apply.received", received, "old_table", line=20),
        figure(report_id, 2017, "apply.completed", 5.0, "old_table", line=21),
        figure(report_id, 2017, "answer.granted", 3.0, "old_table", line=22),
        figure(report_id, 2017, "review.total", 0.0, "old_table", line=30),
        figure(report_id, 2017, "litigation.total", 1.0, "old_table", line=31),
        figure(report_id, 2017, "proactive.total", 7.0, "old_table", line=5),
    ]


def write_inputs(parquet_dir: Path, *, old_received: float | None = 5.0) -> None:
    """Three reports of two agencies plus one without an agency, as the earlier stages write."""
    parquet_dir.mkdir(parents=True, exist_ok=True)
    reports = [
        report(NEW),
        report(
            OLD,
            source_file="003_dongyang.txt",
            report_year=2017,
            agency="东阳市司法局",
            region="东阳市",
            template="old_table",
            published_on=dt.date(2018, 3, 1),
        ),
        report(
            SAME_AGENCY_OLD,
            source_file="003_dongyang.txt",
            ordinal=2,
            report_year=2017,
            agency="东阳市司法局",
            region="东阳市",
            template="old_table",
        ),
        report(
            PROSE,
            source_file="004_sanmen.txt",
            report_year=2013,
            agency=None,
            agency_source=None,
            region=None,
            template="prose",
        ),
    ]
    write_by_year(pl.DataFrame(reports, schema=REPORTS_SCHEMA), parquet_dir / "reports")
    pl.DataFrame(
        [
            {
                "report_id": NEW,
                "ordinal": 1,
                "number": "一",
                "title": "总体情况",
                "line_start": 2,
                "line_end": 9,
            }
        ],
        schema=SECTIONS_SCHEMA,
    ).with_columns(pl.lit(2021, dtype=pl.Int32).alias("report_year")).pipe(
        write_by_year, parquet_dir / "sections"
    )

    by_year = {
        2021: new_report_figures(),
        2017: old_report_figures(OLD, old_received) + old_report_figures(SAME_AGENCY_OLD, 6.0),
        2013: [
            figure(PROSE, 2013, "apply.completed", 283.0, "prose", line=12),
            figure(PROSE, 2013, "answer.granted", 110.0, "prose", line=12),
            figure(PROSE, 2013, "proactive.total", 6303.0, "prose", line=8),
            figure(PROSE, 2013, "review.total", 52.0, "prose", line=14, qualifier="approx"),
        ],
    }
    for year, rows in by_year.items():
        partition = parquet_dir / "statistics" / f"report_year={year}"
        partition.mkdir(parents=True, exist_ok=True)
        pl.DataFrame(rows, schema=STATISTICS_SCHEMA).write_parquet(partition / "part-0.parquet")

    # The prose repeat of a table figure disagrees with the table: the marts read the table.
    write_by_year(
        pl.DataFrame(
            [figure(NEW, 2021, "apply.new", 999.0, "prose", line=8)], schema=STATISTICS_SCHEMA
        ),
        parquet_dir / "prose_figures",
    )
    pl.DataFrame(
        [
            {
                "source_file": "003_dongyang.txt",
                "report_id": OLD,
                "stage": "tables",
                "reason": "unknown_label",
                "message": "no metric for label",
                "source_line": 40,
                "raw": "| 政务客户端 | 个 | 1 |",
            }
        ],
        schema=QUARANTINE_SCHEMA,
    ).write_parquet(parquet_dir / "quarantine.parquet")


def write_by_year(frame: pl.DataFrame, root: Path) -> None:
    """A table as the stages store it: one `report_year=YYYY/` directory per year."""
    for (year,), part in frame.group_by("report_year"):
        partition = root / f"report_year={year}"
        partition.mkdir(parents=True, exist_ok=True)
        part.drop("report_year").write_parquet(partition / "part-0.parquet")


def query(db_path: Path, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def row_dict(db_path: Path, table: str, report_id: str) -> dict[str, Any]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        cursor = con.execute(f"select * from {table} where report_id = ?", [report_id])
        rows = cursor.fetchall()
        assert len(rows) == 1, f"{table} has {len(rows)} rows for {report_id}"
        return dict(zip([d[0] for d in cursor.description], rows[0], strict=True))


def columns(db_path: Path, table: str) -> list[str]:
    return [row[0] for row in query(db_path, f"describe {table}")]


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    db_path = tmp_path / "warehouse" / "reports.duckdb"
    counts = build_warehouse(parquet_dir, db_path)
    return db_path, counts


def test_row_counts_per_table(built: tuple[Path, dict[str, int]]) -> None:
    db_path, counts = built
    statistics_rows = len(new_report_figures()) + 12 + 4
    assert counts["reports"] == 4
    assert counts["sections"] == 1
    assert counts["statistics"] == statistics_rows
    assert counts["prose_figures"] == 1
    assert counts["quarantine"] == 1
    assert counts["metrics"] == len(metrics())
    assert counts["mart_applications"] == 4
    assert counts["mart_review_litigation"] == 4
    assert counts["mart_proactive_disclosure"] == 4
    # 天桥区 2021, 东阳市司法局 2017 (two reports), and the agency-less prose report.
    assert counts["mart_agency_year"] == 3
    for table, count in counts.items():
        assert query(db_path, f"select count(*) from {table}") == [(count,)]


def test_public_columns_come_first(built: tuple[Path, dict[str, int]]) -> None:
    db_path, _ = built
    assert columns(db_path, "reports")[:10] == [
        "report_id",
        "source_file",
        "ordinal",
        "report_year",
        "agency",
        "region",
        "template",
        "published_on",
        "line_start",
        "line_end",
    ]
    assert columns(db_path, "statistics") == [
        "report_id",
        "report_year",
        "metric",
        "dimension",
        "value",
        "value_kind",
        "qualifier",
        "unit",
        "label_raw",
        "source_line",
        "value_raw",
        "table_kind",
        "note",
        "part_of",
        "read_by",
    ]
    assert set(columns(db_path, "metrics")) >= {
        "code",
        "label",
        "english",
        "unit",
        "templates",
        "table_name",
        "parent",
        "harmonised",
        "harmonised_match",
    }


def test_statistics_year_comes_from_the_partition_once_as_integer(
    built: tuple[Path, dict[str, int]],
) -> None:
    db_path, _ = built
    described = {row[0]: row[1] for row in query(db_path, "describe statistics")}
    assert [name for name in described if name.startswith("report_year")] == ["report_year"]
    assert described["report_year"] == "INTEGER"
    assert query(
        db_path, "select report_year, count(*) from statistics group by all order by 1"
    ) == [(2013, 4), (2017, 12), (2021, len(new_report_figures()))]


def test_partition_files_without_the_year_column_still_get_it(tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    partition = parquet_dir / "statistics" / "report_year=2020"
    partition.mkdir(parents=True)
    pl.DataFrame([figure(NEW, 2020, "apply.new", 1.0, "requests")], schema=STATISTICS_SCHEMA).drop(
        "report_year"
    ).write_parquet(partition / "part-0.parquet")
    # The figure's report (dbt's relationships test holds every figure to one).
    write_by_year(
        pl.DataFrame([report(NEW, report_year=2020)], schema=REPORTS_SCHEMA),
        parquet_dir / "reports",
    )
    build_warehouse(parquet_dir, tmp_path / "w.duckdb")
    assert query(tmp_path / "w.duckdb", "select report_year, metric from statistics") == [
        (2020, "apply.new")
    ]


def test_metrics_table_holds_the_catalogue(built: tuple[Path, dict[str, int]]) -> None:
    db_path, _ = built
    assert query(
        db_path,
        "select table_name, parent, templates from metrics where code = ?",
        ["outcome.denied.state_secret"],
    ) == [("requests", "outcome.denied", ["new_2019", "new_2021"])]
    assert query(
        db_path, "select harmonised, harmonised_match from metrics where code = 'apply.received'"
    ) == [("apply.new", "approximate")]


def test_applications_totals_of_a_new_report(built: tuple[Path, dict[str, int]]) -> None:
    db_path, _ = built
    row = row_dict(db_path, "mart_applications", NEW)
    assert list(row)[:4] == ["report_id", "report_year", "agency", "template"]
    assert (row["report_year"], row["agency"], row["template"]) == (
        2021,
        "天桥区人民政府",
        "new_2021",
    )
    # The total column, not the natural_person one (3333), and the table, not the prose (999).
    assert row["apply_new"] == 333
    assert row["apply_handled"] == 344
    assert row["apply_carried_forward"] == 12
    assert row["outcome_granted"] == 69
    assert row["outcome_partial"] == 4
    assert row["outcome_unable_sum"] == 6
    assert row["outcome_other"] == 8
    assert row["outcome_other_source"] == "sum_of_leaves"
    assert row["apply_received"] is None


def test_an_empty_printed_cell_stays_null(built: tuple[Path, dict[str, int]]) -> None:
    db_path, _ = built
    assert row_dict(db_path, "mart_applications", NEW)["apply_carried_over"] is None


def test_a_null_or_missing_leaf_makes_the_group_sum_null(
    built: tuple[Path, dict[str, int]],
) -> None:
    db_path, _ = built
    row = row_dict(db_path, "mart_applications", NEW)
    # 不予公开: seven leaves are numbers (sum 3), one printed empty.
    assert row["outcome_denied_sum"] is None
    # 不予处理: four leaves printed (sum 5), the fifth missing.
    assert row["outcome_not_processed_sum"] is None


def test_a_printed_other_row_wins_over_its_leaves(tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    partition = parquet_dir / "statistics" / "report_year=2021"
    extra = [figure(NEW, 2021, "outcome.other", 9.0, "requests", line=140)]
    pl.DataFrame(extra, schema=STATISTICS_SCHEMA).write_parquet(partition / "part-1.parquet")
    db_path = tmp_path / "w.duckdb"
    build_warehouse(parquet_dir, db_path)
    row = row_dict(db_path, "mart_applications", NEW)
    assert (row["outcome_other"], row["outcome_other_source"]) == (9, "printed")


def test_applications_of_old_and_prose_reports(built: tuple[Path, dict[str, int]]) -> None:
    db_path, _ = built
    old = row_dict(db_path, "mart_applications", OLD)
    assert (old["apply_received"], old["apply_completed"], old["answer_granted"]) == (5, 5, 3)
    assert old["apply_new"] is None
    assert old["outcome_denied_sum"] is None
    prose = row_dict(db_path, "mart_applications", PROSE)
    assert (prose["apply_completed"], prose["answer_granted"]) == (283, 110)


def test_review_litigation_mart(built: tuple[Path, dict[str, int]]) -> None:
    db_path, _ = built
    row = row_dict(db_path, "mart_review_litigation", NEW)
    assert [row[column] for column in REVIEW_COLUMNS] == [
        1,
        0,
        0,
        1,
        2,
        3,
        1,
        0,
        0,
        4,
        0,
        0,
        0,
        0,
        0,
    ]
    assert row["term_match"] == "exact"
    assert row["litigation_total"] is None
    old = row_dict(db_path, "mart_review_litigation", OLD)
    assert (old["review_total"], old["litigation_total"], old["term_match"]) == (
        0,
        1,
        "approximate",
    )
    assert old["litigation_direct_total"] is None
    prose = row_dict(db_path, "mart_review_litigation", PROSE)
    assert (prose["review_total"], prose["approximate_figures"]) == (52, 1)


def test_proactive_disclosure_has_a_column_per_art20_metric(
    built: tuple[Path, dict[str, int]],
) -> None:
    db_path, _ = built
    mart_columns = columns(db_path, "mart_proactive_disclosure")
    for code in metrics():
        if code.startswith("art20."):
            assert code.replace(".", "_") in mart_columns
    row = row_dict(db_path, "mart_proactive_disclosure", NEW)
    assert row["art20_normative_docs_issued"] == 1
    assert row["art20_fees_amount"] == 12.5
    assert row["art20_licensing_decisions"] is None
    assert row["proactive_total"] is None
    assert row_dict(db_path, "mart_proactive_disclosure", OLD)["proactive_total"] == 7


def agency_year_rows(db_path: Path) -> dict[tuple[Any, ...], dict[str, Any]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        cursor = con.execute("select * from mart_agency_year")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {(r["agency"], r["report_year"], r["fallback_source_file"]): r for r in rows}


def test_agency_year_sets_old_and_new_side_by_side(built: tuple[Path, dict[str, int]]) -> None:
    db_path, _ = built
    rows = agency_year_rows(db_path)
    new = rows[("天桥区人民政府", 2021, None)]
    assert new["term_match"] == "exact"
    assert (new["requests_received"], new["requests_received_term"]) == (333, "apply.new")
    assert (new["requests_handled"], new["granted"], new["reviews_total"]) == (344, 69, 2)
    assert new["lawsuits_total"] == 4  # direct 4 + after review 0
    assert new["proactive_total"] is None
    old = rows[("东阳市司法局", 2017, None)]
    assert old["term_match"] == "approximate"
    assert old["report_count"] == 2
    assert old["templates"] == "old_table"
    assert (old["requests_received"], old["requests_received_term"]) == (11, "apply.received")
    assert (old["requests_handled"], old["requests_handled_term"]) == (10, "apply.completed")
    assert (old["granted"], old["lawsuits_total"], old["proactive_total"]) == (6, 2, 14)
    assert sorted(old["report_ids"]) == [OLD, SAME_AGENCY_OLD]


def test_agency_year_groups_an_unknown_agency_by_source_file(
    built: tuple[Path, dict[str, int]],
) -> None:
    db_path, _ = built
    rows = agency_year_rows(db_path)
    prose = rows[(None, 2013, "004_sanmen.txt")]
    assert prose["agency"] is None
    assert (prose["requests_handled"], prose["granted"], prose["proactive_total"]) == (
        283,
        110,
        6303,
    )
    assert prose["requests_received"] is None


def test_agency_year_sum_is_null_when_one_report_is_null(tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir, old_received=None)
    db_path = tmp_path / "w.duckdb"
    build_warehouse(parquet_dir, db_path)
    old = agency_year_rows(db_path)[("东阳市司法局", 2017, None)]
    assert old["requests_received"] is None  # 6 + an empty cell is unknown, not 6
    assert old["requests_handled"] == 10


def test_a_figure_read_more_than_once_keeps_the_first_table_reading(tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    partition = parquet_dir / "statistics" / "report_year=2021"
    again = [
        figure(NEW, 2021, "apply.new", 334.0, "requests", line=200),
        figure(NEW, 2021, "apply.new", 1.0, "prose", line=5),
    ]
    pl.DataFrame(again, schema=STATISTICS_SCHEMA).write_parquet(partition / "part-1.parquet")
    db_path = tmp_path / "w.duckdb"
    build_warehouse(parquet_dir, db_path)
    assert query(
        db_path,
        "select value, readings from stg_statistics__figures"
        " where report_id = ? and metric = 'apply.new' and dimension = 'total'",
        [NEW],
    ) == [(333, 3)]
    assert row_dict(db_path, "mart_applications", NEW)["apply_new"] == 333
    assert agency_year_rows(db_path)[("天桥区人民政府", 2021, None)]["requests_received"] == 333


def test_every_figure_keeps_its_first_reading_with_its_count(tmp_path: Path) -> None:
    """Figures read once, twice and three times, ties broken by table over prose, then line,
    then printed text: the staging model agrees with the rule computed over every figure."""
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    partition = parquet_dir / "statistics" / "report_year=2021"
    again = [
        figure(NEW, 2021, "apply.carried_over", 7.0, "prose", line=0),
        figure(NEW, 2021, "outcome.granted", 9.0, "requests", line=0),
        figure(NEW, 2021, "outcome.granted", 8.0, "requests", line=3),
        figure(NEW, 2021, "outcome.partial", 12.0, "requests", line=1),
        figure(OLD, 2017, "apply.received", 41.0, "prose", line=2),
    ]
    pl.DataFrame(again, schema=STATISTICS_SCHEMA).write_parquet(partition / "part-1.parquet")
    db_path = tmp_path / "w.duckdb"
    build_warehouse(parquet_dir, db_path)
    printed = pl.read_parquet(parquet_dir / "statistics" / "**" / "*.parquet")
    key = ["report_id", "metric", "dimension"]
    expected = (
        printed.sort(
            [*key, pl.col("table_kind") == "prose", "source_line", "value_raw", "value"],
            nulls_last=True,
        )
        .group_by(key, maintain_order=True)
        .agg(pl.col("value").first(), pl.len().alias("readings"))
    )
    assert expected.filter(pl.col("readings") > 1).height == 4
    stored = query(
        db_path,
        "select report_id, metric, dimension, value, readings from stg_statistics__figures"
        " order by report_id, metric, dimension",
    )
    assert stored == [tuple(row) for row in expected.sort(key).iter_rows()]


@pytest.mark.parametrize("make_statistics_dir", [False, True])
def test_empty_inputs_give_empty_tables_with_columns(
    tmp_path: Path, make_statistics_dir: bool
) -> None:
    parquet_dir = tmp_path / "parquet"
    parquet_dir.mkdir()
    if make_statistics_dir:
        (parquet_dir / "statistics" / "report_year=2021").mkdir(parents=True)
    db_path = tmp_path / "w.duckdb"
    counts = build_warehouse(parquet_dir, db_path)
    for table in (*BASE_TABLES, *MARTS):
        expected = len(metrics()) if table == "metrics" else 0
        assert counts[table] == expected, table
    assert columns(db_path, "statistics")[:3] == ["report_id", "report_year", "metric"]
    assert columns(db_path, "mart_applications")[:5] == [
        "report_id",
        "report_year",
        "agency",
        "template",
        "apply_new",
    ]
    assert "art20_procurement_amount" in columns(db_path, "mart_proactive_disclosure")
    assert "term_match" in columns(db_path, "mart_agency_year")


def test_rebuilding_replaces_the_warehouse(tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    db_path = tmp_path / "w.duckdb"
    first = build_warehouse(parquet_dir, db_path)
    assert build_warehouse(parquet_dir, db_path) == first
    assert query(db_path, "select count(*) from statistics") == [(first["statistics"],)]
    write_inputs(parquet_dir, old_received=50.0)
    build_warehouse(parquet_dir, db_path)
    assert row_dict(db_path, "mart_applications", OLD)["apply_received"] == 50


def test_no_temporary_file_is_left_and_readers_can_open_it(
    built: tuple[Path, dict[str, int]],
) -> None:
    db_path, _ = built
    assert db_path.exists()
    assert not temporary_path(db_path).exists()
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from mart_applications").fetchone() == (4,)
        with pytest.raises(duckdb.Error):
            con.execute("create table scratch (a integer)")


def copy_project(tmp_path: Path) -> Path:
    """A copy of the shipped dbt project (without its build state), to add models to."""
    project = tmp_path / "sql"
    shutil.copytree(SQL_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    return project


def test_a_failed_build_keeps_the_previous_warehouse(tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    db_path = tmp_path / "w.duckdb"
    build_warehouse(parquet_dir, db_path)
    broken = copy_project(tmp_path)
    (broken / "models" / "marts" / "mart_broken.sql").write_text("select * from no_such_table\n")
    with pytest.raises(DbtBuildFailed, match="mart_broken"):
        build_warehouse(parquet_dir, db_path, sql_dir=broken)
    assert not temporary_path(db_path).exists()
    assert query(db_path, "select count(*) from mart_applications") == [(4,)]


def test_a_failed_dbt_test_keeps_the_previous_warehouse_and_names_the_test(
    tmp_path: Path,
) -> None:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    db_path = tmp_path / "w.duckdb"
    build_warehouse(parquet_dir, db_path)
    project = copy_project(tmp_path)
    # A singular test that finds a row: every build must now fail on it.
    (project / "tests" / "assert_no_report_exists.sql").write_text(
        "select report_id from {{ ref('mart_data_quality') }}\n"
    )
    with pytest.raises(DbtBuildFailed, match="assert_no_report_exists") as failure:
        build_warehouse(parquet_dir, db_path, sql_dir=project)
    (failed,) = [node for node in failure.value.nodes if node.status == "fail"]
    assert (failed.name, failed.status, failed.failures) == ("assert_no_report_exists", "fail", 4)
    assert not temporary_path(db_path).exists()
    assert query(db_path, "select count(*) from mart_data_quality") == [(4,)]


def test_relative_paths_are_the_working_directory_s_not_the_dbt_project_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path)
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    build_database(Path("parquet"), Path("out/w.duckdb"), project, target=Path("out/dbt"))
    assert (work / "out" / "w.duckdb").is_file()
    assert (work / "out" / "dbt" / "partial_parse.msgpack").is_file()
    written = sorted(p.relative_to(project) for p in project.rglob("*"))
    assert [p for p in written if p not in before and p.parts[0] != "target"] == []


def test_the_mart_recipe_a_model_file_and_its_schema_entry_is_all_it_takes(
    tmp_path: Path,
) -> None:
    """CONTRIBUTING's recipe for a mart, from data alone: a model file and its entry in
    _marts.yml give a table with BIGINT counts, comments, its test run and no gap in the
    dictionary."""
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    project = copy_project(tmp_path)
    marts = project / "models" / "marts"
    (marts / "mart_reports_per_year.sql").write_text(
        "-- Grain: one row per report year.\n"
        "with\n\n"
        "final as (\n"
        "    select report_year, count(*) * 1.0 as report_count,\n"
        "    from {{ source('warehouse', 'reports') }}\n"
        "    group by report_year\n"
        ")\n\n"
        "{{ select_with_counts('final', ['report_count']) }}\n",
        encoding="utf-8",
    )
    schema = yaml.safe_load((marts / "_marts.yml").read_text(encoding="utf-8"))
    schema["models"].append(
        {
            "name": "mart_reports_per_year",
            "description": "Grain: one row per report year: how many reports cover it.",
            "columns": [
                {
                    "name": "report_year",
                    "description": "Year the reports cover.",
                    "data_type": "integer",
                    "data_tests": ["unique", "not_null"],
                },
                {
                    "name": "report_count",
                    "description": "Reports of the year.",
                    "data_type": "bigint",
                },
            ],
        }
    )
    (marts / "_marts.yml").write_text(yaml.safe_dump(schema, allow_unicode=True), "utf-8")

    db_path = tmp_path / "w.duckdb"
    built = build_database(parquet_dir, db_path, project, target=tmp_path / "dbt")
    assert built.counts["mart_reports_per_year"] == 3  # 2013, 2017, 2021
    ran = {node.name: node.status for node in built.nodes}
    assert ran["unique_mart_reports_per_year_report_year"] == "pass"
    assert query(
        db_path,
        "select data_type, comment from duckdb_columns() "
        "where table_name = 'mart_reports_per_year' and column_name = 'report_count'",
    ) == [("BIGINT", "Reports of the year.")]
    assert query(db_path, "select report_count from mart_reports_per_year order by 1") == [
        (1,),
        (1,),
        (2,),
    ]
    tables = dictionary.empty_warehouse_tables(project)
    assert "mart_reports_per_year" in {table.name for table in tables}
    assert dictionary.undocumented(tables) == []


def test_models_build_in_the_order_of_their_refs_not_their_names(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    models = project / "models"
    (models / "marts" / "a_mart.sql").write_text("select n + 1 as n from {{ ref('z_staging') }}\n")
    (models / "staging" / "z_staging.sql").write_text("select 1 as n\n")
    counts = build_warehouse(tmp_path / "parquet", tmp_path / "w.duckdb", sql_dir=project)
    assert counts["a_mart"] == counts["z_staging"] == 1
    assert query(tmp_path / "w.duckdb", "select n from a_mart") == [(2,)]


def test_every_shipped_model_is_lower_case_and_ends_with_final() -> None:
    models = sorted((SQL_DIR / "models").glob("*/*.sql"))
    assert len(models) >= 9
    for path in models:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("-- "), path
        # The last select is the final CTE, its count columns cast by the counts macro or not.
        assert re.search(
            r"(select \* from final|\{\{ select_with_counts\('final', \[[^]]*\]\) \}\})\s*$", text
        ), path
        code = "\n".join(line.split("--")[0] for line in text.splitlines())
        for keyword in ("SELECT", "FROM", "WHERE", "GROUP BY", "WITH", "JOIN"):
            assert keyword not in code, (path, keyword)


def test_a_writers_hidden_staging_directory_is_not_read(tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    staging = parquet_dir / "statistics" / ".report_year=2021.0123abcd.tmp"
    staging.mkdir()
    pl.DataFrame(
        [figure(NEW, 2021, "apply.new", 1.0, "requests")], schema=STATISTICS_SCHEMA
    ).write_parquet(staging / "part-0.parquet")
    counts = build_warehouse(parquet_dir, tmp_path / "w.duckdb")
    assert counts["statistics"] == len(new_report_figures()) + 12 + 4


# ------------------------------------------------- inspectors' findings and agencies (issue 16)


def evaluation(report_id: str, year: int, rule: str, status: str) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "report_year": year,
        "rule": rule,
        "subject": "published_on" if rule.startswith("inspection.") else "apply.handled",
        "dimension": "total",
        "status": status,
        "lhs": 1.0,
        "rhs": 2.0,
        "delta": -1.0,
        "metrics": [],
        "source_lines": [],
        "other_report_id": None,
        "detail": None,
    }


def test_inspection_findings_do_not_make_a_report_inconsistent(tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    evaluations = [
        # published late, arithmetic fine: consistent, with the finding listed apart
        evaluation(NEW, 2021, "inspection.timeliness", "fail"),
        evaluation(NEW, 2021, "inspection.required_tables", "pass"),
        evaluation(NEW, 2021, "requests.r1_balance", "pass"),
        # an arithmetic break and a copied table: inconsistent because of the break only
        evaluation(OLD, 2017, "old_table.parent_sum", "fail"),
        evaluation(OLD, 2017, "inspection.copied_figures", "fail"),
        evaluation(OLD, 2017, "inspection.copied_figures", "fail"),
        evaluation(OLD, 2017, "inspection.timeliness", "not_assessable"),
    ]
    write_by_year(
        pl.DataFrame(evaluations, schema=RECONCILIATION_SCHEMA), parquet_dir / "reconciliation"
    )
    db_path = tmp_path / "warehouse.duckdb"
    build_warehouse(parquet_dir, db_path)

    new = row_dict(db_path, "mart_data_quality", NEW)
    assert new["is_consistent"] is True
    assert (new["rules_passed"], new["rules_failed"], new["rules_not_assessable"]) == (1, 0, 0)
    assert new["failing_rules"] == []
    assert new["inspections_failed"] == 1
    assert new["inspection_findings"] == ["inspection.timeliness"]

    old = row_dict(db_path, "mart_data_quality", OLD)
    assert old["is_consistent"] is False
    assert (old["rules_passed"], old["rules_failed"], old["rules_not_assessable"]) == (0, 1, 0)
    assert old["failing_rules"] == ["old_table.parent_sum"]
    assert old["inspections_failed"] == 2
    assert old["inspection_findings"] == ["inspection.copied_figures"]

    prose = row_dict(db_path, "mart_data_quality", PROSE)
    assert prose["is_consistent"] is True and prose["inspection_findings"] == []
    # mart_report_rates carries the same flag
    assert row_dict(db_path, "mart_report_rates", NEW)["is_consistent"] is True


def test_agencies_and_their_guarded_rates(tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    write_inputs(parquet_dir)
    tianqiao = {
        "agency_id": "370105:人民政府",
        "agency_name": "天桥区人民政府",
        "agency_kind": "government",
        "agency_level": "county",
        "division_code": "370105",
        "province": "山东省",
        "city": "济南市",
        "county": "天桥区",
    }
    dongyang = {
        "agency_id": "330783:司法局",
        "agency_name": "东阳市司法局",
        "agency_kind": "department",
        "agency_level": "county",
        "division_code": "330783",
        "province": "浙江省",
        "city": "金华市",
        "county": "东阳市",
    }
    identities = {NEW: tianqiao, OLD: dongyang, SAME_AGENCY_OLD: dongyang}
    reports = pl.read_parquet(
        parquet_dir / "reports" / "*" / "*.parquet", hive_partitioning=True
    ).with_columns(pl.col("report_year").cast(pl.Int32))
    rows = [{**row, **identities.get(row["report_id"], {})} for row in reports.to_dicts()]
    shutil.rmtree(parquet_dir / "reports")
    write_by_year(pl.DataFrame(rows, schema=REPORTS_SCHEMA), parquet_dir / "reports")
    db_path = tmp_path / "warehouse.duckdb"
    build_warehouse(parquet_dir, db_path)

    agencies = {
        row[0]: row[1:]
        for row in query(
            db_path,
            "select agency_id, agency_kind, names_seen, reports, first_year, last_year, "
            "report_ids from agencies",
        )
    }
    assert agencies == {
        "370105:人民政府": ("government", ["天桥区人民政府"], 1, 2021, 2021, [NEW]),
        "330783:司法局": (
            "department",
            ["东阳市司法局"],
            2,
            2017,
            2017,
            sorted([OLD, SAME_AGENCY_OLD]),
        ),
    }
    assert dict(
        query(
            db_path,
            "select column_name, data_type from duckdb_columns() "
            "where table_name = 'mart_report_rates_by_agency' and column_name like '%_cases'",
        )
    ) == {"disclosure_cases": "BIGINT", "review_cases": "BIGINT", "litigation_cases": "BIGINT"}

    rates = {
        row[0]: row[1:]
        for row in query(
            db_path,
            "select agency_id, report_year, report_count, report_id, disclosure_cases, "
            "disclosure_rate, disclosure_rank, review_correction_rate, review_correction_rank "
            "from mart_report_rates_by_agency",
        )
    }
    ((handled, share_granted, reviews),) = query(
        db_path,
        "select requests_handled, share_granted, reviews from mart_report_rates "
        "where report_id = ?",
        [NEW],
    )
    assert handled == 344 and reviews is not None and reviews < 5
    # 344 handled requests: a rate and a rank; fewer than 5 reviews: no rate, no rank
    assert rates["370105:人民政府"] == (2021, 1, NEW, 344, share_granted, 1, None, None)
    # two reports for one year: which is right is unknown, so no report, no rate, no rank
    assert rates["330783:司法局"][:3] == (2017, 2, None)
    assert rates["330783:司法局"][4:] == (None, None, None, None)
    # the report without an agency is in neither mart
    assert query(db_path, "select count(*) from mart_report_rates_by_agency") == [(2,)]
