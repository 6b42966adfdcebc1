"""The pipeline's data model: row types, the codes columns take, and one declaration per table.

- `records.py`: the dataclasses parsers return (`Figure`, `Rejected`, `Section`, `Report`) and
  `to_frame`, which makes them a frame of one table's schema;
- `codes.py`: the codes a column may hold (templates, table kinds, dimensions, ...);
- `columns.py`: how a table is declared (`Table`, `Column`) and what is derived from it;
- `tables.py`: the declaration of every table, and its Polars schema under the names the rest
  of the code imports (`REPORTS_SCHEMA`, `STATISTICS_SCHEMA`, ...).
"""

from pipeline.model.codes import (
    DIMENSIONS,
    FIGURE_DIMENSIONS,
    QUALIFIERS,
    QUARANTINE_STAGES,
    READ_BY,
    RULE_STATUSES,
    SIGNED_METRIC_SUFFIX,
    TABLE_KINDS,
    TEMPLATES,
    VALUE_KINDS,
)
from pipeline.model.columns import Column, Table, duckdb_type
from pipeline.model.records import Figure, Rejected, Report, Section, to_frame
from pipeline.model.tables import (
    DOCUMENTS,
    DOCUMENTS_SCHEMA,
    HARMONISED_METRICS,
    HARMONISED_SOURCES,
    METRICS,
    PROSE_FIGURES,
    QUARANTINE,
    QUARANTINE_SCHEMA,
    RECONCILIATION,
    RECONCILIATION_SCHEMA,
    REPORTS,
    REPORTS_SCHEMA,
    RUNS,
    RUNS_SCHEMA,
    SECTIONS,
    SECTIONS_SCHEMA,
    STATISTICS,
    STATISTICS_SCHEMA,
    TABLE_ROWS,
    TABLE_ROWS_SCHEMA,
    WAREHOUSE_SOURCES,
)

__all__ = [
    "DIMENSIONS",
    "DOCUMENTS",
    "DOCUMENTS_SCHEMA",
    "FIGURE_DIMENSIONS",
    "HARMONISED_METRICS",
    "HARMONISED_SOURCES",
    "METRICS",
    "PROSE_FIGURES",
    "QUALIFIERS",
    "QUARANTINE",
    "QUARANTINE_SCHEMA",
    "QUARANTINE_STAGES",
    "READ_BY",
    "RECONCILIATION",
    "RECONCILIATION_SCHEMA",
    "REPORTS",
    "REPORTS_SCHEMA",
    "RULE_STATUSES",
    "RUNS",
    "RUNS_SCHEMA",
    "SECTIONS",
    "SECTIONS_SCHEMA",
    "SIGNED_METRIC_SUFFIX",
    "STATISTICS",
    "STATISTICS_SCHEMA",
    "TABLE_KINDS",
    "TABLE_ROWS",
    "TABLE_ROWS_SCHEMA",
    "TEMPLATES",
    "VALUE_KINDS",
    "WAREHOUSE_SOURCES",
    "Column",
    "Figure",
    "Rejected",
    "Report",
    "Section",
    "Table",
    "duckdb_type",
    "to_frame",
]
