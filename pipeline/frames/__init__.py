"""Pandera contracts (Polars API) for the frames that pass between stages.

These are the pipeline's own promises: types, keys, allowed codes, no negative counts. A
frame that breaks one is a bug of the pipeline and blocks the stages after it. A report that
breaks its own arithmetic is not checked here: that is data (see the reconciliation rules).

The columns of each contract are derived from its table's declaration in `pipeline.model`
(`columns.py`). `parse.py` holds the parse stage's contracts (part of the parser's version),
`reconciliation.py` those of the reconciliation stage (they read the rule catalogue).
"""

from pipeline.frames.parse import (
    REPORT_LOCAL_CONTRACTS,
    DocumentsFrame,
    QuarantineFrame,
    ReportsFrame,
    SectionsFrame,
    StatisticsFrame,
    TableRowsFrame,
)
from pipeline.frames.reconciliation import ReconciliationFrame, ReportArithmeticFrame

__all__ = [
    "REPORT_LOCAL_CONTRACTS",
    "DocumentsFrame",
    "QuarantineFrame",
    "ReconciliationFrame",
    "ReportArithmeticFrame",
    "ReportsFrame",
    "SectionsFrame",
    "StatisticsFrame",
    "TableRowsFrame",
]
