"""Runs from the command line are recorded in the project's Dagster instance (issue 14): the
instance at DAGSTER_HOME, else `deploy/`; the `duckdb_writer` pool still holds one writer; a run
killed while holding the pool's slot does not block the next one; tests never write `deploy/`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.dagster_run import DagsterRun

from pipeline.cli import main
from pipeline.defs.partitions import MODE_TAG
from pipeline.defs.warehouse.assets import DUCKDB_POOL
from pipeline.instance import DEPLOY_DIR, HOST_TAG, PID_TAG, instance_home

pytestmark = pytest.mark.slow

# Some dbt models, each its own asset.
MARTS = ("mart_applications", "mart_data_quality", "mart_report_rates", "stg_statistics__figures")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME of this test's own, with the project's dagster.yaml."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def deploy_listing() -> list[str]:
    return sorted(str(p.relative_to(DEPLOY_DIR)) for p in DEPLOY_DIR.rglob("*"))


def test_the_instance_is_dagster_home_else_the_projects_deploy_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert instance_home() == tmp_path
    monkeypatch.delenv("DAGSTER_HOME")
    assert instance_home() == DEPLOY_DIR == ROOT / "deploy"
    assert (DEPLOY_DIR / "dagster.yaml").is_file()
    monkeypatch.setenv("DAGSTER_HOME", "")
    assert instance_home() == DEPLOY_DIR


def test_the_tests_never_use_the_repos_deploy_folder():
    # conftest.py points every test (and the subprocesses they start) at a temporary instance
    assert Path(os.environ["DAGSTER_HOME"]).resolve() != DEPLOY_DIR.resolve()


def test_a_cli_run_is_recorded_in_the_instance_with_its_materialisations(
    home: Path, raw_dir: Path, tmp_path: Path
):
    deploy_before = deploy_listing()
    out = tmp_path / "out"
    assert main(["run", "--raw-dir", str(raw_dir), "--warehouse-dir", str(out)]) == 0

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert len(runs) == 1
        run = runs[0]
        assert run.job_name == "pipeline_job"
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags[MODE_TAG] == "run"
        assert run.tags[PID_TAG] == str(os.getpid())
        assert run.tags[HOST_TAG] == socket.gethostname()
        for key in ("documents", "reconciliation", *MARTS, "report"):
            event = instance.get_latest_materialization_event(dg.AssetKey(key))
            assert event is not None, key
            assert event.run_id == run.run_id
        # Every dbt test is a check with its result, in the UI as in dbt.
        check = dg.AssetCheckKey(
            dg.AssetKey("mart_applications"), "unique_mart_applications_report_id"
        )
        (record,) = instance.event_log_storage.get_asset_check_execution_history(check, limit=5)
        assert record.run_id == run.run_id
        assert record.status == AssetCheckExecutionRecordStatus.SUCCEEDED
        # The warehouse step took the pool's one slot and gave it back.
        info = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
        assert info.slot_count == 1
        assert info.active_slot_count == 0
        assert not info.pending_steps

    # A second run is a second entry of the same history.
    assert main(["run", "--raw-dir", str(raw_dir), "--warehouse-dir", str(out)]) == 0
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert len(instance.get_runs()) == 2
    assert deploy_listing() == deploy_before  # nothing written into the repo's deploy/


def test_a_run_killed_holding_the_writer_slot_does_not_block_the_next(
    home: Path, raw_dir: Path, tmp_path: Path
):
    # A run whose process was killed inside the warehouse step: still "started", slot held.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=30)
    killed = DagsterRun(
        job_name="pipeline_job",
        run_id=str(uuid.uuid4()),
        status=dg.DagsterRunStatus.STARTED,
        tags={MODE_TAG: "run", PID_TAG: str(gone.pid), HOST_TAG: socket.gethostname()},
    )
    # A live run of another process (this one's parent stands in) keeps its run untouched.
    live = DagsterRun(
        job_name="pipeline_job",
        run_id=str(uuid.uuid4()),
        status=dg.DagsterRunStatus.STARTED,
        tags={MODE_TAG: "run", PID_TAG: str(os.getppid()), HOST_TAG: socket.gethostname()},
    )
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_run(killed)
        instance.add_run(live)
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default(DUCKDB_POOL)
        assert storage.claim_concurrency_slot(DUCKDB_POOL, killed.run_id, "warehouse").is_claimed
        assert storage.get_concurrency_info(DUCKDB_POOL).active_slot_count == 1

    # Without the release the run would wait for the slot for ever: a timeout fails the test.
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "run", "--raw-dir", str(raw_dir)]
    result = subprocess.run(
        [*command, "--warehouse-dir", str(out), "--workers", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "released 1 run(s) whose process was killed" in result.stderr

    with dg.DagsterInstance.from_config(str(home)) as instance:
        dead_run = instance.get_run_by_id(killed.run_id)
        assert dead_run is not None and dead_run.status == dg.DagsterRunStatus.FAILURE
        live_run = instance.get_run_by_id(live.run_id)
        assert live_run is not None and live_run.status == dg.DagsterRunStatus.STARTED
        info = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
        assert info.active_slot_count == 0
        successes = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
        assert len(successes) == 1
