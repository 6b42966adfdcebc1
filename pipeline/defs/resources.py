"""Configuration shared by every asset: where raw files are read and outputs written."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipeline.storage import WarehouseLayout

DEFAULT_RAW_DIR = "data/raw"
DEFAULT_WAREHOUSE_DIR = "data/warehouse"


class PipelineStorage(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Storage paths. Defaults come from PIPELINE_RAW_DIR / PIPELINE_WAREHOUSE_DIR."""

    raw_dir: str = DEFAULT_RAW_DIR
    warehouse_dir: str = DEFAULT_WAREHOUSE_DIR

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir)

    @property
    def layout(self) -> WarehouseLayout:
        return WarehouseLayout(Path(self.warehouse_dir))


def storage_from_environment() -> PipelineStorage:
    """The storage resource as configured by the environment (or the defaults)."""
    return PipelineStorage(
        raw_dir=os.environ.get("PIPELINE_RAW_DIR", DEFAULT_RAW_DIR),
        warehouse_dir=os.environ.get("PIPELINE_WAREHOUSE_DIR", DEFAULT_WAREHOUSE_DIR),
    )
