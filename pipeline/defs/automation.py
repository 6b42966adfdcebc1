"""The job, the nightly schedule and the raw-directory sensor."""

import json
from collections.abc import Iterator

import dagster as dg

from pipeline.defs.partitions import MODE_TAG, all_year_keys, range_tags
from pipeline.defs.resources import PipelineStorage
from pipeline.defs.warehouse.assets import GROUP
from pipeline.model import DOCUMENTS_SCHEMA
from pipeline.storage import read_parquet
from pipeline.watch import find_raw_changes

# Every asset: the inventory, the year partitions, reconciliation, the warehouse and the
# quality report (a new asset under pipeline/defs/ is part of the job without a change here).
pipeline_job = dg.define_asset_job(
    "pipeline_job",
    selection=dg.AssetSelection.all(),
    description="Raw files to DuckDB marts; run with a year range for the per-year assets.",
)

# A run without years: the inventory (to quarantine a file with no report), the warehouse, and
# everything downstream of it (the quality report), so every run refreshes the report.
inventory_job = dg.define_asset_job(
    "inventory_job",
    selection=dg.AssetSelection.assets("documents", "reconciliation")
    | dg.AssetSelection.groups(GROUP).downstream(),
    description="Inventory the raw directory, republish the warehouse and its report.",
)


@dg.schedule(
    job=pipeline_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every night at 02:00 Beijing time: the whole pipeline over every year, incrementally
    (unchanged files are not parsed again, unchanged years are not rewritten)."""
    keys = all_year_keys()
    return dg.RunRequest(tags={**range_tags(int(keys[0]), int(keys[-1])), MODE_TAG: "schedule"})


@dg.sensor(
    jobs=[pipeline_job, inventory_job],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def raw_files_sensor(
    context: dg.SensorEvaluationContext, storage: PipelineStorage
) -> Iterator[dg.RunRequest | dg.SkipReason]:
    """A new, changed or removed raw file starts one run per year its reports belong to.

    The cursor holds the files already asked for until the inventory has them, so a file
    never starts two runs.
    """
    cursor = json.loads(context.cursor) if context.cursor else {}
    documents = read_parquet(storage.layout.documents, DOCUMENTS_SCHEMA)
    changes = find_raw_changes(storage.raw_path, documents, cursor)
    for year, files in changes.years.items():
        yield dg.RunRequest(
            run_key=changes.run_key(year),
            job_name=pipeline_job.name,
            partition_key=str(year),
            tags={MODE_TAG: "sensor", "pipeline/files": ",".join(files)[:1000]},
        )
    if changes.without_year:
        yield dg.RunRequest(
            run_key=changes.run_key(None),
            job_name=inventory_job.name,
            tags={MODE_TAG: "sensor", "pipeline/files": ",".join(changes.without_year)[:1000]},
        )
    if not changes.years and not changes.without_year:
        yield dg.SkipReason("no new, changed or removed raw file")
    context.update_cursor(json.dumps(changes.cursor, sort_keys=True))
