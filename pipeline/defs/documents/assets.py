"""Stage 1: the inventory of raw files."""

import dagster as dg

from pipeline.defs.resources import PipelineStorage
from pipeline.stages import inventory_documents
from pipeline.storage import write_parquet_atomic


@dg.asset(group_name="reports_pipeline", kinds={"python", "parquet"})
def documents(context: dg.AssetExecutionContext, storage: PipelineStorage) -> dg.MaterializeResult:
    """Every file of the raw directory: relative path, size, sha256, encoding and decoded text.

    Grain: one row per raw file. Source: the raw directory (read only, never modified).
    Files that cannot be decoded get a quarantine row (`parquet/quarantine/documents.parquet`).
    """
    output = inventory_documents(storage.raw_path)
    layout = storage.layout
    write_parquet_atomic(output.documents, layout.file("documents.parquet"))
    write_parquet_atomic(output.quarantine, layout.quarantine_part("documents"))
    context.log.info(
        "%d files read, %d quarantined", output.documents.height, output.quarantine.height
    )
    return dg.MaterializeResult(
        metadata={
            "files": output.documents.height,
            "bytes": int(output.documents["size_bytes"].sum() or 0),
            "quarantined": output.quarantine.height,
        }
    )
