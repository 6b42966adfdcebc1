"""The Dagster instance that records the runs of `python -m pipeline run | backfill`.

The instance at `DAGSTER_HOME` when it is set, otherwise the project's `deploy/` folder (its
`dagster.yaml`; run history, event logs and schedules are kept beside it, git-ignored), the same
instance `make dev` / `make daemon` use: a run from the command line shows up in the UI with its
materialisations, checks and logs, and its steps take the slots of the instance's pools (the
`duckdb_writer` pool, limit 1) like the runs the daemon launches.

A run killed by a signal cannot tell the instance it ended: it would stay "started" and keep its
pool slot, and the next run would wait for that slot for ever. Every run of the command line
therefore carries the id of its process and its host as tags, and each new run first marks the
runs of this host whose process is gone as failed and frees their slots (never a live one's).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

log = logging.getLogger("pipeline")

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy"
PID_TAG = "pipeline/pid"
HOST_TAG = "pipeline/host"

# Runs that may still hold a pool slot.
_UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def instance_home() -> Path:
    """`DAGSTER_HOME` when set (and not empty), otherwise the project's `deploy/` folder."""
    home = os.environ.get("DAGSTER_HOME", "").strip()
    return Path(home).expanduser() if home else DEPLOY_DIR


def process_tags() -> dict[str, str]:
    """The tags that let a later run tell whether this run's process is still alive."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user
    return True


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark as failed the unfinished command-line runs of this host whose process is gone, and
    free the pool slots they held; the ids of those runs."""
    released: list[str] = []
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=_UNFINISHED, tags={HOST_TAG: socket.gethostname()})
    )
    for record in records:
        run = record.dagster_run
        pid = run.tags.get(PID_TAG, "")
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        instance.report_run_failed(
            run,
            f"the process {pid} of this run ended without finishing it (killed); "
            "marked failed by a later run, which freed its pool slots",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    if released:
        log.warning(
            "released %d run(s) whose process was killed: %s", len(released), ", ".join(released)
        )
    return released


@contextmanager
def project_instance() -> Iterator[dg.DagsterInstance]:
    """The persistent instance at `instance_home()`, with dead command-line runs released."""
    home = instance_home()
    home.mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        release_dead_runs(instance)
        yield instance
