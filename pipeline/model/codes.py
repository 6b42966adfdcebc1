"""The codes a column of the pipeline's tables may hold (the `isin` of its declaration)."""

from __future__ import annotations

# Where a figure was read. `prose` figures of a report that also has tables are kept apart
# (the `prose_figures` table) as a second, independent reading of the same numbers.
TABLE_KINDS = ("old_table", "art20", "requests", "review_litigation", "prose")
TEMPLATES = ("old_table", "new_2019", "new_2021", "prose")
VALUE_KINDS = ("number", "empty", "na", "text", "implausible")
QUALIFIERS = ("exact", "approx")
# `position`: the row prints every column of the template and the value stands in its place;
# `label`: the value stands beside its own label (a one-value row); `identity`: the row printed
# fewer cells than columns and every reading under which the template's identities hold
# puts this value here; `collapsed`: a one-cell-per-line row that printed one value for a
# this-year and a cumulative column (the scraper writes a run of equal cells once): the value is
# this year's; `prose`: read from a sentence.
READ_BY = ("position", "label", "identity", "collapsed", "prose")
DIMENSIONS = (
    "natural_person",
    "commercial",
    "research",
    "social_org",
    "legal_service",
    "other_org",
    "total",
)
# Dimensions a figure may have: table 3's columns, and `cumulative` for the 历年累计 column of
# old tables (a running total since the agency began reporting: never this year's figure).
FIGURE_DIMENSIONS = (*DIMENSIONS, "cumulative")

# Metrics whose value may be negative as printed: the signed change in item counts (本年增/减).
# Every other figure is a count or an amount: a negative one is quarantined (`negative_count`)
# and the statistics contract refuses it.
SIGNED_METRIC_SUFFIX = ".change"
# The stages a quarantine row comes from.
QUARANTINE_STAGES = ("documents", "reports", "statistics")
# The verdicts of a rule evaluation.
RULE_STATUSES = ("pass", "fail", "not_assessable")
