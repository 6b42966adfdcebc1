"""Publishing the warehouse, and the record of each run.

The warehouse is rebuilt only when something it is built from changed (a year partition, a
reconciliation partition, the inventory's quarantine, the SQL or the loader); otherwise the
previous database is copied and only its `runs` table refreshed. Either way the new file is
finished beside the old one and renamed onto it, so an analyst's open read-only connection keeps
reading the old file undisturbed, and a run killed at any point leaves the old warehouse intact.

Each stage of a run writes what it did to `parquet/_runs/<run id>/<stage>.json`; publishing
gathers them into one row of `runs.parquet` and of the `runs` table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline.atomic_files import (
    file_lock,
    read_json,
    sha256_file,
    write_json_atomic,
    write_parquet_atomic,
)
from pipeline.dbt import SQL_DIR, NodeResult, project_hash
from pipeline.model import RUNS_SCHEMA
from pipeline.storage import (
    WarehouseLayout,
    combine_quarantine,
    read_parquet,
    scratch_dir,
    year_locks,
)
from pipeline.versions import parser_version, warehouse_version
from pipeline.warehouse import (
    build_database,
    remove_database_files,
    swap_in,
    temporary_path,
)


def now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.UTC)


def record_step(layout: WarehouseLayout, run_id: str, step: str, payload: dict[str, Any]) -> None:
    """Keep what one stage of a run did, for the run's record."""
    write_json_atomic(payload, layout.run_step(run_id, step))


def read_steps(layout: WarehouseLayout, run_id: str) -> dict[str, dict[str, Any]]:
    """What each stage of a run recorded, by stage name."""
    folder = layout.run_dir(run_id)
    if not folder.is_dir():
        return {}
    steps = {}
    for path in sorted(folder.glob("*.json")):
        payload = read_json(path)
        if payload is not None:
            steps[path.stem] = payload
    return steps


def _manifest_outputs(layout: WarehouseLayout, stage: str) -> dict[str, Any]:
    folder = layout.manifests(stage)
    outputs = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        payload = read_json(path)
        outputs[path.stem] = payload.get("outputs") if payload else None
    return outputs


def warehouse_signature(layout: WarehouseLayout, sql_dir: Path = SQL_DIR) -> str:
    """A hash of everything the warehouse is built from, except the run records."""
    quarantine = layout.quarantine_part("documents")
    payload = {
        "warehouse": warehouse_version(),
        "sql": project_hash(Path(sql_dir)),
        "parse": _manifest_outputs(layout, "parse"),
        "reconciliation": _manifest_outputs(layout, "reconciliation"),
        "quarantine": sha256_file(quarantine) if quarantine.exists() else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _stored_years(layout: WarehouseLayout) -> list[int]:
    folder = layout.manifests("parse")
    return sorted(int(p.stem) for p in folder.glob("*.json")) if folder.is_dir() else []


def _totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    def count(sql: str) -> int:
        row = con.execute(sql).fetchone()
        return int(row[0]) if row else 0

    return {
        "reports": count("select count(*) from reports"),
        "statistics_rows": count("select count(*) from statistics"),
        "quarantined": count("select count(*) from quarantine"),
        "rule_failures": count("select count(*) from reconciliation where status = 'fail'"),
    }


def run_record(
    run_id: str,
    mode: str,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    steps: dict[str, dict[str, Any]],
    totals: dict[str, int],
    rebuilt: bool,
) -> dict[str, Any]:
    """One row of the `runs` table: what the run did and what the warehouse then held."""
    inventory = steps.get("documents", {})
    parse = steps.get("parse", {})
    seen = int(inventory.get("files_seen", 0))
    parsed = sorted(set(inventory.get("files_scanned", [])) | set(parse.get("files_parsed", [])))
    return {
        "run_id": run_id,
        "mode": mode,
        "started_at": started_at,
        "finished_at": finished_at,
        "years_requested": parse.get("years_requested", []),
        "years_written": parse.get("years_written", []),
        "files_seen": seen,
        "files_scanned": len(inventory.get("files_scanned", [])),
        "files_parsed": len(parsed),
        "files_skipped": max(seen - len(parsed), 0),
        **totals,
        "warehouse_rebuilt": rebuilt,
        "parser_version": parser_version(),
    }


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What publishing did: whether the marts were rebuilt, the counts, the run's row, and
    what dbt did with each model and test (those of the last build when nothing was rebuilt:
    `rebuilt` tells which)."""

    rebuilt: bool
    counts: dict[str, int]
    run: dict[str, Any]
    nodes: list[NodeResult]


def publish_warehouse(
    layout: WarehouseLayout,
    run_id: str,
    *,
    mode: str = "run",
    force: bool = False,
    sql_dir: Path = SQL_DIR,
    select: tuple[str, ...] = (),
) -> PublishResult:
    """Rebuild (or refresh) the warehouse and swap it in; record the run.

    `select` names dbt models and tests to rebuild in the current warehouse (a subset build:
    the base tables are reloaded, the other models are kept as they are); empty means the
    whole warehouse, rebuilt only when an input changed. One publisher at a time (a lock
    file); the year partitions are read under shared locks so no writer swaps a year
    mid-build.
    """
    database = layout.database
    tmp_path = temporary_path(database)
    with (
        file_lock(layout.lock("warehouse")),
        year_locks(layout, _stored_years(layout), shared=True),
    ):
        steps = read_steps(layout, run_id)
        started = min(
            (
                dt.datetime.fromisoformat(s["started_at"])
                for s in steps.values()
                if "started_at" in s
            ),
            default=now(),
        )
        signature = warehouse_signature(layout, sql_dir)
        stored = read_json(layout.warehouse_manifest) or {}
        subset = bool(select) and database.exists()
        rebuild = subset or force or not database.exists() or stored.get("signature") != signature
        refuse_live_writer(database)
        try:
            if rebuild:
                write_parquet_atomic(combine_quarantine(layout), layout.quarantine)
                remove_database_files(tmp_path)
                if subset:
                    shutil.copyfile(database, tmp_path)
                with scratch_dir(layout, "duckdb") as spill:
                    built = build_database(
                        layout.parquet,
                        tmp_path,
                        sql_dir,
                        temp_dir=spill,
                        target=layout.dbt_target,
                        select=select if subset else (),
                        fresh=not subset,
                    )
                counts, nodes = built.counts, built.nodes
            else:
                remove_database_files(tmp_path)
                shutil.copyfile(database, tmp_path)
                counts = dict(stored.get("counts", {}))
                nodes = [NodeResult(**node) for node in stored.get("nodes", [])]
            with duckdb.connect(str(tmp_path)) as con:
                row = run_record(run_id, mode, started, now(), steps, _totals(con), rebuild)
                runs = read_parquet(layout.runs, RUNS_SCHEMA)
                runs = pl.concat([runs, pl.DataFrame([row], schema=RUNS_SCHEMA)])
                write_parquet_atomic(runs, layout.runs)
                con.execute("delete from runs")
                con.register("new_runs", runs.to_arrow())
                con.execute("insert into runs by name select * from new_runs")
                con.unregister("new_runs")
                counts["runs"] = runs.height
                con.execute("checkpoint")
            refuse_live_writer(database)  # one may have opened it while this run built
        except BaseException:
            remove_database_files(tmp_path)
            raise
        swap_in(tmp_path, database)
        if subset:
            # The other models were not rebuilt: the next whole run decides about them.
            known = {node["unique_id"]: node for node in stored.get("nodes", [])}
            known.update({node.unique_id: asdict(node) for node in nodes})
            stored_nodes = list(known.values())
            signature = stored.get("signature", "")
        else:
            stored_nodes = [asdict(node) for node in nodes]
        write_json_atomic(
            {"signature": signature, "counts": counts, "nodes": stored_nodes},
            layout.warehouse_manifest,
        )
    shutil.rmtree(layout.run_dir(run_id), ignore_errors=True)
    _forget_abandoned_runs(layout)
    return PublishResult(rebuilt=rebuild, counts=counts, run=row, nodes=nodes)


class WarehouseInUse(RuntimeError):
    """Another process holds the warehouse open read-write: replacing the file under it
    would lose what it wrote (its write-ahead log belongs to the old file)."""


def live_writer(database: Path) -> str | None:
    """DuckDB's lock error when another connection holds `database` open read-write.

    Asks DuckDB itself: a read-only open fails on the lock a read-write connection holds
    (readers share theirs, so they are no obstacle). None when nothing holds it for writing,
    including when the file does not exist or cannot be opened for other reasons (a stale
    write-ahead log of a crashed writer is then removed by the swap, as before).
    """
    if not database.exists():
        return None
    try:
        with duckdb.connect(str(database), read_only=True):
            return None
    except duckdb.Error as error:
        message = str(error)
        held = "lock" in message.lower() or "different configuration" in message.lower()
        return message.splitlines()[0] if held else None


def refuse_live_writer(database: Path) -> None:
    """Stop the run, with what to do, when a live connection writes into the warehouse."""
    holder = live_writer(database)
    if holder is not None:
        raise WarehouseInUse(
            f"{database} is open read-write by another process ({holder}). Replacing it "
            "would lose what that connection wrote. Close that connection and run again; "
            "analysts open the warehouse with duckdb.connect(path, read_only=True), or work "
            "on a copy."
        )


ABANDONED_AFTER = dt.timedelta(days=7)


def _forget_abandoned_runs(layout: WarehouseLayout) -> None:
    """Drop the step records of runs that never published (killed, or without a warehouse
    step) once they are a week old."""
    root = layout.run_dirs
    cutoff = (now() - ABANDONED_AFTER).timestamp()
    for folder in root.iterdir() if root.is_dir() else []:
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
