"""The one Dagster entry point: every asset and check under `pipeline/defs/`, plus resources.

`dg dev` (`make dev`) and `dagster-daemon` load `defs` from this module; `python -m pipeline run`
builds the same Definitions with the storage paths given on its command line.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipeline.defs.resources import PipelineStorage, storage_from_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def stage_definitions() -> dg.Definitions:
    """Every asset and check under `pipeline/defs/`, with no resources bound."""
    return dg.load_from_defs_folder(path_within_project=PROJECT_ROOT / "pipeline" / "defs")


def pipeline_definitions(storage: PipelineStorage | None = None) -> dg.Definitions:
    """All assets and checks, bound to the given storage (default: from the environment)."""
    return dg.Definitions.merge(
        stage_definitions(),
        dg.Definitions(resources={"storage": storage or storage_from_environment()}),
    )


defs = pipeline_definitions()
