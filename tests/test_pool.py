"""The worker pool: what its processes inherit, and the forkserver stopped between steps."""

from __future__ import annotations

import os

import pytest

from pipeline.allocator import JEMALLOC_OPTIONS, JEMALLOC_VARIABLE, prepare_environment
from pipeline.pool import map_ordered, stop_worker_server


def _variable(name: str) -> str | None:
    return os.environ.get(name)


def _parent(_: int) -> int:
    return os.getppid()


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# What Polars writes into the variable as it loads (before what the variable held).
POLARS_DEFAULTS = "dirty_decay_ms:500,muzzy_decay_ms:1000"


def test_the_allocator_options_are_added_unless_arenas_are_already_set() -> None:
    empty: dict[str, str] = {}
    assert prepare_environment(empty) == JEMALLOC_OPTIONS
    assert empty == {JEMALLOC_VARIABLE: JEMALLOC_OPTIONS}
    after_polars = {JEMALLOC_VARIABLE: POLARS_DEFAULTS}
    assert prepare_environment(after_polars) == f"{POLARS_DEFAULTS},{JEMALLOC_OPTIONS}"
    assert prepare_environment(after_polars) == f"{POLARS_DEFAULTS},{JEMALLOC_OPTIONS}"  # once
    own = {JEMALLOC_VARIABLE: f"{POLARS_DEFAULTS},narenas:4"}
    assert prepare_environment(own) == f"{POLARS_DEFAULTS},narenas:4"


def test_worker_processes_start_with_the_allocator_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As this process's environment is once Polars is loaded; and a forkserver started before
    # (by another test) has the environment it started with.
    monkeypatch.setenv(JEMALLOC_VARIABLE, POLARS_DEFAULTS)
    stop_worker_server()
    [seen] = map_ordered(_variable, [JEMALLOC_VARIABLE], 1, isolate=True)
    assert seen is not None and seen.endswith(f",{JEMALLOC_OPTIONS}")
    assert os.environ[JEMALLOC_VARIABLE] == f"{POLARS_DEFAULTS},{JEMALLOC_OPTIONS}"


def test_the_forkserver_is_stopped_and_started_again_when_needed() -> None:
    [server] = map_ordered(_parent, [0], 1, isolate=True)
    assert server != os.getpid() and _is_running(server)
    stop_worker_server()
    assert not _is_running(server)
    stop_worker_server()  # nothing runs: nothing to do
    [again] = map_ordered(_parent, [0], 1, isolate=True)
    assert again not in {server, os.getpid()} and _is_running(again)
