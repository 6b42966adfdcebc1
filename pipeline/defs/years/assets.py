"""Stage 2: reports and their statistics, one partition per report year."""

from collections.abc import Iterator

import dagster as dg

from pipeline.accounting import account
from pipeline.defs.contracts import contract_result
from pipeline.defs.documents.assets import documents
from pipeline.defs.partitions import FORCE_TAG, YEARS, years_of
from pipeline.defs.resources import PipelineStorage
from pipeline.publish import now, record_step
from pipeline.stages.years import update_years
from pipeline.storage import count_rows
from pipeline.versions import parser_version

REPORTS_DESCRIPTION = """Reports split out of the raw files (a file may hold many), per year.

Grain: one row per report, `report_id` = source file + ordinal, in
`parquet/reports/report_year=YYYY/`. Columns: year (and which statement gave it), agency and
region when the text states them (NULL otherwise, never a guess, never spam), template, closing
date, line span. Sections (one row per 一、二、… heading) go to `parquet/sections/`.
"""

STATISTICS_DESCRIPTION = """Every printed figure of every report, in long form, per year.

Grain: one row per printed cell (report, metric, dimension, source line), values as printed
(NULL for an empty cell, `na` for a dash), with the label and line they came from, in
`parquet/statistics/report_year=YYYY/`. Reports with no table contribute their prose figures;
prose readings of all reports go to `parquet/prose_figures/`; table rows that could not be read
go to `parquet/quarantine/statistics/`.
"""

CHECKS = (
    ("reports", "reports_contract", ("reports",)),
    ("reports", "sections_contract", ("sections",)),
    ("statistics", "statistics_contract", ("statistics", "quarantine/statistics")),
    ("statistics", "prose_figures_contract", ("prose_figures",)),
)


@dg.multi_asset(
    name="parse_years",
    specs=[
        dg.AssetSpec(
            "reports",
            deps=[documents],
            description=REPORTS_DESCRIPTION,
            group_name="reports_pipeline",
            kinds={"python", "parquet"},
            code_version=parser_version(),
        ),
        dg.AssetSpec(
            "statistics",
            deps=["reports"],
            description=STATISTICS_DESCRIPTION,
            group_name="reports_pipeline",
            kinds={"python", "parquet"},
            code_version=parser_version(),
        ),
    ],
    check_specs=[
        *(dg.AssetCheckSpec(name, asset=asset, blocking=True) for asset, name, _ in CHECKS),
        dg.AssetCheckSpec(
            "accounting",
            asset="statistics",
            blocking=True,
            description="Every inventoried file is in reports or quarantine; every table row "
            "printing figures is in statistics or quarantine.",
        ),
    ],
    partitions_def=YEARS,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def parse_years(
    context: dg.AssetExecutionContext, storage: PipelineStorage
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Parse the raw files of the run's years (only new or changed files, unless forced);
    a year whose files this run's inventory parsed already is taken from its handoff.

    Each year's tables are validated against their contracts before they are written; a year
    that breaks one keeps its previous partition and fails the blocking check.
    """
    started = now()
    years = years_of(context.partition_keys)
    force = context.run.tags.get(FORCE_TAG, "").lower() == "true"
    summary = update_years(
        storage.layout,
        storage.raw_path,
        years,
        force=force,
        workers=storage.worker_count,
        handed_to=context.run.run_id,
    )
    record_step(
        storage.layout,
        context.run.run_id,
        "parse",
        {
            "started_at": started.isoformat(),
            "years_requested": summary.years_requested,
            "years_written": summary.years_written,
            "files_parsed": summary.files_parsed,
            "years_handed_over": summary.years_handed_over,
        },
    )
    context.log.info(
        "years %s-%s: %d written, %d removed, %d unchanged; %d files parsed%s",
        years[0] if years else "",
        years[-1] if years else "",
        len(summary.years_written),
        len(summary.years_removed),
        len(summary.years_skipped),
        len(summary.files_parsed),
        " (forced)" if force else "",
    )
    if not summary.files_parsed and not summary.years_removed:
        context.log.info("nothing new: every requested year is up to date")
    common: dict[str, dg.RawMetadataValue] = {
        "years_written": dg.MetadataValue.json(summary.years_written),
        "years_unchanged": len(summary.years_skipped),
        "files_parsed": len(summary.files_parsed),
        "years_from_the_inventory": dg.MetadataValue.json(summary.years_handed_over),
        "forced": force,
    }
    layout = storage.layout
    yield dg.MaterializeResult(
        asset_key="reports",
        metadata={
            **common,
            "dagster/row_count": count_rows(layout, "reports", years),
            "reports_written": summary.reports_written,
        },
    )
    yield dg.MaterializeResult(
        asset_key="statistics",
        metadata={
            **common,
            "dagster/row_count": count_rows(layout, "statistics", years),
            "quarantined_rows": count_rows(layout, "quarantine/statistics", years),
            "statistics_rows_written": summary.statistics_written,
            "quarantined_rows_written": summary.quarantined_written,
        },
    )
    for asset, name, tables in CHECKS:
        errors = [m for table in tables for m in summary.contract_errors.get(table, [])]
        rows = summary.reports_written if asset == "reports" else summary.statistics_written
        yield contract_result(asset, name, errors, rows)
    ledger = account(storage.layout)
    yield dg.AssetCheckResult(
        asset_key="statistics",
        check_name="accounting",
        passed=ledger.holds,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if ledger.holds else "something read was neither stored nor quarantined",
        metadata={
            key: dg.MetadataValue.json(value) if isinstance(value, list) else value
            for key, value in ledger.summary().items()
        },
    )
