"""Reconciliation rules (勾稽关系): does a report's arithmetic hold, as printed?

A failing rule is data about the report, never an error of the pipeline: each check gives a
row with both sides, the difference and the figures involved, and no printed value is ever
changed. The rules are data, in `schemas/rules.yaml`: each entry names a `kind`, and the
function registered for that kind (one module per family of kinds here) evaluates it with the
entry as its spec. Sum rules follow the `parent` codes of the metric catalogue.

- `catalogue.py`: loading rules.yaml and the registry of kinds;
- `readings.py`: the printed figures as the rules see them, results, the comparison of sides;
- `arithmetic.py` (balance, parent_sum, row_total), `prose.py` (prose_parts, prose_table),
  `cross_year.py` (carry_over, stock), and the inspectors' kinds (issue 16), which read a
  report's facts rather than its arithmetic: `timeliness.py` (timeliness), `required.py`
  (required_sections, required_tables), `copied.py` (copied_table): per kind, a
  `frame_check` that evaluates it column-wise over many reports (Polars) and a `check` that
  evaluates it report by report;
- `figures.py`: the frames the column-wise evaluations read; `columns.py`: what they share;
- `frames.py`: frames in, every rule, frame out. Each rule's `frame_check` settles what it
  can give exactly as `check` would (the passes; every row of timeliness and copied_table);
  the reports it leaves (a break, a missing or unreadable operand, a content not found, a
  sum whose float depends on the order of addition) go to `check` with all their rows for
  that rule, and only their figures are read into Python. Results come sorted by agency
  series, report, rule (catalogue order) and then every column.
"""

from __future__ import annotations

import polars as pl

from pipeline.reconcile import (  # noqa: F401 - the kinds register themselves
    arithmetic,
    copied,
    cross_year,
    prose,
    required,
    timeliness,
)
from pipeline.reconcile.catalogue import (
    KINDS,
    RULES_PATH,
    Kind,
    Rule,
    RuleCatalogue,
    earlier_year_metrics,
    inspection_subjects,
    load_rules,
    register,
    rules,
)
from pipeline.reconcile.cross_year import ReportIdentity, previous_reports, series_key
from pipeline.reconcile.frames import (
    FIGURE_COLUMNS,
    collect_readings,
    reconcile,
    report_facts,
    results_frame,
)
from pipeline.reconcile.readings import Reading, ReportFacts, ReportReadings, RuleResult
from pipeline.reconcile.timeliness import deadline_for

FAILED = pl.col("status") == "fail"
# The inspectors' rules (timeliness, required contents, copied figures): findings about a
# report, not breaks of its arithmetic; `is_consistent` and `--strict` leave them out.
INSPECTION = pl.col("rule").str.starts_with("inspection.")

__all__ = [
    "FAILED",
    "FIGURE_COLUMNS",
    "INSPECTION",
    "KINDS",
    "RULES_PATH",
    "Kind",
    "Reading",
    "ReportFacts",
    "ReportIdentity",
    "ReportReadings",
    "Rule",
    "RuleCatalogue",
    "RuleResult",
    "collect_readings",
    "deadline_for",
    "earlier_year_metrics",
    "inspection_subjects",
    "load_rules",
    "previous_reports",
    "reconcile",
    "register",
    "report_facts",
    "results_frame",
    "rules",
    "series_key",
]
