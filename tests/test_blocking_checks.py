"""A broken contract of the pipeline's own output stops everything downstream of it.

Each test plants one kind of pipeline bug in a stored year partition (rows that break their
contract, as a buggy run could have written them), changes another file of that year so the
next run merges the planted rows into the year, and checks that the year's blocking check
fails with ERROR, that the year is not rewritten, and that the warehouse (the marts) is not
built. The run has two workers: the year is assembled in a process of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from pipeline_runs import materialize as run_job

from pipeline.defs.resources import PipelineStorage
from pipeline.stages.inventory import update_inventory
from pipeline.stages.years import update_years
from pipeline.storage import WarehouseLayout, read_year_table
from pipeline.years import all_years
from tests.support.year_tables import write_year_tables

pytestmark = pytest.mark.slow

F002 = "002_711b86d480afee15.txt"
F004 = "004_21970fde474fde16.txt"  # 002 and 004 both hold a 2022 report
YEAR = 2022


def materialize(raw_dir: Path, warehouse: Path, workers: int = 1) -> dg.ExecuteInProcessResult:
    storage = PipelineStorage(raw_dir=str(raw_dir), warehouse_dir=str(warehouse), workers=workers)
    return run_job(storage, raise_on_error=False)


def failed_checks(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}


def assert_marts_not_built(result: dg.ExecuteInProcessResult, warehouse: Path) -> None:
    assert not result.success
    assert result.asset_materializations_for_node("warehouse") == []
    assert not (warehouse / "warehouse.duckdb").exists()


def plant_broken_rows(
    raw_dir: Path,
    tmp_path: Path,
    table: str,
    corrupt: Callable[[pl.DataFrame], pl.DataFrame],
) -> tuple[Path, Path, pl.DataFrame]:
    """Parse the seeds, corrupt 002's rows of one 2022 table where they are stored, and edit
    004; return the raw directory, the warehouse and the planted table."""
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    warehouse = tmp_path / "warehouse"
    layout = WarehouseLayout(warehouse)
    update_inventory(layout, raw)
    update_years(layout, raw, all_years())
    stored = read_year_table(layout, table, YEAR)
    assert stored.height and stored.row(0, named=True)["report_id"].startswith(F002)
    planted = corrupt(stored)  # the first row (and so the corruption) is 002's
    write_year_tables(layout, YEAR, {table: planted})
    with (raw / F004).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    return raw, warehouse, planted


def assert_year_not_rewritten(warehouse: Path, table: str, planted: pl.DataFrame) -> None:
    assert read_year_table(WarehouseLayout(warehouse), table, YEAR).equals(planted)


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda f: pl.concat([f, f.head(1)]), id="duplicated-key"),
        pytest.param(
            lambda f: f.with_columns(
                pl.when(pl.int_range(pl.len()) == 0)
                .then(-5.0)
                .otherwise(pl.col("value"))
                .alias("value")
            ),
            id="negative-count",
        ),
        pytest.param(
            lambda f: f.with_columns(
                pl.when(pl.int_range(pl.len()) == 0)
                .then(pl.lit("made.up"))
                .otherwise(pl.col("metric"))
                .alias("metric")
            ),
            id="metric-not-in-catalogue",
        ),
    ],
)
def test_statistics_contract_stops_the_marts(tmp_path, raw_dir, corrupt):
    raw, warehouse, planted = plant_broken_rows(raw_dir, tmp_path, "statistics", corrupt)
    result = materialize(raw, warehouse, workers=2)
    assert "statistics_contract" in failed_checks(result)
    assert_marts_not_built(result, warehouse)
    # a year that breaks its contract is not written at all
    assert_year_not_rewritten(warehouse, "statistics", planted)


def test_a_report_breaking_its_contract_stops_everything_after_reports(tmp_path, raw_dir):
    raw, warehouse, planted = plant_broken_rows(
        raw_dir,
        tmp_path,
        "reports",
        lambda f: f.with_columns(
            pl.when(pl.int_range(pl.len()) == 0)
            .then(None)
            .otherwise(pl.col("year_source"))
            .alias("year_source")
        ),
    )
    result = materialize(raw, warehouse, workers=2)
    assert "reports_contract" in failed_checks(result)
    assert result.asset_materializations_for_node("reconciliation") == []
    assert_marts_not_built(result, warehouse)
    assert_year_not_rewritten(warehouse, "reports", planted)


def test_reports_breaking_their_arithmetic_only_warn(tmp_path, raw_dir):
    result = materialize(raw_dir, tmp_path)
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    arithmetic = evaluations["reports_arithmetic"]
    assert not arithmetic.passed
    assert arithmetic.severity == dg.AssetCheckSeverity.WARN
    assert (tmp_path / "warehouse.duckdb").exists()
    assert all(e.passed for name, e in evaluations.items() if name != "reports_arithmetic")
