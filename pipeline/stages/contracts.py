"""A frame's breaches of its Pandera contract (`pipeline.frames`), as messages for the stages.

A stage validates what it is about to write; a frame that breaks its contract is a bug of the
pipeline, so the stage keeps the previous output and returns the messages for the asset's
blocking check.
"""

from __future__ import annotations

import pandera.errors
import pandera.polars as pa
import polars as pl

MAX_ERRORS_SHOWN = 5


def contract_errors(model: type[pa.DataFrameModel], frame: pl.DataFrame, what: str) -> list[str]:
    """The frame's breaches of its Pandera contract, as messages (empty when it holds)."""
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        shown = cases.head(MAX_ERRORS_SHOWN).select(pl.all().cast(pl.String)).to_dicts()
        return [f"{what} breaks {model.__name__}: {cases.height} failure case(s), e.g. {shown}"]
    return []
