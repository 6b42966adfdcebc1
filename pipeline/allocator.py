"""The memory allocators of Polars and pyarrow, set for every process of a run.

Polars allocates through jemalloc, which by default spreads threads over several arenas (four
per CPU) and keeps the pages a query freed in each arena for reuse, so a process that ran many
small queries holds far more than any one of them needed. With one arena the freed pages are
reused by whichever thread asks next. Measured on this 2-core machine (2026-12-06): the
reconciliation of the largest year of the 100k corpus peaked at 422 and 425 MB with the
default, 382 and 375 MB with one arena, at the same CPU (23.5 against 23.3 s); `bench
--reports 10000`, reconciliation stage 1,250-1,265 MB against 1,168-1,180 MB, the parse
stage 938-940 against 906-914 MB, times within the noise.

jemalloc reads its options once, from the environment, when Polars is first loaded; Polars
itself writes its defaults into `_RJEM_MALLOC_CONF` as it loads, followed by whatever the
variable held. So the option must be in the environment before a process imports Polars:
`python -m pipeline` adds it first thing, and the worker pool adds it before it starts the
forkserver that every worker process is forked from (that process imports Polars afresh).
Options that already name a number of arenas (a user's own choice) are left as they are.

pyarrow (the year writers' Parquet, Arrow tables from Polars) allocates from its own pool,
mimalloc by default; its jemalloc pool held less: the largest year's reconciliation alone
peaked at 356-358 MB against 384-386 MB, at the same CPU (four runs interleaved, 12-06).
pyarrow reads `ARROW_DEFAULT_MEMORY_POOL` when it is first imported, so it is set with the
option above; a pool the environment already names is left. Only on Linux, where every
pyarrow wheel has jemalloc (elsewhere some have not, and would warn on each start).

What the C library's own allocator (glibc malloc: Python's larger objects, the column lists
of a parse) holds free is given back by `give_back_memory` at the end of a stage in the
run's main process: after the parse of the 10k corpus the main process held 456 MB, 416 MB
once trimmed; it stays in that process through the reconciliation and warehouse steps.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from collections.abc import MutableMapping

# The variable the jemalloc built into Polars reads (its symbols carry the `_rjem_` prefix).
JEMALLOC_VARIABLE = "_RJEM_MALLOC_CONF"
JEMALLOC_OPTIONS = "narenas:1"
# The variable pyarrow reads to choose its default memory pool, and the pool chosen.
ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"
ARROW_POOL = "jemalloc"


def prepare_environment(environ: MutableMapping[str, str] | None = None) -> str:
    """Add the allocator options to `environ` (default: this process's environment, which the
    processes it starts inherit) unless its options name a number of arenas already, and
    choose pyarrow's pool unless one is chosen (on Linux); return the jemalloc variable's
    value."""
    target = os.environ if environ is None else environ
    current = target.get(JEMALLOC_VARIABLE, "")
    if "narenas:" not in current:
        target[JEMALLOC_VARIABLE] = f"{current},{JEMALLOC_OPTIONS}" if current else JEMALLOC_OPTIONS
    if sys.platform == "linux":
        target.setdefault(ARROW_POOL_VARIABLE, ARROW_POOL)
    return target[JEMALLOC_VARIABLE]


def give_back_memory() -> bool:
    """Collect garbage, then hand the C heap's free pages back to the system (glibc's
    `malloc_trim`); False where the C library has no such call (not glibc)."""
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True
