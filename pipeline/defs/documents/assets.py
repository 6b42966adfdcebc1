"""Stage 1: the inventory of raw files."""

from collections.abc import Iterator

import dagster as dg

from pipeline.defs.contracts import contract_result
from pipeline.defs.resources import PipelineStorage
from pipeline.publish import now, record_step
from pipeline.stages.inventory import update_inventory
from pipeline.versions import parser_version


@dg.asset(
    group_name="reports_pipeline",
    kinds={"python", "parquet"},
    code_version=parser_version(),
    check_specs=[dg.AssetCheckSpec("documents_contract", asset="documents", blocking=True)],
)
def documents(
    context: dg.AssetExecutionContext, storage: PipelineStorage
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Every file of the raw directory: path, size, mtime, sha256, encoding, parser version and
    the years of the reports it holds.

    Grain: one row per raw file (`parquet/documents.parquet`). Incremental: a file is read
    again only when its size or mtime changed, and segmented again only when its sha256 or the
    parser version changed. Files and reports that cannot be read (empty, binary, undecodable,
    no report, no year) get quarantine rows (`parquet/quarantine/documents.parquet`). The raw
    directory is only ever read. In a run that parses years next, each file read is parsed as
    it is segmented and handed to the run's year step (`pipeline/stages/handoff.py`).
    """
    started = now()
    # A run that parses years next gets the files parsed as they are read (handed over);
    # an inventory-only run (the sensor's, for a file without a year) parses nothing.
    parses_next = dg.AssetKey("reports") in context.job_def.asset_layer.selected_asset_keys
    summary = update_inventory(
        storage.layout,
        storage.raw_path,
        workers=storage.worker_count,
        hand_to=context.run.run_id if parses_next else None,
    )
    record_step(
        storage.layout,
        context.run.run_id,
        "documents",
        {
            "started_at": started.isoformat(),
            "files_seen": summary.files_seen,
            "files_scanned": summary.files_scanned,
            "files_removed": summary.files_removed,
        },
    )
    context.log.info(
        "%d files, %d read and segmented (new or changed), %d removed, %d quarantine rows",
        summary.files_seen,
        len(summary.files_scanned),
        len(summary.files_removed),
        summary.quarantined,
    )
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": summary.files_seen,
            "files": summary.files_seen,
            "bytes": summary.bytes_seen,
            "files_scanned": len(summary.files_scanned),
            "files_removed": len(summary.files_removed),
            "quarantined": summary.quarantined,
        }
    )
    errors = [message for messages in summary.contract_errors.values() for message in messages]
    yield contract_result("documents", "documents_contract", errors, summary.files_seen)
