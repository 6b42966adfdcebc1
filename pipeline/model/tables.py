"""The one declaration of every table the pipeline writes or loads (see `columns.py`).

Column order is the order of the Parquet files and frames. Codes a column takes from data
(metric codes from the catalogue, rule ids from rules.yaml) or from a parser module (agency
kinds and levels) are added by the contracts in `pipeline/frames/`, which know those sources;
a column declared without `isin` here may still get one there.
"""

from __future__ import annotations

import polars as pl

from pipeline.model.codes import (
    FIGURE_DIMENSIONS,
    QUALIFIERS,
    QUARANTINE_STAGES,
    READ_BY,
    RULE_STATUSES,
    TABLE_KINDS,
    TEMPLATES,
    VALUE_KINDS,
)
from pipeline.model.columns import Column, Table

STRING = pl.String()
INT32 = pl.Int32()
INT64 = pl.Int64()
FLOAT64 = pl.Float64()
BOOLEAN = pl.Boolean()
DATE = pl.Date()
TIMESTAMP = pl.Datetime("us", "UTC")
STRINGS = pl.List(pl.String())
INT32S = pl.List(pl.Int32())

FIRST_YEAR, LAST_YEAR = 2007, 2100


def report_year() -> Column:
    """The year a report covers (the year partition of every per-year table)."""
    return Column("report_year", INT32, ge=FIRST_YEAR, le=LAST_YEAR)


STATISTICS = Table(
    "statistics",
    (
        Column("report_id", STRING),
        report_year(),
        Column("metric", STRING),
        Column("dimension", STRING, isin=FIGURE_DIMENSIONS),
        # NULL unless value_kind is `number` (empty is not zero)
        Column("value", FLOAT64, nullable=True),
        Column("value_kind", STRING, isin=VALUE_KINDS),
        Column("qualifier", STRING, isin=QUALIFIERS),
        Column("unit", STRING, nullable=True),
        Column("label_raw", STRING),
        Column("value_raw", STRING),
        Column("source_line", INT32, ge=1),
        Column("table_kind", STRING, isin=TABLE_KINDS),
        Column("note", STRING, nullable=True),
        Column("part_of", STRING, nullable=True),
        Column("read_by", STRING, nullable=True, isin=READ_BY),
    ),
)
# The figures read from prose: the same columns.
PROSE_FIGURES = Table("prose_figures", STATISTICS.columns)

REPORTS = Table(
    "reports",
    (
        Column("report_id", STRING, unique=True),
        Column("source_file", STRING),
        Column("ordinal", INT32, ge=1),
        report_year(),
        Column("year_source", STRING),
        Column("agency", STRING, nullable=True),
        Column("agency_source", STRING, nullable=True),
        Column("region", STRING, nullable=True),
        Column("template", STRING, isin=TEMPLATES),
        Column("published_on", DATE, nullable=True),
        Column("title", STRING, nullable=True),
        Column("line_start", INT32, ge=1),
        Column("line_end", INT32, ge=1),
        Column("spam_detected", BOOLEAN),
        Column("agency_id", STRING, nullable=True),
        Column("agency_name", STRING, nullable=True),
        Column("agency_kind", STRING, nullable=True),
        Column("agency_level", STRING, nullable=True),
        Column("division_code", STRING, nullable=True, matches=r"^\d{6}$"),
        Column("province", STRING, nullable=True),
        Column("city", STRING, nullable=True),
        Column("county", STRING, nullable=True),
    ),
)

SECTIONS = Table(
    "sections",
    (
        Column("report_id", STRING),
        Column("ordinal", INT32, ge=1),
        Column("number", STRING),
        Column("title", STRING),
        Column("line_start", INT32, ge=1),
        Column("line_end", INT32, ge=1),
    ),
)

QUARANTINE = Table(
    "quarantine",
    (
        Column("source_file", STRING),
        Column("report_id", STRING, nullable=True),
        Column("stage", STRING, isin=QUARANTINE_STAGES),
        Column("reason", STRING),
        Column("message", STRING),
        Column("source_line", INT32, nullable=True),
        Column("raw", STRING, nullable=True),
    ),
)

RECONCILIATION = Table(
    "reconciliation",
    (
        Column("report_id", STRING),
        report_year(),
        Column("rule", STRING),
        # a metric code, or what an inspectors' rule checked (published_on, a content, a table)
        Column("subject", STRING),
        Column("dimension", STRING, isin=FIGURE_DIMENSIONS),
        Column("status", STRING, isin=RULE_STATUSES),
        Column("lhs", FLOAT64, nullable=True),
        Column("rhs", FLOAT64, nullable=True),
        Column("delta", FLOAT64, nullable=True),
        # no contract on the lists' presence (a rule that read nothing may leave them NULL)
        Column("metrics", STRINGS, nullable=True),
        Column("source_lines", INT32S, nullable=True),
        Column("other_report_id", STRING, nullable=True),
        Column("detail", STRING, nullable=True),
    ),
)

DOCUMENTS = Table(
    "documents",
    (
        Column("source_file", STRING, unique=True),
        Column("size_bytes", INT64, ge=0),
        Column("mtime_ns", INT64),
        # NULL for a file that could not be read (quarantined; read again on the next run).
        Column("sha256", STRING, nullable=True, matches=r"^[0-9a-f]{64}$"),
        Column("encoding", STRING, nullable=True),
        Column("parser_version", STRING),
        # readers take NULL for no year (inventories of older versions)
        Column("report_years", INT32S, nullable=True),
        Column("reports", INT32, ge=0),
    ),
)

# The table rows printing figures that each report holds (the accounting invariant's ledger).
TABLE_ROWS = Table(
    "table_rows",
    (
        Column("report_id", STRING),
        Column("source_line", INT32, ge=1),
    ),
)

RUNS = Table(
    "runs",
    (
        Column("run_id", STRING, unique=True),
        Column("mode", STRING),
        Column("started_at", TIMESTAMP),
        Column("finished_at", TIMESTAMP),
        Column("years_requested", INT32S),
        Column("years_written", INT32S),
        Column("files_seen", INT64, ge=0),
        Column("files_scanned", INT64, ge=0),
        Column("files_parsed", INT64, ge=0),
        Column("files_skipped", INT64, ge=0),
        Column("reports", INT64, ge=0),
        Column("statistics_rows", INT64, ge=0),
        Column("quarantined", INT64, ge=0),
        Column("rule_failures", INT64, ge=0),
        Column("warehouse_rebuilt", BOOLEAN),
        Column("parser_version", STRING),
    ),
)

# The catalogue tables the warehouse loads from schemas/ (pipeline/warehouse.py).
METRICS = Table(
    "metrics",
    (
        Column("code", STRING, unique=True),
        Column("label", STRING),
        Column("english", STRING),
        Column("unit", STRING, nullable=True),
        Column("templates", STRINGS),
        Column("table_name", STRING),
        Column("parent", STRING, nullable=True),
        Column("context", STRING, nullable=True),
        Column("header", BOOLEAN),
        Column("harmonised", STRING, nullable=True),
        Column("harmonised_match", STRING, nullable=True),
    ),
)
HARMONISED_METRICS = Table(
    "harmonised_metrics",
    (
        Column("code", STRING, unique=True),
        Column("label_zh", STRING),
        Column("english", STRING),
        Column("ordinal", INT32),
    ),
)
HARMONISED_SOURCES = Table(
    "harmonised_sources",
    (
        Column("harmonised_metric", STRING),
        Column("priority", INT32),
        Column("metrics", STRINGS),
        Column("templates", STRINGS),
        Column("match", STRING),
    ),
)

# Every table of the warehouse that the pipeline loads itself (the dbt project's sources), by
# name. `table_rows` stays in Parquet: the accounting reads it there.
WAREHOUSE_SOURCES: dict[str, Table] = {
    table.name: table
    for table in (
        REPORTS,
        SECTIONS,
        STATISTICS,
        PROSE_FIGURES,
        QUARANTINE,
        RECONCILIATION,
        RUNS,
        METRICS,
        HARMONISED_METRICS,
        HARMONISED_SOURCES,
    )
}

STATISTICS_SCHEMA = STATISTICS.schema
REPORTS_SCHEMA = REPORTS.schema
SECTIONS_SCHEMA = SECTIONS.schema
QUARANTINE_SCHEMA = QUARANTINE.schema
RECONCILIATION_SCHEMA = RECONCILIATION.schema
DOCUMENTS_SCHEMA = DOCUMENTS.schema
RUNS_SCHEMA = RUNS.schema
TABLE_ROWS_SCHEMA = TABLE_ROWS.schema
