"""Running the whole job from a command, and what the command says of it.

`execute` runs the Dagster job in process over a range of years, recorded in the project's
instance; a failed run becomes an exit status and, when its cause is one a user must act on (a
full disk, a permission, the warehouse held open by another process), one plain line naming it
(`actionable_error`). After a run, `say_what_ran` prints what it did, and `--strict` turns
reports that break their arithmetic into exit status 3 (`strict_verdict`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

import dagster as dg
import polars as pl
from dagster._utils.error import SerializableErrorInfo

from pipeline.defs.partitions import range_tags
from pipeline.defs.resources import PipelineStorage
from pipeline.instance import process_tags, project_instance
from pipeline.model import RUNS_SCHEMA
from pipeline.reconcile import FAILED, INSPECTION
from pipeline.storage import read_parquet, read_table

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_RULES_FAILED = 3

# Causes a user must act on (free space, fix permissions, close a connection), as the
# operating system words them.
_ACTIONABLE_CAUSES = (
    "No space left on device",
    "Disk quota exceeded",
    "Permission denied",
    "Operation not permitted",
    "Read-only file system",
    "Too many open files",
    "Input/output error",
)
_QUOTED_PATH = re.compile(r"""(?:'(/[^']+)'|"(/[^"]+)")""")
_HELD_LOCK = re.compile(
    r'Could not set lock on file "([^"]+)": Conflicting lock is held in (.*?)\.?(?: See|$)'
)


def actionable_error(messages: Sequence[str]) -> str | None:
    """The one plain line naming the path and the cause of an error a user must act on.

    `messages` are the errors of a failed run, outermost first ("OSError: [Errno 28] No
    space left on device: '/w/x'", DuckDB's `Could not write file "/w/x": No space left on
    device`, the warehouse held open for writing). None when none of them is such an error.
    """
    for message in messages:
        if "WarehouseInUse" in message or "is open read-write by another process" in message:
            text = message.split(": ", 1)[1] if message.startswith("pipeline.") else message
            return f"error: {text.strip().splitlines()[0]}"
        held = _HELD_LOCK.search(message)
        if held:
            return (
                f"error: a lock held by another process ({held[2]}): {held[1]}: close that "
                "connection (analysts: duckdb.connect(path, read_only=True)) and run again"
            )
        for cause in _ACTIONABLE_CAUSES:
            if cause in message:
                paths = [a or b for a, b in _QUOTED_PATH.findall(message)]
                return f"error: {cause}: {paths[-1]}" if paths else f"error: {cause}"
    return None


def _error_chain(error: SerializableErrorInfo | None) -> list[str]:
    messages: list[str] = []
    while error is not None:
        messages.append(error.message)
        error = error.cause or error.context
    return messages


def execute(storage: PipelineStorage, first: int, last: int, tags: dict[str, str]) -> int:
    """One in-process run of the whole job over the years first..last; an exit status.

    The run is recorded in the project's Dagster instance (`pipeline/instance.py`), so the UI
    shows it, and its warehouse step takes the instance's `duckdb_writer` pool slot.
    """
    # Imported here for start-up time: the module builds every definition as it loads (2 s).
    from pipeline.definitions import pipeline_definitions

    job = pipeline_definitions(storage).resolve_job_def("pipeline_job")
    # Recorded in the project's instance (DAGSTER_HOME, else deploy/): the UI shows the run.
    with project_instance() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags={**range_tags(first, last), **tags, **process_tags()},
            raise_on_error=False,
            # Dagster's own step events stay off the terminal; the stages' progress lines
            # (logger `pipeline.progress`) and warnings are what a user watches.
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    failed_checks = [
        evaluation.check_name
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    ]
    if failed_checks:
        print(f"error: contract checks failed: {', '.join(failed_checks)}", file=sys.stderr)
        return EXIT_FAILED
    if not result.success:
        print("error: the pipeline failed:", file=sys.stderr)
        errors: list[str] = []
        for event in result.all_events:
            if event.is_failure and event.message:
                print(f"  {event.message}", file=sys.stderr)
            if event.is_step_failure and event.step_failure_data is not None:
                errors.extend(_error_chain(event.step_failure_data.error))
        plain = actionable_error(errors)
        if plain:
            print(plain, file=sys.stderr)  # the last line: what to fix, and where
        return EXIT_FAILED
    return EXIT_OK


def say_what_ran(storage: PipelineStorage) -> None:
    """Print what the last run did (the last row of runs.parquet), or that it found nothing."""
    runs = read_parquet(storage.layout.runs, RUNS_SCHEMA)
    if not runs.height:
        return
    run = runs.row(-1, named=True)
    if run["files_seen"] == 0:
        print(
            f"warning: the raw directory {storage.raw_dir} holds no file: nothing was read",
            file=sys.stderr,
        )
    if run["files_parsed"] == 0 and not run["warehouse_rebuilt"]:
        print(
            f"nothing new: {run['files_seen']} files unchanged, nothing parsed; "
            f"warehouse unchanged at {storage.layout.database}"
        )
        return
    print(
        f"{run['files_seen']} files: {run['files_parsed']} parsed, {run['files_skipped']} "
        f"unchanged; years written {run['years_written'] or 'none'}; "
        f"{run['reports']} reports, {run['statistics_rows']} figures, "
        f"{run['quarantined']} quarantined, {run['rule_failures']} rule failures"
    )
    print(
        f"warehouse {'rebuilt' if run['warehouse_rebuilt'] else 'unchanged'} at "
        f"{storage.layout.database}"
    )


def strict_verdict(reconciliation: pl.DataFrame) -> tuple[int, str | None]:
    """`--strict`'s exit status and message: it fails on arithmetic rules (勾稽关系) only, as
    `mart_data_quality.is_consistent` does; the inspectors' findings are counted apart."""
    failures = reconciliation.filter(FAILED)
    arithmetic = failures.filter(~INSPECTION)
    findings = failures.height - arithmetic.height
    if not arithmetic.height:
        return EXIT_OK, None
    also = f" (and {findings} inspection finding(s), not counted)" if findings else ""
    return EXIT_RULES_FAILED, (
        f"strict: {arithmetic.height} reconciliation rule(s) fail in "
        f"{arithmetic['report_id'].n_unique()} report(s){also}; see the `reconciliation` "
        "table, or mart_data_quality where not is_consistent"
    )


def strict_status(storage: PipelineStorage) -> int:
    """`--strict`'s exit status for the warehouse's reconciliation, its message printed."""
    status, message = strict_verdict(read_table(storage.layout, "reconciliation"))
    if message:
        print(message, file=sys.stderr)
    return status
