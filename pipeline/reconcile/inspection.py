"""The inspectors' rules (issue 16): findings about a report beyond its arithmetic.

They read the report's metadata (publication date, agency kind and level), its section
headings, which tables were read, and the agency's previous report; never a layout's text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

import polars as pl

from pipeline.catalogue import metrics
from pipeline.reconcile.catalogue import Kind, Rule, Spec, register, rules
from pipeline.reconcile.columns import NO_ROWS, exact_integer, order_free, results, settle
from pipeline.reconcile.figures import Figures
from pipeline.reconcile.readings import (
    Reading,
    ReportReadings,
    RuleResult,
    no_operands,
    result,
)


def deadline_for(
    report_year: int,
    kind: str | None,
    level: str | None,
    regimes: Sequence[Spec] | None = None,
) -> tuple[dt.date, str] | None:
    """The publication deadline of a report and the provision that sets it; None when the
    report's regime needs a kind or level the text does not give (or sets no deadline).

    `regimes`: a timeliness rule's; by default those of inspection.timeliness."""
    if regimes is None:
        regimes = rules()["inspection.timeliness"]["regimes"]
    for regime in regimes:
        if "from_year" in regime and report_year < int(regime["from_year"]):
            continue
        if "until_year" in regime and report_year > int(regime["until_year"]):
            continue
        if "kind" in regime and kind != regime["kind"]:
            continue
        if "levels" in regime and level not in regime["levels"]:
            continue
        month, day = (int(part) for part in str(regime["deadline"]).split("-"))
        return dt.date(report_year + 1, month, day), str(regime["provision"])
    return None


def check_timeliness(rule: Rule, readings: ReportReadings) -> list[RuleResult]:
    """Published by the statutory deadline (article 49 of 2019, article 31 of 2008)."""
    facts = readings.facts
    year = readings.report_year
    if facts.published_on is None:
        return [
            no_operands(
                readings, rule.id, "published_on", "not_assessable", detail="no publication date"
            )
        ]
    deadline = deadline_for(year, facts.agency_kind, facts.agency_level, rule.spec["regimes"])
    if deadline is None:
        return [
            no_operands(
                readings,
                rule.id,
                "published_on",
                "not_assessable",
                detail=(
                    f"published {facts.published_on.isoformat()}; the deadline depends on the "
                    "agency's kind and level, which the text does not establish "
                    f"(kind {facts.agency_kind or 'unknown'}, "
                    f"level {facts.agency_level or 'unknown'})"
                ),
            )
        ]
    due, provision = deadline
    year_end = dt.date(year, 12, 31)
    taken = float((facts.published_on - year_end).days)
    allowed = float((due - year_end).days)
    passed = taken <= allowed
    return [
        no_operands(
            readings,
            rule.id,
            "published_on",
            "pass" if passed else "fail",
            sides=(taken, allowed),
            detail=(
                f"published {facts.published_on.isoformat()}, deadline {due.isoformat()} "
                f"({provision})" + ("" if passed else f": {int(taken - allowed)} days late")
            ),
        )
    ]


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


def _copy_groups(spec: Spec, readings: ReportReadings) -> dict[str, dict[tuple[str, str], Reading]]:
    """A report's table figures by the groups the copied-figures rule compares."""
    groups: dict[str, dict[tuple[str, str], Reading]] = defaultdict(dict)
    by_table = {g["table"]: g["by"] for g in spec["groups"]}
    for key, reading in readings.table.items():
        by = by_table.get(reading.table_kind)
        if by is None:
            continue
        name = reading.table_kind if by == "table" else ".".join(reading.metric.split(".")[:2])
        groups[name][key] = reading
    return groups


def check_copied(rule: Rule, current: ReportReadings, earlier: ReportReadings) -> list[RuleResult]:
    """A table (or article-20 item) identical, cell for cell, to the agency's previous year's.

    All-zero tables are not flagged (an agency with nothing to report prints zeros every
    year), nor a group with fewer than `min_nonzero` non-zero figures.
    """
    spec = rule.spec
    minimum = int(spec["min_nonzero"])
    now, before = _copy_groups(spec, current), _copy_groups(spec, earlier)
    results = []
    for name in sorted(now.keys() & before.keys()):
        cells, previous = now[name], before[name]
        operands = sorted(cells.values(), key=lambda r: r.line)
        total_now = sum(r.value or 0.0 for r in cells.values())
        total_before = sum(r.value or 0.0 for r in previous.values())
        identical = cells.keys() == previous.keys() and all(
            cells[key].kind == previous[key].kind and cells[key].value == previous[key].value
            for key in cells
        )
        nonzero = sum(1 for r in cells.values() if r.kind == "number" and r.value)
        if identical and nonzero >= minimum:
            status = "fail"
            before_lines = sorted({r.line for r in previous.values()})
            detail = (
                f"all {len(cells)} figures of {name} equal those of {earlier.report_year} "
                f"({earlier.report_id}, lines {', '.join(map(str, before_lines))}): "
                "copied from the previous year's report?"
            )
        else:
            status = "pass"
            detail = None
            if identical:
                detail = f"identical to {earlier.report_year}, but only {nonzero} non-zero figures"
        results.append(
            result(
                current,
                rule.id,
                name,
                "total",
                operands,
                status,
                sides=(total_now, total_before),
                detail=detail,
                other_report_id=earlier.report_id,
            )
        )
    return results


# Results that compare facts of a report rather than printed figures name no metric.
NO_METRICS = pl.lit([], pl.List(pl.String()))
NO_LINES = pl.lit([], pl.List(pl.Int32()))


def _iso(date: pl.Expr) -> pl.Expr:
    return date.dt.to_string("%Y-%m-%d")


def frame_timeliness(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_timeliness` column-wise: every report's result (it reads facts only)."""
    year = pl.col("report_year")
    kind, level, published = pl.col("agency_kind"), pl.col("agency_level"), pl.col("published_on")
    due: pl.Expr = pl.lit(None, pl.Date())
    provision: pl.Expr = pl.lit(None, pl.String())
    # the first regime that fits wins: chained from the last, each wraps the ones after it
    for regime in reversed(rule.spec["regimes"]):
        fits = pl.lit(True)
        if "from_year" in regime:
            fits = fits & (year >= int(regime["from_year"]))
        if "until_year" in regime:
            fits = fits & (year <= int(regime["until_year"]))
        if "kind" in regime:
            fits = fits & (kind == str(regime["kind"])).fill_null(False)
        if "levels" in regime:
            fits = fits & level.is_in(list(regime["levels"])).fill_null(False)
        month, day = (int(part) for part in str(regime["deadline"]).split("-"))
        due = pl.when(fits).then(pl.date(year + 1, month, day)).otherwise(due)
        provision = pl.when(fits).then(pl.lit(str(regime["provision"]))).otherwise(provision)
    year_end = pl.date(year, 12, 31)

    def unknown(fact: pl.Expr) -> pl.Expr:
        return pl.when(fact.is_null() | (fact == "")).then(pl.lit("unknown")).otherwise(fact)

    dated = figures.reports.with_columns(
        due=due,
        provision=provision,
        taken=(published - year_end).dt.total_days().cast(pl.Float64()),
    ).with_columns(allowed=(pl.col("due") - year_end).dt.total_days().cast(pl.Float64()))
    assessable = published.is_not_null() & pl.col("due").is_not_null()
    passed = pl.col("taken") <= pl.col("allowed")
    scored = dated.select(
        "report_id",
        "report_year",
        pl.lit("published_on").alias("subject"),
        pl.lit("total").alias("dimension"),
        pl.when(~assessable)
        .then(pl.lit("not_assessable"))
        .when(passed)
        .then(pl.lit("pass"))
        .otherwise(pl.lit("fail"))
        .alias("status"),
        pl.when(assessable).then(pl.col("taken")).alias("lhs"),
        pl.when(assessable).then(pl.col("allowed")).alias("rhs"),
        pl.when(assessable).then(pl.col("taken") - pl.col("allowed")).alias("delta"),
        NO_METRICS.alias("metrics"),
        NO_LINES.alias("source_lines"),
        pl.when(published.is_null())
        .then(pl.lit("no publication date"))
        .when(pl.col("due").is_null())
        .then(
            pl.format(
                "published {}; the deadline depends on the agency's kind and level, which the "
                "text does not establish (kind {}, level {})",
                _iso(published),
                unknown(kind),
                unknown(level),
            )
        )
        .otherwise(
            pl.format(
                "published {}, deadline {} ({}){}",
                _iso(published),
                _iso(pl.col("due")),
                pl.col("provision"),
                pl.when(passed)
                .then(pl.lit(""))
                .otherwise(
                    pl.format(
                        ": {} days late",
                        (pl.col("taken") - pl.col("allowed")).cast(pl.Int64()),
                    )
                ),
            )
        )
        .alias("detail"),
    )
    return results(rule, scored), set()


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


def _group_cells(spec: Spec, table: pl.DataFrame) -> pl.DataFrame:
    """`_copy_groups` column-wise: the table figures of the groups compared, with `group`."""
    by_table = {str(g["table"]): str(g["by"]) for g in spec["groups"]}
    by = pl.col("table_kind").replace_strict(by_table, default=None, return_dtype=pl.String())
    return table.filter(by.is_not_null()).with_columns(
        group=pl.when(by == "table")
        .then(pl.col("table_kind"))
        .otherwise(pl.col("metric").str.split(".").list.slice(0, 2).list.join("."))
    )


def frame_copied(rule: Rule, figures: Figures) -> tuple[pl.DataFrame, set[str]]:
    """`check_copied` column-wise: every pair's groups, unless a side's sum depends on the
    order of addition (`order_free`; a figure printed empty adds 0), which leaves the report
    to the check."""
    spec = rule.spec
    pairs = figures.pairs
    inexact = (~exact_integer(pl.col("value").fill_null(0.0))).sum()
    now = (
        _group_cells(spec, figures.table.with_row_index("position"))
        .join(pairs.drop("report_year"), on="report_id", how="inner")
        .select(
            "report_id",
            "report_year",
            "other_report_id",
            "other_report_year",
            "group",
            "metric",
            "dimension",
            "value",
            "value_kind",
            "source_line",
            "position",
        )
    )
    before = (
        _group_cells(spec, figures.earlier)
        .rename({"report_id": "other_report_id"})
        .join(pairs.select("report_id", "other_report_id"), on="other_report_id", how="inner")
        .select("report_id", "group", "metric", "dimension", "value", "value_kind", "source_line")
    )
    key = ["report_id", "group"]
    cells = ["report_id", "group", "metric", "dimension"]
    same = (
        now.join(before, on=cells, how="inner", suffix="_before")
        .filter(
            (pl.col("value_kind") == pl.col("value_kind_before"))
            & pl.col("value").eq_missing(pl.col("value_before"))
        )
        .group_by(key)
        .agg(same=pl.len())
    )
    sides_now = (
        now.sort("report_id", "group", "source_line", "position")
        .group_by(key, maintain_order=True)
        .agg(
            pl.col("report_year", "other_report_id", "other_report_year").first(),
            cells=pl.len(),
            lhs=pl.col("value").fill_null(0.0).sum() + 0.0,
            nonzero=((pl.col("value_kind") == "number") & (pl.col("value").fill_null(0.0) != 0))
            .fill_null(False)
            .sum(),
            metrics=pl.col("metric"),
            source_lines=pl.col("source_line"),
            inexact=inexact,
        )
    )
    sides_before = before.group_by(key).agg(
        cells_before=pl.len(),
        rhs=pl.col("value").fill_null(0.0).sum() + 0.0,
        lines_before=pl.col("source_line").unique().sort(),
        inexact_before=inexact,
    )
    identical = (pl.col("same").fill_null(0) == pl.col("cells")) & (
        pl.col("cells") == pl.col("cells_before")
    )
    copied = identical & (pl.col("nonzero") >= int(spec["min_nonzero"]))
    scored = (
        sides_now.join(sides_before, on=key, how="inner")
        .join(same, on=key, how="left")
        .select(
            "report_id",
            "report_year",
            pl.col("group").alias("subject"),
            pl.lit("total").alias("dimension"),
            pl.when(copied).then(pl.lit("fail")).otherwise(pl.lit("pass")).alias("status"),
            "lhs",
            "rhs",
            (pl.col("lhs") - pl.col("rhs")).alias("delta"),
            "metrics",
            "source_lines",
            "other_report_id",
            pl.when(copied)
            .then(
                pl.format(
                    "all {} figures of {} equal those of {} ({}, lines {}): "
                    "copied from the previous year's report?",
                    pl.col("cells"),
                    pl.col("group"),
                    pl.col("other_report_year"),
                    pl.col("other_report_id"),
                    pl.col("lines_before").cast(pl.List(pl.String())).list.join(", "),
                )
            )
            .when(identical)
            .then(
                pl.format(
                    "identical to {}, but only {} non-zero figures",
                    pl.col("other_report_year"),
                    pl.col("nonzero"),
                )
            )
            .alias("detail"),
            (
                order_free(pl.col("cells"), pl.col("inexact"))
                & order_free(pl.col("cells_before"), pl.col("inexact_before"))
            ).alias("plain"),
        )
    )
    return settle(rule, scored, pl.col("plain"))


def _copied_subjects(spec: Spec) -> Iterable[str]:
    by_item = {g["table"] for g in spec["groups"] if g["by"] == "item"}
    yield from (g["table"] for g in spec["groups"])
    for code, metric in metrics().items():
        if metric.table in by_item:
            yield ".".join(code.split(".")[:2])


def _copied_metrics(spec: Spec) -> Iterable[str]:
    tables = {group["table"] for group in spec["groups"]}
    return (code for code, metric in metrics().items() if metric.table in tables)


register(
    Kind(
        "timeliness",
        "report",
        check_timeliness,
        subjects=lambda spec: ["published_on"],
        frame_check=frame_timeliness,
    )
)
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
register(
    Kind(
        "copied_table",
        "agency_years",
        check_copied,
        subjects=_copied_subjects,
        earlier_metrics=_copied_metrics,
        frame_check=frame_copied,
    )
)
