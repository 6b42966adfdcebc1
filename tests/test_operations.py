"""Running it for real: the schedule and sensor, readers holding the warehouse open, and a run
killed half-way."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.cli import main
from pipeline.definitions import defs, pipeline_definitions
from pipeline.defs.automation import nightly, raw_files_sensor
from pipeline.defs.partitions import RANGE_END_TAG, RANGE_START_TAG, YEARS
from pipeline.defs.resources import PipelineStorage
from pipeline.storage import WarehouseLayout
from pipeline.years import all_years, contiguous_ranges, parse_years

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
F001 = "001_9ee0dcb102ca4a64.txt"
F004 = "004_21970fde474fde16.txt"


@pytest.fixture
def raw(tmp_path: Path, raw_dir: Path) -> Path:
    copy = tmp_path / "raw"
    shutil.copytree(raw_dir, copy)
    return copy


def run_cli(raw: Path, out: Path, *extra: str) -> int:
    return main(["run", "--raw-dir", str(raw), "--warehouse-dir", str(out), *extra])


def count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(sql).fetchone()
        assert row is not None
        return int(row[0])


# ------------------------------------------------------------------ definitions


def test_schedule_sensor_and_partitions_load_in_the_definitions():
    schedules = {schedule.name: schedule for schedule in defs.schedules or []}
    sensors = {sensor.name: sensor for sensor in defs.sensors or []}
    assert schedules["nightly"].cron_schedule == "0 2 * * *"
    assert schedules["nightly"].execution_timezone == "Asia/Shanghai"
    assert {job.name for job in sensors["raw_files_sensor"].jobs} == {
        "pipeline_job",
        "inventory_job",
    }
    graph = defs.resolve_asset_graph()
    for key in ("reports", "statistics"):
        assert graph.get(dg.AssetKey(key)).partitions_def == YEARS
    for key in ("documents", "reconciliation", "stg_statistics__figures", "mart_applications"):
        assert graph.get(dg.AssetKey(key)).partitions_def is None
    assert YEARS.get_partition_keys()[0] == str(all_years()[0])
    assert YEARS.get_partition_keys()[-1] == str(all_years()[-1])
    assert defs.resolve_assets_def("mart_applications").node_def.pool == "duckdb_writer"


def test_the_nightly_schedule_asks_for_every_year_in_one_run():
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    )
    request = nightly(context)
    assert isinstance(request, dg.RunRequest)
    assert request.tags[RANGE_START_TAG] == str(all_years()[0])
    assert request.tags[RANGE_END_TAG] == str(all_years()[-1])


def test_years_on_the_command_line():
    assert parse_years("2019") == [2019]
    assert parse_years("2010-2012,2015") == [2010, 2011, 2012, 2015]
    assert contiguous_ranges([2015, 2010, 2011, 2012]) == [(2010, 2012), (2015, 2015)]
    for bad in ("19", "2012-2010", "2008-", "3000"):
        with pytest.raises(ValueError):
            parse_years(bad)


# ------------------------------------------------------------------ sensor


def evaluate(storage: PipelineStorage, cursor: str | None) -> tuple[list[dg.RunRequest], str]:
    with dg.build_sensor_context(
        cursor=cursor, resources={"storage": storage}, definitions=pipeline_definitions(storage)
    ) as context:
        data = raw_files_sensor.evaluate_tick(context)
    return list(data.run_requests or []), data.cursor or ""


def test_the_sensor_asks_for_exactly_a_new_files_years_once(raw: Path, tmp_path: Path):
    out = tmp_path / "out"
    storage = PipelineStorage(raw_dir=str(raw), warehouse_dir=str(out))
    assert run_cli(raw, out) == 0
    requests, cursor = evaluate(storage, None)
    assert requests == []  # everything is in the inventory

    shutil.copy(raw / F001, raw / "005_new_site.txt")  # one 2018 report
    requests, cursor = evaluate(storage, cursor)
    assert [r.partition_key for r in requests] == ["2018"]
    assert requests[0].job_name == "pipeline_job"
    assert "005_new_site.txt" in requests[0].tags["pipeline/files"]
    again, cursor = evaluate(storage, cursor)
    assert again == []  # the same file does not start a second run

    assert run_cli(raw, out) == 0  # the run the sensor asked for; the inventory catches up
    after, cursor = evaluate(storage, cursor)
    assert after == []
    assert json.loads(cursor) == {}  # nothing pending: the cursor does not grow


def test_the_sensor_asks_for_a_changed_files_years_and_a_removed_files(raw: Path, tmp_path: Path):
    out = tmp_path / "out"
    storage = PipelineStorage(raw_dir=str(raw), warehouse_dir=str(out))
    assert run_cli(raw, out) == 0
    (raw / F004).write_text((raw / F004).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    (raw / F001).unlink()
    (raw / "garbage.txt").write_text("没有年份的文字。\n", encoding="utf-8")
    requests, _ = evaluate(storage, None)
    by_job = {(r.job_name, r.partition_key) for r in requests}
    assert by_job == {
        ("pipeline_job", "2022"),  # 004 changed
        ("pipeline_job", "2018"),  # 001 removed: its year must drop its reports
        ("inventory_job", None),  # a file with no report still reaches the quarantine
    }
    assert len({r.run_key for r in requests}) == 3


# ------------------------------------------------------------------ readers and crashes


def pipeline_process(raw: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "pipeline", "run", "--raw-dir", str(raw)]
    return subprocess.Popen(
        [*command, "--warehouse-dir", str(out), "--workers", "1", *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_a_reader_holding_the_warehouse_never_blocks_a_run(raw: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert run_cli(raw, out) == 0
    db = out / "warehouse.duckdb"
    shutil.copy(raw / F001, raw / "005_new_site.txt")
    with duckdb.connect(str(db), read_only=True) as reader:
        assert reader.execute("select count(*) from reports").fetchone() == (19,)
        process = pipeline_process(raw, out)
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output.decode()[-3000:]
        # the open connection still reads the warehouse it opened, whole
        assert reader.execute("select count(*) from reports").fetchone() == (19,)
        assert reader.execute("select count(*) from mart_data_quality").fetchone() == (19,)
    assert count(db, "select count(*) from reports") == 20
    assert count(db, "select count(*) from mart_data_quality") == 20


def test_a_run_killed_while_building_the_marts_leaves_the_old_warehouse(raw: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert run_cli(raw, out) == 0
    db = out / "warehouse.duckdb"
    before = db.read_bytes()
    # A changed file makes the next run rebuild; it is killed once dbt has begun its models
    # (dbt writes each model's SQL under target/run/ as it runs it).
    shutil.copy(raw / F001, raw / "005_new_site.txt")
    dbt_run = WarehouseLayout(out).dbt_target / "run"
    shutil.rmtree(dbt_run)
    process = pipeline_process(raw, out)
    tmp_db = out / "warehouse.duckdb.tmp"
    deadline = time.monotonic() + 240
    while not dbt_run.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, process.communicate()[0].decode()[-3000:]
    assert tmp_db.exists()  # inside the build, before the swap
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    assert db.read_bytes() == before  # the warehouse was never touched
    assert count(db, "select count(*) from reports") == 19
    assert count(db, "select count(*) from runs") == 1
    assert count(db, "select count(*) from mart_applications") > 0

    assert run_cli(raw, out) == 0  # and the next run succeeds
    assert count(db, "select count(*) from runs") == 2
    assert count(db, "select count(*) from reports") > 19
    assert not tmp_db.exists()


def test_the_instance_config_limits_duckdb_writers_to_one(tmp_path: Path):
    shutil.copy(ROOT / "deploy" / "dagster.yaml", tmp_path / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    config = instance.get_concurrency_config()
    assert config.pool_config.default_pool_limit == 1  # the duckdb_writer pool
    assert config.run_queue_config.max_concurrent_runs > 1  # years run side by side


def test_a_large_drop_is_taken_a_slice_per_evaluation(raw: Path, tmp_path: Path):
    from pipeline.model import DOCUMENTS_SCHEMA
    from pipeline.storage import WarehouseLayout, read_parquet
    from pipeline.watch import find_raw_changes

    out = tmp_path / "out"
    assert run_cli(raw, out) == 0
    documents = read_parquet(WarehouseLayout(out).documents, DOCUMENTS_SCHEMA)
    for i in range(5):
        shutil.copy(raw / F001, raw / f"new_{i}.txt")
    first = find_raw_changes(raw, documents, {}, limit=2)
    assert first.years == {2018: ("new_0.txt", "new_1.txt")}
    second = find_raw_changes(raw, documents, first.cursor, limit=2)
    assert second.years == {2018: ("new_2.txt", "new_3.txt")}
    third = find_raw_changes(raw, documents, second.cursor, limit=2)
    assert third.years == {2018: ("new_4.txt",)}
    assert find_raw_changes(raw, documents, third.cursor, limit=2).years == {}
