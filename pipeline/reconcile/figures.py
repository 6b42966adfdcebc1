"""What a kind's column-wise evaluation reads: the frames of the reports evaluated together (a
batch of a year's reports, and the reports of the year before they are compared with).

A module of its own, below the catalogue (which names it in the signature of a kind) and the
kinds' modules (which read it).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True, slots=True)
class Figures:
    """The frames of the reports evaluated, as the kinds' column-wise evaluations read them.

    - `table`: the table figures of the reports evaluated, the first printing of each
      (report, metric, dimension) only, with `report_year` (`columns.first_printings`);
    - `prose`: their prose figures, with `report_year` and `position` (the order in which the
      report printed them);
    - `reports`: the reports evaluated: `report_id`, `report_year`, `template`,
      `published_on` (a date), `agency_kind`, `agency_level` (NULL when not given);
    - `headings`: their section headings (`report_id`, `title`, `line`, `position`), or None
      when the sections were not given (the required-sections rule then gives no row);
    - `pairs`: each report evaluated that has a report of the year before in its agency's
      series (`report_id`, `report_year`, `other_report_id`, `other_report_year`);
    - `earlier`: the table figures of those earlier reports, as `table`.
    """

    table: pl.DataFrame
    prose: pl.DataFrame
    reports: pl.DataFrame
    headings: pl.DataFrame | None
    pairs: pl.DataFrame
    earlier: pl.DataFrame
