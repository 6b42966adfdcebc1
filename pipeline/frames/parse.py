"""The contracts of the parse stage's outputs: documents, reports, sections, figures, quarantine.

Each contract's columns come from the table's declaration in `pipeline.model` (see
`columns.py`); what is written here is what spans columns: ordered spans, unique keys, a value
exactly when the kind says number, and counts that are never negative.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipeline.agency import KINDS as AGENCY_KINDS
from pipeline.agency import LEVELS as AGENCY_LEVELS
from pipeline.catalogue import metric_codes
from pipeline.frames.columns import contract_base
from pipeline.model import (
    DOCUMENTS,
    QUARANTINE,
    REPORTS,
    SECTIONS,
    SIGNED_METRIC_SUFFIX,
    STATISTICS,
    TABLE_ROWS,
)


class DocumentsFrame(contract_base(DOCUMENTS)):
    """One row per raw file."""


class ReportsFrame(
    contract_base(REPORTS, isin={"agency_kind": AGENCY_KINDS, "agency_level": AGENCY_LEVELS})
):
    """One row per report found; every report has a year."""

    @pa.dataframe_check
    def span_is_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A report ends on or after the line it starts on."""
        return data.lazyframe.select(pl.col("line_end") >= pl.col("line_start"))

    @pa.dataframe_check
    def file_and_ordinal_are_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """One report per position in a file."""
        return data.lazyframe.select(pl.struct("source_file", "ordinal").is_duplicated().not_())


class SectionsFrame(contract_base(SECTIONS)):
    """One row per top-level heading of a report."""


class StatisticsFrame(contract_base(STATISTICS, isin={"metric": sorted(metric_codes())})):
    """One row per printed figure: (report, metric, dimension, line) is a key."""

    @pa.dataframe_check
    def key_is_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """No figure twice: report, metric, dimension and source line identify a row."""
        return data.lazyframe.select(
            pl.struct("report_id", "metric", "dimension", "source_line").is_duplicated().not_()
        )

    @pa.dataframe_check
    def counts_are_not_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Counts and amounts are never negative; only a signed change (本年增/减) may be."""
        return data.lazyframe.select(
            pl.col("value").is_null()
            | (pl.col("value") >= 0)
            | pl.col("metric").str.ends_with(SIGNED_METRIC_SUFFIX)
        )

    @pa.dataframe_check
    def value_matches_kind(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A number has a value; empty, na, text and implausible have none (empty is not zero)."""
        return data.lazyframe.select(
            (pl.col("value_kind") == "number") == pl.col("value").is_not_null()
        )


class QuarantineFrame(contract_base(QUARANTINE)):
    """One row per thing the pipeline could not read, with the reason."""


class TableRowsFrame(contract_base(TABLE_ROWS)):
    """One row per table line printing figures: the ledger of the accounting invariant."""

    @pa.dataframe_check
    def rows_are_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A line is one row of one report."""
        return data.lazyframe.select(pl.struct("report_id", "source_line").is_duplicated().not_())


# Contracts none of whose checks looks beyond one report's rows: a frame holds one when the
# rows of each of its reports do (`pipeline.stages.contracts` validates a large frame a slice
# of whole reports at a time). A check added to one of them must keep to one report.
REPORT_LOCAL_CONTRACTS: frozenset[type[pa.DataFrameModel]] = frozenset(
    {SectionsFrame, StatisticsFrame, TableRowsFrame}
)
