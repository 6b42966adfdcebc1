"""The dbt project in `sql/`: where it is, its parsed manifest, and how a build runs it.

The manifest (`sql/target/manifest.json`) is what Dagster builds the per-model assets from, so
it must exist before the definitions load. `prepared_project` parses the project once per change
of its files: a stamp beside the manifest holds a hash of every file dbt reads, and a lock keeps
two processes from parsing at once.

A build runs dbt in this process (dbt's programmatic `dbtRunner`): a dbt subprocess would pay
dbt's start-up (seconds) on every run. It writes into the database file named by
PIPELINE_DBT_DATABASE (sql/profiles.yml), set for the duration of the build, and keeps dbt's
target folder per warehouse so that dbt's partial parsing carries over from one build to the
next.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject

from pipeline.atomic_files import file_lock, write_json_atomic

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"

DATABASE_VARIABLE = "PIPELINE_DBT_DATABASE"
SPILL_VARIABLE = "PIPELINE_DUCKDB_SPILL"

# What dbt reads when it parses: a change to any of these makes a new manifest.
_PROJECT_FILES = ("*.yml", "*.sql", "*.md")
_STAMP = "manifest.stamp.json"

# The statuses of a node that did not build or a test that did not pass.
_FAILED = ("error", "fail", "runtime error")

# dbt keeps process-wide state (flags, its event logger, the adapter): one invocation at a time.
_DBT_LOCK = threading.Lock()


class DbtBuildFailed(RuntimeError):
    """dbt reported an error: a model that would not build or a test that failed.

    `nodes` holds what dbt did with every node it ran, the failed ones included.
    """

    def __init__(self, message: str, nodes: Sequence[NodeResult] = ()) -> None:
        super().__init__(message)
        self.nodes = list(nodes)


@dataclass(frozen=True, slots=True)
class NodeResult:
    """What dbt did with one node (model, test, hook) of a build."""

    unique_id: str
    status: str
    message: str | None
    seconds: float
    failures: int | None

    @property
    def name(self) -> str:
        """The node's name: a model's name, or a test's (its asset check's name)."""
        return self.unique_id.split(".")[2]

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def ok(self) -> bool:
        return self.status in ("success", "pass")


# The folder of the dbt project that holds the quality report's queries (`pipeline/report/`).
REPORT_QUERIES_DIR = "report"


def project_files(project_dir: Path) -> list[Path]:
    """The files of a dbt project that its manifest depends on: not target/ or logs/, nor the
    quality report's queries in report/ (dbt never reads them; an edit there is the report's)."""
    skipped = {"target", "logs"}
    files: set[Path] = set()
    for pattern in _PROJECT_FILES:
        for path in project_dir.rglob(pattern):
            parts = path.relative_to(project_dir).parts
            if not skipped & set(parts) and parts[0] != REPORT_QUERIES_DIR:
                files.add(path)
    return sorted(files)


def project_hash(project_dir: Path) -> str:
    """A hash of every project file's path and content."""
    digest = hashlib.sha256()
    for path in project_files(project_dir):
        digest.update(str(path.relative_to(project_dir)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def dbt_project(project_dir: Path = SQL_DIR) -> DbtProject:
    """The dbt project at `project_dir`, with its profile kept inside it."""
    return DbtProject(project_dir=project_dir, profiles_dir=project_dir)


def prepared_project(project_dir: Path = SQL_DIR) -> DbtProject:
    """The project with an up-to-date manifest: parsed again only when a file changed."""
    project = dbt_project(Path(project_dir))
    target = project.project_dir / project.target_path
    stamp = target / _STAMP
    wanted = project_hash(project.project_dir)
    if _stamp_matches(stamp, wanted, project.manifest_path):
        return project
    target.mkdir(parents=True, exist_ok=True)
    with file_lock(target / "parse.lock"):
        if not _stamp_matches(stamp, wanted, project.manifest_path):
            invoke(project.project_dir, ["parse"], target, database=None, spill=None)
            write_json_atomic({"hash": wanted}, stamp)
    return project


def manifest(project_dir: Path = SQL_DIR) -> dict[str, Any]:
    """The parsed manifest of the project (parsed first if stale)."""
    path = prepared_project(project_dir).manifest_path
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _stamp_matches(stamp: Path, wanted: str, manifest_path: Path) -> bool:
    if not manifest_path.exists() or not stamp.exists():
        return False
    try:
        return bool(json.loads(stamp.read_text(encoding="utf-8")).get("hash") == wanted)
    except (OSError, ValueError):
        return False


def build(
    project_dir: Path,
    database: Path,
    target: Path,
    spill: Path | None = None,
    select: Sequence[str] = (),
) -> list[NodeResult]:
    """`dbt build` (models, then their tests) into `database`; the result of every node.

    `select` names the models and tests to build (default: all). Raises DbtBuildFailed,
    naming each failed node with dbt's message, when any model or test fails.
    """
    # dbt's own log file keeps warnings and errors only: writing every statement of a build
    # costs time, and a failure's message reaches the caller anyway.
    args = ["build", "--no-write-json", "--log-level-file", "warn"]
    if select:
        args += ["--select", *select]
    else:
        # A whole build starts from base tables only: no relation of a model to look up first.
        # (A subset build replaces models that exist, so dbt must know them.)
        args += ["--no-populate-cache"]
    return invoke(project_dir, args, target, database=database, spill=spill)


_IMPORTED = threading.Event()


def import_in_background() -> None:
    """Import dbt (a few seconds) in a daemon thread, so that a run's warehouse step finds it
    done; the earlier stages keep the main thread waiting on their worker processes anyway."""

    def load() -> None:
        try:
            import dbt.adapters.duckdb
            import dbt.cli.main  # noqa: F401
        finally:
            _IMPORTED.set()

    if not _IMPORTED.is_set() and not any(t.name == _IMPORT_THREAD for t in threading.enumerate()):
        threading.Thread(target=load, name=_IMPORT_THREAD, daemon=True).start()


_IMPORT_THREAD = "pipeline-dbt-import"


def invoke(
    project_dir: Path,
    args: list[str],
    target: Path,
    *,
    database: Path | None,
    spill: Path | None,
) -> list[NodeResult]:
    """Run one dbt command in this process; the result of every node it ran."""
    # dbt's import takes seconds: only when a build runs, and joined with the background
    # import when one is under way (two threads importing one package could see it half-done).
    for thread in threading.enumerate():
        if thread.name == _IMPORT_THREAD:
            thread.join()
    from dbt.cli.main import dbtRunner

    # dbt reads a relative --target-path against the project folder, not the working one.
    project_dir, target = Path(project_dir).resolve(), Path(target).resolve()
    target.mkdir(parents=True, exist_ok=True)
    command = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
        "--quiet",
    ]
    with _DBT_LOCK, dbt_environment(database, spill):
        try:
            outcome = dbtRunner().invoke(command)
        finally:
            _release_database()
    results = [
        NodeResult(
            unique_id=result.node.unique_id,
            status=str(getattr(result.status, "value", result.status)),
            message=result.message,
            seconds=float(result.execution_time or 0.0),
            failures=result.failures,
        )
        for result in getattr(outcome.result, "results", None) or []
    ]
    if not outcome.success:
        failed = [f"{r.unique_id}: {r.status}: {r.message}" for r in results if r.status in _FAILED]
        skipped = sum(1 for r in results if r.status == "skipped")
        if skipped:
            failed.append(f"{skipped} node(s) downstream skipped")
        if outcome.exception is not None:
            failed.append(f"{type(outcome.exception).__name__}: {outcome.exception}")
        # The files it wrote, quoted: an error of the file system (a full disk) names them.
        written = f"database '{database}', " if database is not None else ""
        raise DbtBuildFailed(
            f"dbt {args[0]} of {project_dir} failed ({written}target folder '{target}'): "
            + ("; ".join(failed) or "no detail"),
            results,
        )
    return results


def _release_database() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a command.

    dbt-duckdb holds one DuckDB instance per process for reuse; left open, it would keep the
    file locked (and configured its way) after the build, so nothing else could open it.
    """
    # dbt's import takes seconds: only here, once a build has run and imported it anyway.
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


@contextmanager
def dbt_environment(database: Path | None, spill: Path | None) -> Iterator[None]:
    """Point dbt at `database` (and DuckDB's spill folder at `spill`) while the block runs.

    The profile reads the database path from the environment. Without a database (parsing),
    the profile's throwaway default under target/ applies.
    """
    saved = {name: os.environ.get(name) for name in (DATABASE_VARIABLE, SPILL_VARIABLE)}
    for name, value in ((DATABASE_VARIABLE, database), (SPILL_VARIABLE, spill)):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = str(Path(value).resolve())
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
