"""The inspectors' rules on a report's contents (issue 16): the six contents of article 50
as sections, and the tables of the 2021 format.

They read the report's section headings, which tables were read and which rows went to
quarantine; never a layout's text.
"""

from __future__ import annotations

import re

import polars as pl

from pipeline.reconcile.catalogue import Kind, Rule, Spec, register
from pipeline.reconcile.columns import NO_METRICS, NO_ROWS, settle
from pipeline.reconcile.figures import Figures
from pipeline.reconcile.readings import ReportReadings, RuleResult, no_operands


def _section_contents(rule: Rule) -> list[Spec]:
    """The article-50 contents of the catalogue's required-sections rule, for the headings a
    quarantined row lies under."""
    return [
        content
        for entry in rule.entries.values()
        if entry.get("kind") == "required_sections"
        for content in entry["contents"]
    ]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_required_sections(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """The six contents of article 50, each a section of reports on 2019 onward."""
    spec = rule.spec
    headings = readings.facts.headings
    if headings is None or readings.report_year < int(spec["from_year"]):
        return []
    read_tables = {reading.table_kind: reading.line for reading in readings.table.values()}
    for reading in readings.table.values():
        read_tables[reading.table_kind] = min(read_tables[reading.table_kind], reading.line)
    results = []
    for content in spec["contents"]:
        found = [
            (title, line)
            for title, line in headings
            if any(pattern in _compact(title) for pattern in content["patterns"])
        ]
        table = content.get("table")
        if found:
            title, line = found[0]
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    content["key"],
                    "pass",
                    sides=(1.0, 1.0),
                    lines=[line],
                    detail=f"section {title}",
                )
            )
        elif table and table in read_tables:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    content["key"],
                    "pass",
                    sides=(1.0, 1.0),
                    lines=[read_tables[table]],
                    detail=f"no heading matches {content['label']}, but its table was read",
                )
            )
        elif not headings:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    content["key"],
                    "not_assessable",
                    detail="no section heading of the report was read",
                )
            )
        else:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    content["key"],
                    "fail",
                    sides=(0.0, 1.0),
                    lines=[line for _title, line in headings],
                    detail=(
                        f"no section is {content['label']}; the report's sections: "
                        + "; ".join(title for title, _line in headings)
                    ),
                )
            )
    return results


def check_required_tables(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """Tables 2-4 of the 2021 format present in a new-template report."""
    spec = rule.spec
    if readings.facts.template not in spec["templates"]:
        return []
    first_line: dict[str, int] = {}
    last_line: dict[str, int] = {}
    for reading in readings.table.values():
        line = first_line.get(reading.table_kind)
        first_line[reading.table_kind] = reading.line if line is None else min(line, reading.line)
        last_line[reading.table_kind] = max(last_line.get(reading.table_kind, 0), reading.line)
    # A quarantined row belongs to a table that was read when it lies within that table's
    # lines or under the heading of that table's content (二、主动公开… for table 2); a row
    # that belongs to none may be the missing table, printed but not read.
    contents = _section_contents(rule)
    headings = sorted(readings.facts.headings or (), key=lambda h: h[1])

    def explained(line: int) -> bool:
        if any(first_line[k] <= line <= last_line[k] for k in first_line):
            return True
        above = [title for title, start in headings if start <= line]
        if not above:
            return False
        title = _compact(above[-1])
        return any(
            content.get("table") in first_line
            and any(pattern in title for pattern in content["patterns"])
            for content in contents
        )

    unexplained = [line for line in readings.facts.unread_lines if not explained(line)]
    results = []
    for table in spec["tables"]:
        if table["table"] in first_line:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    table["table"],
                    "pass",
                    sides=(1.0, 1.0),
                    lines=[first_line[table["table"]]],
                )
            )
        elif unexplained:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    table["table"],
                    "not_assessable",
                    detail=(
                        f"{table['label']} was not read, and rows of the report went to quarantine"
                    ),
                )
            )
        else:
            results.append(
                no_operands(
                    readings,
                    rule.id,
                    table["table"],
                    "fail",
                    sides=(0.0, 1.0),
                    detail=f"{table['label']} is missing: no figure of it was printed",
                )
            )
    return results


def _first_lines(figures: Figures) -> pl.DataFrame:
    """The first line of each table kind read in each report (`report_id`, `table_kind`,
    `line`)."""
    return figures.table.group_by("report_id", "table_kind").agg(line=pl.col("source_line").min())


def _found(subject: str, line: pl.Expr, detail: pl.Expr) -> list[pl.Expr]:
    """The columns of a content or table found at `line` (a pass), and `found`."""
    return [
        pl.lit(subject).alias("subject"),
        pl.lit("total").alias("dimension"),
        pl.lit(1.0).alias("lhs"),
        pl.lit(1.0).alias("rhs"),
        pl.lit(0.0).alias("delta"),
        NO_METRICS.alias("metrics"),
        pl.concat_list(line).alias("source_lines"),
        detail.alias("detail"),
        line.is_not_null().alias("found"),
    ]


def frame_required_sections(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_required_sections` column-wise: the reports where every content is found (its
    heading, else its table read); a report where one is not is left to the check."""
    spec = rule.spec
    if figures.headings is None:
        return NO_ROWS, set()
    reports = figures.reports.filter(pl.col("report_year") >= int(spec["from_year"])).select(
        "report_id", "report_year"
    )
    # `re.sub(r"\s+", "")` of `_compact`: Python's \s is Unicode whitespace and \x1c-\x1f
    headings = figures.headings.join(reports, on="report_id", how="semi").with_columns(
        compact=pl.col("title").str.replace_all(r"[\s\x1c-\x1f]+", "")
    )
    first_lines = _first_lines(figures)
    rows = []
    for content in spec["contents"]:
        named = pl.any_horizontal(
            *(
                pl.col("compact").str.contains(pattern, literal=True)
                for pattern in content["patterns"]
            )
        )
        heading = (
            headings.filter(named)
            .sort("position")
            .unique("report_id", keep="first", maintain_order=True)
            .select("report_id", "title", "line")
        )
        base = reports.join(heading, on="report_id", how="left")
        table = content.get("table")
        read = first_lines.filter(pl.col("table_kind") == table) if table else first_lines.head(0)
        base = base.join(
            read.select("report_id", pl.col("line").alias("table_line")), on="report_id", how="left"
        )
        rows.append(
            base.select(
                "report_id",
                "report_year",
                *_found(
                    str(content["key"]),
                    pl.coalesce("line", "table_line"),
                    pl.when(pl.col("line").is_not_null())
                    .then(pl.format("section {}", pl.col("title")))
                    .otherwise(
                        pl.lit(f"no heading matches {content['label']}, but its table was read")
                    ),
                ),
            )
        )
    scored = pl.concat(rows) if rows else NO_ROWS.head(0)
    return settle(rule, scored, pl.col("found"))


def frame_required_tables(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_required_tables` column-wise: the reports where every table was read; a report
    where one was not is left to the check (which weighs its quarantined rows)."""
    spec = rule.spec
    reports = figures.reports.filter(pl.col("template").is_in(list(spec["templates"]))).select(
        "report_id", "report_year"
    )
    first_lines = _first_lines(figures)
    rows = [
        reports.join(
            first_lines.filter(pl.col("table_kind") == table["table"]).select("report_id", "line"),
            on="report_id",
            how="left",
        ).select(
            "report_id",
            "report_year",
            *_found(str(table["table"]), pl.col("line"), pl.lit(None, pl.String())),
        )
        for table in spec["tables"]
    ]
    scored = pl.concat(rows) if rows else NO_ROWS.head(0)
    return settle(rule, scored, pl.col("found"))


register(
    Kind(
        "required_sections",
        "report",
        check_required_sections,
        subjects=lambda spec: [content["key"] for content in spec["contents"]],
        frame_check=frame_required_sections,
    )
)
register(
    Kind(
        "required_tables",
        "report",
        check_required_tables,
        subjects=lambda spec: [table["table"] for table in spec["tables"]],
        frame_check=frame_required_tables,
    )
)
