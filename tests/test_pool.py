"""The worker pool: what its processes inherit, and the forkserver stopped between steps."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pipeline.allocator import (
    ARROW_POOL,
    ARROW_POOL_VARIABLE,
    JEMALLOC_OPTIONS,
    JEMALLOC_VARIABLE,
    prepare_environment,
)
from pipeline.pool import POLARS_THREADS_VARIABLE, default_workers, map_ordered, stop_worker_server


def _variable(name: str) -> str | None:
    return os.environ.get(name)


def _arrow_pool(_: int) -> str:
    import pyarrow as pa

    return pa.default_memory_pool().backend_name


def _polars_threads(_: int) -> int:
    import polars as pl

    return pl.thread_pool_size()


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
    arrow = {ARROW_POOL_VARIABLE: ARROW_POOL} if sys.platform == "linux" else {}
    assert empty == {JEMALLOC_VARIABLE: JEMALLOC_OPTIONS, **arrow}
    chosen = {ARROW_POOL_VARIABLE: "system"}
    prepare_environment(chosen)
    assert chosen[ARROW_POOL_VARIABLE] == "system"  # a user's own pool stays
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


@pytest.mark.skipif(sys.platform != "linux", reason="the pool is chosen on Linux only")
def test_worker_processes_allocate_arrow_memory_from_the_chosen_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ARROW_POOL_VARIABLE, raising=False)
    stop_worker_server()  # a forkserver started before has the environment it started with
    [pool] = map_ordered(_arrow_pool, [0], 1, isolate=True)
    assert pool == ARROW_POOL
    stop_worker_server()


def test_each_worker_runs_polars_on_its_share_of_the_cpus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Polars would start as many threads as CPUs in each worker: two workers, twice the cores
    monkeypatch.delenv(POLARS_THREADS_VARIABLE, raising=False)
    stop_worker_server()  # a forkserver started before has the environment it started with
    sizes = list(map_ordered(_polars_threads, [0, 1, 2, 3], 2, chunksize=1))
    assert set(sizes) == {max(1, default_workers() // 2)}
    stop_worker_server()
    # a size the environment names is kept
    monkeypatch.setenv(POLARS_THREADS_VARIABLE, "3")
    [own] = map_ordered(_polars_threads, [0], 2, isolate=True)
    assert own == 3
    stop_worker_server()


def test_the_forkserver_is_stopped_and_started_again_when_needed() -> None:
    [server] = map_ordered(_parent, [0], 1, isolate=True)
    assert server != os.getpid() and _is_running(server)
    stop_worker_server()
    assert not _is_running(server)
    stop_worker_server()  # nothing runs: nothing to do
    [again] = map_ordered(_parent, [0], 1, isolate=True)
    assert again not in {server, os.getpid()} and _is_running(again)


# Fills the C heap with 64 KB blocks (below glibc's mmap threshold, so from the heap), frees
# all but the last (which keeps the heap's top in place, so free() alone cannot shrink it),
# then prints the resident size before and after `give_back_memory`.
_FRAGMENTED_HEAP = """
import os
from pipeline.allocator import give_back_memory
def resident():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
blocks = [bytearray(b"x" * 65536) for _ in range(3000)]
del blocks[:-1]
before = resident()
done = give_back_memory()
print(done, before, resident())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc_trim")
def test_free_heap_pages_are_given_back_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FRAGMENTED_HEAP], capture_output=True, text=True, check=True
    ).stdout.split()
    done, before, after = out[0], int(out[1]), int(out[2])
    assert done == "True"
    assert before - after > 100e6  # most of the 196 MB freed, now given back
