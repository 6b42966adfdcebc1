"""Tier 2: materialise every stage into a temporary warehouse and look at what it holds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from pipeline_runs import materialize

from pipeline.cli import main
from pipeline.defs.resources import PipelineStorage
from pipeline.execution import strict_verdict

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("warehouse")
    result = materialize(PipelineStorage(raw_dir=str(raw_dir), warehouse_dir=str(root), workers=2))
    assert result.success
    errors = [
        e for e in result.get_asset_check_evaluations() if e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert errors and all(e.passed for e in errors), [e.check_name for e in errors if not e.passed]
    return root


def query(root: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_all_nineteen_reports_are_in_the_warehouse(warehouse: Path):
    rows = query(warehouse, "select template, count(*) from reports group by 1 order by 1")
    assert dict(rows) == {"new_2019": 2, "new_2021": 3, "old_table": 3, "prose": 11}
    years = query(
        warehouse, "select report_year from reports where source_file like '002%' order by ordinal"
    )
    assert [y for (y,) in years] == list(range(2022, 2007, -1))


def _forkservers_started_here() -> list[int]:
    """Live children of this process that are multiprocessing forkservers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and b"multiprocessing.forkserver" in command:
            found.append(int(entry.name))
    return found


def test_a_finished_run_leaves_no_idle_worker_server(warehouse: Path):
    # The parse and reconciliation steps ran in worker processes forked from a forkserver;
    # the warehouse step stopped it rather than keep its imports beside DuckDB.
    assert (warehouse / "warehouse.duckdb").exists()
    assert _forkservers_started_here() == []


def test_statistics_are_partitioned_by_year_in_parquet(warehouse: Path):
    root = warehouse / "parquet" / "statistics"
    years = sorted(int(p.name.split("=")[1]) for p in root.glob("report_year=*"))
    assert years == list(range(2008, 2023))
    frame = pl.read_parquet(root / "report_year=2021" / "*.parquet")
    assert "report_year" not in frame.columns  # lives in the directory name (Hive layout)
    assert frame.height > 0


def test_statistics_table_matches_parquet_and_keeps_provenance(warehouse: Path):
    parquet_rows = pl.read_parquet(
        warehouse / "parquet" / "statistics" / "**" / "*.parquet", hive_partitioning=True
    ).height
    ((rows,),) = query(warehouse, "select count(*) from statistics")
    assert rows == parquet_rows
    # 002, 2022 report, line 31: 本年新收 ... 323 | 0 | 0 | 0 | 0 | 0 | 323
    found = query(
        warehouse,
        "select dimension, value, source_line, label_raw from statistics "
        "where report_id = ? and metric = 'apply.new' order by dimension",
        ["002_711b86d480afee15.txt#1"],
    )
    assert ("total", 323.0, 31, "一、本年新收政府信息公开申请数量") in found
    assert ("natural_person", 323.0, 31, "一、本年新收政府信息公开申请数量") in found


def test_empty_cell_stays_null_not_zero(warehouse: Path):
    # 000 line 50: 制发规范性文件总数 | 件 | |
    rows = query(
        warehouse,
        "select value, value_kind from statistics where metric = 'normative_docs.issued_total'"
        " and report_id like '000%'",
    )
    assert rows == [(None, "empty")]


def test_marts_have_one_row_per_report(warehouse: Path):
    ((applications,),) = query(warehouse, "select count(*) from mart_applications")
    ((distinct,),) = query(warehouse, "select count(distinct report_id) from mart_applications")
    assert applications == distinct > 0
    review = query(
        warehouse,
        "select review_total, litigation_direct_total, litigation_after_review_total "
        "from mart_review_litigation where report_id = ?",
        ["002_711b86d480afee15.txt#1"],
    )
    assert review == [(56.0, 41.0, 38.0)]


def test_cli_run_exits_zero_and_reruns_cleanly(tmp_path: Path, raw_dir: Path):
    assert main(["run", "--raw-dir", str(raw_dir), "--warehouse-dir", str(tmp_path)]) == 0
    assert main(["run", "--raw-dir", str(raw_dir), "--warehouse-dir", str(tmp_path)]) == 0
    ((rows,),) = query(tmp_path, "select count(*) from reports")
    assert rows == 19  # replaced, not appended


def test_reconciliation_and_data_quality_in_the_warehouse(warehouse: Path):
    failing = query(
        warehouse,
        "select report_id, failing_rules from mart_data_quality where not is_consistent "
        "order by report_id",
    )
    assert len(failing) == 6
    assert ("001_9ee0dcb102ca4a64.txt#1", ["old_table.parent_sum"]) in failing
    ((consistent,),) = query(
        warehouse, "select count(*) from mart_data_quality where is_consistent"
    )
    assert consistent == 13
    ((rows,),) = query(warehouse, "select count(*) from reconciliation where status = 'fail'")
    assert rows == 12  # 8 arithmetic breaks + 4 items of 002 2020 copied from 2019 (issue 16)


def test_cli_strict_exits_non_zero_when_a_report_breaks_a_rule(tmp_path: Path, raw_dir: Path):
    args = ["run", "--raw-dir", str(raw_dir), "--warehouse-dir", str(tmp_path), "--strict"]
    assert main(args) == 3
    assert (tmp_path / "warehouse.duckdb").exists()


def test_strict_counts_arithmetic_rules_not_the_inspectors_findings():
    def evaluations(*rules: str) -> pl.DataFrame:
        return pl.DataFrame(
            {"report_id": [f"r{i}" for i in range(len(rules))], "rule": list(rules)}
        ).with_columns(status=pl.lit("fail"))

    assert strict_verdict(evaluations("inspection.timeliness")) == (0, None)
    status, message = strict_verdict(evaluations("sum.requests", "inspection.copied_figures"))
    assert status == 3 and message is not None
    assert "1 reconciliation rule(s) fail in 1 report(s) (and 1 inspection finding(s)" in message


def test_cli_reports_a_missing_raw_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["run", "--raw-dir", str(tmp_path / "nope"), "--warehouse-dir", str(tmp_path)]) != 0
    assert "raw directory not found" in capsys.readouterr().err


def test_unreadable_file_is_quarantined_and_the_run_goes_on(tmp_path: Path, raw_dir: Path):
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "binary.bin").write_bytes(b"\x00\x01\x02binary")
    out = tmp_path / "out"
    assert main(["run", "--raw-dir", str(raw), "--warehouse-dir", str(out)]) == 0
    rows = query(out, "select source_file, reason from quarantine order by 1")
    assert rows == [("binary.bin", "binary_file"), ("empty.txt", "empty_file")]
    ((reports,),) = query(out, "select count(*) from reports")
    assert reports == 19
