"""A broken contract of the pipeline's own output stops everything downstream of it.

Each test injects one kind of pipeline bug into a stage and checks that its blocking check
fails with ERROR and that the warehouse (the marts) is not built.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from pipeline_runs import materialize as run_job

import pipeline.stages as stages
from pipeline.defs.resources import PipelineStorage

pytestmark = pytest.mark.slow


def materialize(raw_dir: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    storage = PipelineStorage(raw_dir=str(raw_dir), warehouse_dir=str(warehouse), workers=1)
    return run_job(storage, raise_on_error=False)


def failed_checks(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}


def assert_marts_not_built(result: dg.ExecuteInProcessResult, warehouse: Path) -> None:
    assert not result.success
    assert result.asset_materializations_for_node("warehouse") == []
    assert not (warehouse / "warehouse.duckdb").exists()


def corrupt_table(monkeypatch: pytest.MonkeyPatch, table: str, corrupt) -> None:
    """Make the parse stage build one table of every year wrongly (a pipeline bug)."""
    original = stages.collect_year

    def broken(buffer, year, *cached):
        frames = original(buffer, year, *cached)
        if frames[table].height:
            frames[table] = corrupt(frames[table])
        return frames

    monkeypatch.setattr(stages, "collect_year", broken)


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
def test_statistics_contract_stops_the_marts(monkeypatch, tmp_path, raw_dir, corrupt):
    corrupt_table(monkeypatch, "statistics", corrupt)
    result = materialize(raw_dir, tmp_path)
    assert "statistics_contract" in failed_checks(result)
    assert_marts_not_built(result, tmp_path)
    # a year that breaks its contract is not written at all
    assert not list((tmp_path / "parquet" / "statistics").glob("report_year=*"))


def test_a_report_breaking_its_contract_stops_everything_after_reports(
    monkeypatch, tmp_path, raw_dir
):
    corrupt_table(
        monkeypatch,
        "reports",
        lambda f: f.with_columns(
            pl.when(pl.int_range(pl.len()) == 0)
            .then(None)
            .otherwise(pl.col("year_source"))
            .alias("year_source")
        ),
    )
    result = materialize(raw_dir, tmp_path)
    assert "reports_contract" in failed_checks(result)
    assert result.asset_materializations_for_node("reconciliation") == []
    assert_marts_not_built(result, tmp_path)


def test_reports_breaking_their_arithmetic_only_warn(tmp_path, raw_dir):
    result = materialize(raw_dir, tmp_path)
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    arithmetic = evaluations["reports_arithmetic"]
    assert not arithmetic.passed
    assert arithmetic.severity == dg.AssetCheckSeverity.WARN
    assert (tmp_path / "warehouse.duckdb").exists()
    assert all(e.passed for name, e in evaluations.items() if name != "reports_arithmetic")
