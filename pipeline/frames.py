"""Pandera contracts (Polars API) for the frames that pass between stages.

These are the pipeline's own promises: types, keys, allowed codes, no negative counts. A
frame that breaks one is a bug of the pipeline and blocks the stages after it. A report that
breaks its own arithmetic is not checked here: that is data (see the reconciliation rules).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipeline.agency import KINDS as AGENCY_KINDS
from pipeline.agency import LEVELS as AGENCY_LEVELS
from pipeline.catalogue import metric_codes
from pipeline.model import (
    FIGURE_DIMENSIONS,
    QUALIFIERS,
    READ_BY,
    TABLE_KINDS,
    TEMPLATES,
    VALUE_KINDS,
)
from pipeline.reconcile import inspection_subjects, rules

# Metrics whose value may be negative as printed: the signed change in item counts (本年增/减).
SIGNED_METRIC_SUFFIX = ".change"


class DocumentsFrame(pa.DataFrameModel):
    """One row per raw file."""

    source_file: str = pa.Field(unique=True)
    size_bytes: int = pa.Field(ge=0)
    mtime_ns: int
    # None for a file that could not be read (quarantined; read again on the next run).
    sha256: str = pa.Field(str_matches=r"^[0-9a-f]{64}$", nullable=True)
    encoding: str = pa.Field(nullable=True)
    parser_version: str
    reports: pl.Int32 = pa.Field(ge=0)


class ReportsFrame(pa.DataFrameModel):
    """One row per report found; every report has a year."""

    report_id: str = pa.Field(unique=True)
    source_file: str
    ordinal: pl.Int32 = pa.Field(ge=1)
    report_year: pl.Int32 = pa.Field(ge=2007, le=2100)
    year_source: str
    agency: str = pa.Field(nullable=True)
    agency_source: str = pa.Field(nullable=True)
    region: str = pa.Field(nullable=True)
    template: str = pa.Field(isin=list(TEMPLATES))
    published_on: pl.Date = pa.Field(nullable=True)
    title: str = pa.Field(nullable=True)
    line_start: pl.Int32 = pa.Field(ge=1)
    line_end: pl.Int32 = pa.Field(ge=1)
    spam_detected: bool
    agency_id: str = pa.Field(nullable=True)
    agency_name: str = pa.Field(nullable=True)
    agency_kind: str = pa.Field(nullable=True, isin=list(AGENCY_KINDS))
    agency_level: str = pa.Field(nullable=True, isin=list(AGENCY_LEVELS))
    division_code: str = pa.Field(nullable=True, str_matches=r"^\d{6}$")
    province: str = pa.Field(nullable=True)
    city: str = pa.Field(nullable=True)
    county: str = pa.Field(nullable=True)

    @pa.dataframe_check
    def span_is_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A report ends on or after the line it starts on."""
        return data.lazyframe.select(pl.col("line_end") >= pl.col("line_start"))

    @pa.dataframe_check
    def file_and_ordinal_are_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """One report per position in a file."""
        return data.lazyframe.select(pl.struct("source_file", "ordinal").is_duplicated().not_())


class SectionsFrame(pa.DataFrameModel):
    """One row per top-level heading of a report."""

    report_id: str
    ordinal: pl.Int32 = pa.Field(ge=1)
    number: str
    title: str
    line_start: pl.Int32 = pa.Field(ge=1)
    line_end: pl.Int32 = pa.Field(ge=1)


class StatisticsFrame(pa.DataFrameModel):
    """One row per printed figure: (report, metric, dimension, line) is a key."""

    report_id: str
    report_year: pl.Int32 = pa.Field(ge=2007, le=2100)
    metric: str = pa.Field(isin=sorted(metric_codes()))
    dimension: str = pa.Field(isin=list(FIGURE_DIMENSIONS))
    value: float = pa.Field(nullable=True)
    value_kind: str = pa.Field(isin=list(VALUE_KINDS))
    qualifier: str = pa.Field(isin=list(QUALIFIERS))
    unit: str = pa.Field(nullable=True)
    label_raw: str
    value_raw: str
    source_line: pl.Int32 = pa.Field(ge=1)
    table_kind: str = pa.Field(isin=list(TABLE_KINDS))
    note: str = pa.Field(nullable=True)
    part_of: str = pa.Field(nullable=True)
    read_by: str = pa.Field(nullable=True, isin=list(READ_BY))

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


class QuarantineFrame(pa.DataFrameModel):
    """One row per thing the pipeline could not read, with the reason."""

    source_file: str
    report_id: str = pa.Field(nullable=True)
    stage: str = pa.Field(isin=["documents", "reports", "statistics"])
    reason: str
    message: str
    source_line: pl.Int32 = pa.Field(nullable=True)
    raw: str = pa.Field(nullable=True)


class TableRowsFrame(pa.DataFrameModel):
    """One row per table line printing figures: the ledger of the accounting invariant."""

    report_id: str
    source_line: pl.Int32 = pa.Field(ge=1, unique=False)

    @pa.dataframe_check
    def rows_are_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A line is one row of one report."""
        return data.lazyframe.select(pl.struct("report_id", "source_line").is_duplicated().not_())


class ReconciliationFrame(pa.DataFrameModel):
    """One row per rule evaluation; ids come from schemas/rules.yaml."""

    report_id: str
    report_year: pl.Int32 = pa.Field(ge=2007, le=2100)
    rule: str = pa.Field(isin=sorted(rules()))
    # a metric code, or what an inspectors' rule checked (published_on, a content, a table)
    subject: str = pa.Field(isin=sorted(metric_codes() | inspection_subjects()))
    dimension: str = pa.Field(isin=list(FIGURE_DIMENSIONS))
    status: str = pa.Field(isin=["pass", "fail", "not_assessable"])
    lhs: float = pa.Field(nullable=True)
    rhs: float = pa.Field(nullable=True)
    delta: float = pa.Field(nullable=True)
    other_report_id: str = pa.Field(nullable=True)
    detail: str = pa.Field(nullable=True)

    @pa.dataframe_check
    def assessed_rows_have_both_sides(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A pass or a fail carries lhs, rhs and delta; not_assessable carries a reason."""
        assessed = pl.col("status") != "not_assessable"
        sides = (
            pl.col("lhs").is_not_null()
            & pl.col("rhs").is_not_null()
            & pl.col("delta").is_not_null()
        )
        return data.lazyframe.select(
            pl.when(assessed).then(sides).otherwise(pl.col("detail").is_not_null())
        )


class ReportArithmeticFrame(pa.DataFrameModel):
    """The reports' own arithmetic holds: no rule evaluation fails.

    Validated with WARN severity: a failure here is data about a report, never a reason to
    stop the run.
    """

    report_id: str
    rule: str
    subject: str
    dimension: str
    status: str = pa.Field(notin=["fail"])
