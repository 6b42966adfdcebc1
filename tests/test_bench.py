"""The benchmark at a tiny N (so it cannot rot), and serial = parallel on a synthetic corpus."""

from __future__ import annotations

import csv
import hashlib
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.stages import buffer
from tools.bench import (
    append_result,
    check_against_manifest,
    peak_memory,
    run_benchmark,
    run_pipeline_apart,
)
from tools.cli import main as tools_main
from tools.synth import generate_corpus

pytestmark = pytest.mark.slow


def test_the_benchmark_runs_end_to_end_at_a_tiny_n(tmp_path: Path) -> None:
    result = run_benchmark(40, workers=2, seed=3, work_dir=tmp_path / "work")
    assert result.reports == 40 and result.reports_found == 40
    assert result.manifest_ok, result.problems
    assert result.broken_flagged == result.broken_expected
    for name in ("inventory_s", "parse_years_s", "reconciliation_s", "warehouse_s", "floor_s"):
        assert getattr(result, name) > 0, name
    assert result.end_to_end_s >= result.parse_stage_s
    assert math.isfinite(result.floor_ratio) and result.floor_ratio > 0
    assert result.peak_rss_mb > 50  # the process tree was sampled
    assert 0 < result.peak_pss_mb <= result.peak_rss_mb
    results = tmp_path / "results.csv"
    append_result(result, results)
    append_result(result, results)
    rows = list(csv.DictReader(results.open(encoding="utf-8")))
    assert len(rows) == 2 and rows[0]["reports"] == "40"
    assert rows[0]["git_revision"] and rows[0]["manifest_ok"] == "True"


def test_the_memory_sampled_is_the_given_process_tree_only() -> None:
    # This process holds 300 MB; the sampled process (a sleeping interpreter) a few MB.
    ballast = b"x" * (300 * 1024 * 1024)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
    try:
        time.sleep(0.3)
        with peak_memory(child.pid, interval=0.05) as samples:
            time.sleep(0.4)
    finally:
        child.kill()
        child.wait()
    assert len(samples) >= 3 and len(ballast) > 0
    assert 1e6 < max(b for _, b, _ in samples) < 100e6
    assert 1e6 < max(p for _, _, p in samples) < 100e6


# A process that writes 200 MB and forks a child holding the same pages, both then asleep.
_SHARED_PAGES = """
import os, sys, time
ballast = b"x" * (200 * 1024 * 1024)
if os.fork() == 0:
    time.sleep(5)
    os._exit(0)
sys.stdout.write("forked\\n")
sys.stdout.flush()
time.sleep(5)
"""


def test_pages_shared_in_the_tree_count_once_in_its_proportional_memory() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _SHARED_PAGES], stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline() == b"forked\n"
        time.sleep(0.3)
        with peak_memory(parent.pid, interval=0.05) as samples:
            time.sleep(0.3)
    finally:
        os.killpg(parent.pid, signal.SIGKILL)  # the forked child too, not left to sleep
        parent.wait()
    resident = max(b for _, b, _ in samples)
    proportional = max(p for _, _, p in samples)
    # Both processes map the 200 MB: resident counts it twice, proportional once.
    assert resident > 400e6
    assert 200e6 < proportional < 300e6


def test_a_failed_pipeline_run_is_raised_from_its_process(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    not_a_folder = tmp_path / "warehouse"
    not_a_folder.write_text("a file where the warehouse folder should be", encoding="utf-8")
    with pytest.raises(RuntimeError, match="exit code"):
        run_pipeline_apart(raw, not_a_folder, workers=1)


def test_the_bench_command_appends_a_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    results = tmp_path / "results.csv"
    assert tools_main(["bench", "--reports", "12", "--seed", "5", "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "parse stage / floor" in out and "peak memory" in out
    assert len(list(csv.DictReader(results.open(encoding="utf-8")))) == 1


def test_a_report_that_fails_without_being_listed_is_a_problem(tmp_path: Path) -> None:
    manifest = generate_corpus(30, tmp_path / "corpus", seed=11)
    warehouse = tmp_path / "warehouse"
    assert main(["run", "--raw-dir", str(tmp_path / "corpus" / "raw"),
                 "--warehouse-dir", str(warehouse), "--workers", "1"]) == 0  # fmt: skip
    found, expected, flagged, problems = check_against_manifest(
        warehouse / "warehouse.duckdb", manifest.reports
    )
    assert problems == [] and found == 30 and flagged == expected
    # Pretend a broken report was intact: the check must say so.
    broken = next(e for e in manifest.reports if e.broken)
    intact = [e if e is not broken else _intact(e) for e in manifest.reports]
    *_, problems = check_against_manifest(warehouse / "warehouse.duckdb", intact)
    assert any(broken.report_id in p and "not broken on purpose" in p for p in problems)


def _intact(entry):  # a copy of a manifest entry marked intact
    from dataclasses import replace

    return replace(entry, broken=False, expected_failures=())


def _parquet_hashes(root: Path) -> dict[str, str]:
    parquet = root / "parquet"
    files = [
        *parquet.glob("*/report_year=*/*.parquet"),
        *parquet.glob("quarantine/statistics/report_year=*/*.parquet"),
        *parquet.glob("_manifests/*/*.json"),
    ]
    return {str(p.relative_to(parquet)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _tables(root: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()
            if name != "runs"
        ]
        return {n: sorted(con.execute(f"select * from {n}").fetchall(), key=repr) for n in names}


def test_serial_and_parallel_runs_agree_on_a_synthetic_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = generate_corpus(150, tmp_path / "corpus", seed=7)
    assert manifest.totals["files"] > 40
    raw = tmp_path / "corpus" / "raw"
    assert main(["run", "--raw-dir", str(raw), "--warehouse-dir", str(tmp_path / "serial"),
                 "--workers", "1"]) == 0  # fmt: skip
    # Two processes, and parsed rows spilled to disk every few files.
    monkeypatch.setattr(buffer, "SPILL_ROWS", 5_000)
    assert main(["run", "--raw-dir", str(raw), "--warehouse-dir", str(tmp_path / "parallel"),
                 "--workers", "2"]) == 0  # fmt: skip
    serial = _parquet_hashes(tmp_path / "serial")
    assert len(serial) > 30
    assert serial == _parquet_hashes(tmp_path / "parallel")
    assert _tables(tmp_path / "serial") == _tables(tmp_path / "parallel")
