"""Progress lines on the terminal and row counts / rule failures in the Dagster metadata."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import dagster as dg
import pytest
from pipeline_runs import materialize

from pipeline.cli import main
from pipeline.defs.resources import PipelineStorage
from pipeline.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_logs_now_and_then_and_once_at_the_end(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    caplog.set_level(logging.INFO, logger="pipeline.progress")
    with Progress("parse", 1000, interval=5.0, clock=clock) as progress:
        for i in range(1000):
            clock.now = (i + 1) / 10  # 100 s in all: a line every 5 s
            progress.advance(reports=3)
    lines = [r.getMessage() for r in caplog.records if r.name == "pipeline.progress"]
    assert 15 <= len(lines) <= 21
    assert lines[0].startswith("parse: 50/1,000 files (5%), 150 reports, 5.0 s, about 95 s left")
    assert lines[-1] == "parse: 1,000/1,000 files (100%), 3,000 reports, 100.0 s - done"


def test_nothing_to_do_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.progress")
    with Progress("parse", 0):
        pass
    assert not [r for r in caplog.records if r.name == "pipeline.progress"]


@pytest.fixture(scope="module")
def run_result(
    raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dg.ExecuteInProcessResult:
    root = tmp_path_factory.mktemp("metadata")
    result = materialize(PipelineStorage(raw_dir=str(raw_dir), warehouse_dir=str(root), workers=1))
    assert result.success
    return result


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, object]:
    # A partitioned asset has one materialization per year of the run, with the same metadata.
    events = [
        event
        for event in result.get_asset_materialization_events()
        if event.asset_key.to_user_string() == asset
    ]
    assert events
    materialization = events[-1].materialization
    return {key: value.value for key, value in materialization.metadata.items()}


def test_assets_carry_row_counts_and_rule_failures(run_result: dg.ExecuteInProcessResult) -> None:
    assert metadata(run_result, "documents")["dagster/row_count"] == 5
    assert metadata(run_result, "reports")["dagster/row_count"] == 19
    assert metadata(run_result, "statistics")["dagster/row_count"] == 1288
    reconciliation = metadata(run_result, "reconciliation")
    assert reconciliation["rule_failures"] == 12
    assert reconciliation["dagster/row_count"] == 400  # 316 + 84 of the inspectors' rules
    assert metadata(run_result, "stg_statistics__figures")["dagster/row_count"] == 1283
    rates = metadata(run_result, "mart_report_rates")
    assert rates["dagster/row_count"] == 19
    assert rates["rebuilt"] is True and rates["dbt_status"] == "success"


def test_the_cli_shows_progress_not_dagster_events(
    raw_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CLI configures logging itself; hand it a clean root logger like a fresh process.
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []
    try:
        assert main(["run", "--raw-dir", str(raw_dir), "--warehouse-dir", str(tmp_path)]) == 0
    finally:
        for handler in root.handlers:
            root.removeHandler(handler)
        root.handlers = saved
    captured = capsys.readouterr()
    # The inventory parses what it reads and hands it to the year step, which parses nothing.
    for stage in ("inventory: read, segment and parse:", "write years:", "reconcile:"):
        assert stage in captured.err, stage
    assert "inventory: read, segment and parse: 5/5 files (100%), 19 reports" in captured.err
    assert "write years: 15/15 years (100%), 19 reports" in captured.err
    assert not re.search(r"(?<!and )parse: \d", captured.err)
    assert "STEP_SUCCESS" not in captured.err + captured.out
    assert "alembic" not in captured.err
