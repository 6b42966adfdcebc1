"""The data-quality report: one self-contained HTML page about a published warehouse.

`write_report` opens `warehouse.duckdb` read-only (it never writes to it) and writes one HTML
file that an oversight office can open from disk: no network, inline CSS, charts as inline SVG
and a few lines of inline JavaScript that only measure the drawn charts (tests read the
measurement back from a real browser). It shows the run the warehouse reflects, the counts,
four charts (requests and outcomes per year, rule failures by rule, reports by template per
year, quarantine by reason) and a table of every report whose failing rules link to the failing
evaluations, with their source lines quoted from the raw files when `raw_dir` is given.

The parts, one job each: `queries` (the `.sql` files of `sql/report/` and which one a warehouse
can answer), `data` (what the page shows), `charts` (Altair charts rendered offline to SVG by
vl-convert), `figures` (the report's four charts), `page` (the Jinja2 templates of
`templates/`), `build` (the file). The same warehouse gives the same bytes: rows are ordered
explicitly and the only time shown is the last run's, not the clock's.
"""

from pipeline.report.build import publish_report, write_report
from pipeline.report.charts import format_number
from pipeline.report.data import (
    REQUEST_SERIES,
    Evaluation,
    ReportData,
    ReportRow,
    load_report_data,
)
from pipeline.report.page import render_report

__all__ = [
    "REQUEST_SERIES",
    "Evaluation",
    "ReportData",
    "ReportRow",
    "format_number",
    "load_report_data",
    "publish_report",
    "render_report",
    "write_report",
]
