"""Configuration shared by every asset: where raw files are read and outputs written.

Every path is configuration: the CLI flags, the environment (PIPELINE_RAW_DIR,
PIPELINE_WAREHOUSE_DIR, PIPELINE_WORKERS) or this resource's fields in the
Dagster UI's launchpad; no code names a path of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipeline.pool import default_workers
from pipeline.storage import WarehouseLayout

DEFAULT_RAW_DIR = "data/raw"
DEFAULT_WAREHOUSE_DIR = "data/warehouse"


class PipelineStorage(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Storage paths and the number of parser processes (0: one per CPU)."""

    raw_dir: str = DEFAULT_RAW_DIR
    warehouse_dir: str = DEFAULT_WAREHOUSE_DIR
    workers: int = 0

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir)

    @property
    def layout(self) -> WarehouseLayout:
        return WarehouseLayout(Path(self.warehouse_dir))

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else default_workers()


def storage_from_environment() -> PipelineStorage:
    """The storage resource as configured by the environment (or the defaults)."""
    return PipelineStorage(
        raw_dir=os.environ.get("PIPELINE_RAW_DIR", DEFAULT_RAW_DIR),
        warehouse_dir=os.environ.get("PIPELINE_WAREHOUSE_DIR", DEFAULT_WAREHOUSE_DIR),
        workers=int(os.environ.get("PIPELINE_WORKERS", "0")),
    )
