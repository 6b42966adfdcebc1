"""Map a function over items in worker processes, results in input order.

Parsing is CPU-bound pure Python, so threads do not help; processes do. With one worker (or
few items) everything runs in the calling process, which is also what the tests compare the
parallel runs against: the results are the same objects in the same order either way.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from pipeline.allocator import prepare_environment

T = TypeVar("T")
R = TypeVar("R")
# The variable Polars reads, when it is imported, for the size of its thread pool.
POLARS_THREADS_VARIABLE = "POLARS_MAX_THREADS"


def default_workers() -> int:
    """One worker per CPU the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def polars_threads(workers: int) -> int:
    """The Polars threads of each of `workers` processes running at once: their share of the
    CPUs (at least one)."""
    return max(1, default_workers() // max(1, workers))


def map_ordered(
    function: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    chunksize: int = 8,
    max_tasks_per_child: int | None = None,
    isolate: bool = False,
) -> Iterator[R]:
    """`map(function, items)`, in `workers` processes when there is enough work for them.

    `max_tasks_per_child` replaces a worker after that many tasks, which hands the memory a
    large task leaves behind back to the system. `isolate` runs the tasks in worker
    processes even with one worker or one item (for the memory, not for speed).
    """
    if not items:
        return
    if not isolate and (workers <= 1 or len(items) <= 1):
        yield from map(function, items)
        return
    # forkserver, not fork: the caller (a Dagster step) runs threads, which fork does not copy.
    context = multiprocessing.get_context("forkserver")
    # The forkserver (and so every worker) inherits the environment when it starts.
    prepare_environment()
    # Polars sizes its thread pool by the CPUs, in every process: two workers on two cores ran
    # four threads. Each worker gets its share instead, fixed when the forkserver starts
    # (with the first pool of the process; a size the environment already names is kept).
    # The year writer (one process at a time, forked from the same server) gets the same
    # share. What it is worth: benchmarks/README.md, lesson 22.
    os.environ.setdefault(POLARS_THREADS_VARIABLE, str(polars_threads(workers)))
    # Workers are forked from the forkserver with the job modules imported and Pandera warmed
    # up (pipeline/preload.py). The forkserver starts once per process, so a run pays for
    # that once, not per worker and step.
    context.set_forkserver_preload(["pipeline.preload"])
    with ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(items))),
        mp_context=context,
        max_tasks_per_child=max_tasks_per_child,
    ) as pool:
        yield from pool.map(
            function, items, chunksize=max(1, min(chunksize, len(items) // workers))
        )


def stop_worker_server() -> None:
    """Stop this process's forkserver, if one runs: between the steps that use workers it sits
    idle with the job modules imported (about 0.14 GB). The next pool starts a new one.

    `multiprocessing` has no public way to do it; `ForkServer._stop` (CPython 3.8 on, used by
    its own tests) does it cleanly, and without it nothing is stopped.
    """
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if callable(stop):
        stop()
