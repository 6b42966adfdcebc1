"""What the worker processes' forkserver imports before forking any worker.

The job functions live in the modules of `pipeline.stages`, whose imports (Polars, Pandera)
take seconds, and Pandera imports and registers its Polars backends on the first validation,
about a second more. Doing both once in the forkserver means every worker (including the
short-lived ones that write one year each) starts with them done.

Nothing here may *run* Polars: its thread pool starts on first use, and a process forked from
one whose pool has started deadlocks in its first Polars call. Importing modules and
registering classes start no threads.
"""

from __future__ import annotations

from pandera.backends.polars.register import register_polars_backends

# The modules of the workers' job functions (imported for the workers, used by none here).
import pipeline.stages.inventory
import pipeline.stages.reconciliation
import pipeline.stages.years  # noqa: F401

register_polars_backends()
