"""Contracts of the reports stage."""

import dagster as dg

from pipeline.defs.contracts import validate_contract
from pipeline.defs.reports.assets import reports
from pipeline.defs.resources import PipelineStorage
from pipeline.model import REPORTS_SCHEMA, SECTIONS_SCHEMA
from pipeline.storage import read_parquet
from schemas.frames import ReportsFrame, SectionsFrame


@dg.asset_check(asset=reports, blocking=True)
def reports_contract(storage: PipelineStorage) -> dg.AssetCheckResult:
    """Every report has a unique id, a year and a known template; spans are ordered."""
    return validate_contract(
        ReportsFrame, read_parquet(storage.layout.file("reports.parquet"), REPORTS_SCHEMA)
    )


@dg.asset_check(asset=reports, blocking=True)
def sections_contract(storage: PipelineStorage) -> dg.AssetCheckResult:
    """Sections have an ordinal, a number and a line span."""
    return validate_contract(
        SectionsFrame, read_parquet(storage.layout.file("sections.parquet"), SECTIONS_SCHEMA)
    )
