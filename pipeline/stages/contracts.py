"""A frame's breaches of its Pandera contract (`pipeline.frames`), as messages for the stages.

A stage validates what it is about to write; a frame that breaks its contract is a bug of the
pipeline, so the stage keeps the previous output and returns the messages for the asset's
blocking check.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandera.errors
import pandera.polars as pa
import polars as pl

from pipeline.frames import REPORT_LOCAL_CONTRACTS

MAX_ERRORS_SHOWN = 5
# Rows of a report-local contract validated at once: Pandera's checks hold a few copies of
# what they validate (a year of 2.3 million figures: +0.6 GB at once).
VALIDATE_ROWS = 250_000


def contract_errors(
    model: type[pa.DataFrameModel],
    frame: pl.DataFrame,
    what: str,
    rows_at_once: int = VALIDATE_ROWS,
) -> list[str]:
    """The frame's breaches of its Pandera contract, as messages (empty when it holds)."""
    cases = failure_cases(model, frame, rows_at_once)
    if cases is None:
        return []
    shown = cases.head(MAX_ERRORS_SHOWN).select(pl.all().cast(pl.String)).to_dicts()
    return [f"{what} breaks {model.__name__}: {cases.height} failure case(s), e.g. {shown}"]


def failure_cases(
    model: type[pa.DataFrameModel], frame: pl.DataFrame, rows_at_once: int = VALIDATE_ROWS
) -> pl.DataFrame | None:
    """Pandera's failure cases of the frame against its contract, None when it holds.

    A contract whose checks look at one report's rows only (`REPORT_LOCAL_CONTRACTS`) is
    validated on slices of whole reports of about `rows_at_once` rows, when the frame holds
    each report's rows together: the cases are those of the whole frame at once (a breach
    of the schema itself counted once), listed slice by slice.
    """
    slices = (
        _report_slices(frame, rows_at_once)
        if model in REPORT_LOCAL_CONTRACTS
        else iter([(0, frame.height)])
    )
    found = []
    for offset, length in slices:
        try:
            model.validate(frame.slice(offset, length), lazy=True)
        except pandera.errors.SchemaErrors as errors:
            cases = errors.failure_cases
            if "index" in cases.columns:
                cases = cases.with_columns(pl.col("index") + offset)
            found.append(cases)
    if not found:
        return None
    cases = pl.concat(found, how="diagonal_relaxed")
    if len(found) > 1 and "index" in cases.columns:
        # A breach of the schema itself (a column missing or of another type) has no row:
        # every slice finds it.
        cases = pl.concat(
            [
                cases.filter(pl.col("index").is_null()).unique(maintain_order=True),
                cases.filter(pl.col("index").is_not_null()),
            ]
        )
    return cases


def _report_slices(frame: pl.DataFrame, rows: int) -> Iterator[tuple[int, int]]:
    """(offset, length) of consecutive slices of whole reports, each of about `rows` rows or
    fewer (a report is never cut); the whole frame when a report's rows are not together."""
    if frame.height <= rows or "report_id" not in frame.columns:
        yield 0, frame.height
        return
    ids = frame.get_column("report_id")
    starts = (ids.ne_missing(ids.shift(1)).fill_null(True)).arg_true().to_list()
    if len(starts) != ids.n_unique():  # a report's rows are apart: no slice holds it whole
        yield 0, frame.height
        return
    offset = 0
    for start in starts[1:]:
        if start - offset >= rows:
            yield offset, start - offset
            offset = start
    yield offset, frame.height - offset
