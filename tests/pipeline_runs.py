"""Running the Dagster job in process from tests, the way the CLI does."""

from __future__ import annotations

import dagster as dg

from pipeline.definitions import pipeline_definitions
from pipeline.defs.partitions import range_tags
from pipeline.defs.resources import PipelineStorage
from pipeline.years import all_years


def materialize(
    storage: PipelineStorage,
    *,
    years: tuple[int, int] | None = None,
    tags: dict[str, str] | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """One run of the whole job over the years first..last (default: every year)."""
    first, last = years or (all_years()[0], all_years()[-1])
    job = pipeline_definitions(storage).resolve_job_def("pipeline_job")
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(
            instance=instance,
            tags={**range_tags(first, last), **(tags or {})},
            raise_on_error=raise_on_error,
        )
