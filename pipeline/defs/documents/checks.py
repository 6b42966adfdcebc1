"""Contract of the documents stage."""

import dagster as dg

from pipeline.defs.contracts import validate_contract
from pipeline.defs.documents.assets import documents
from pipeline.defs.resources import PipelineStorage
from pipeline.model import DOCUMENTS_SCHEMA
from pipeline.storage import read_parquet
from schemas.frames import DocumentsFrame


@dg.asset_check(asset=documents, blocking=True)
def documents_contract(storage: PipelineStorage) -> dg.AssetCheckResult:
    """Documents have unique paths, hex sha256 hashes and non-negative sizes."""
    frame = read_parquet(storage.layout.file("documents.parquet"), DOCUMENTS_SCHEMA)
    return validate_contract(DocumentsFrame, frame)
