"""Stage 3: every printed figure in long form, Parquet partitioned by report year."""

import dagster as dg

from pipeline.defs.reports.assets import reports
from pipeline.defs.resources import PipelineStorage
from pipeline.model import REPORTS_SCHEMA
from pipeline.stages import LINES_SCHEMA, extract_statistics
from pipeline.storage import read_parquet, write_parquet_atomic, write_year_partitions


@dg.asset(deps=[reports], group_name="reports_pipeline", kinds={"python", "parquet"})
def statistics(context: dg.AssetExecutionContext, storage: PipelineStorage) -> dg.MaterializeResult:
    """Every figure of every statistics table, plus the prose figures of reports with no table.

    Grain: one row per printed cell (report, metric, dimension, source line), values as
    printed (NULL for an empty cell, `na` for a dash), with the label and line they came from.
    Written to `parquet/statistics/report_year=YYYY/`. Prose readings of all reports go to
    `prose_figures.parquet`; table rows that could not be read go to quarantine.
    """
    layout = storage.layout
    output = extract_statistics(
        read_parquet(layout.file("report_lines.parquet"), LINES_SCHEMA),
        read_parquet(layout.file("reports.parquet"), REPORTS_SCHEMA),
    )
    years = write_year_partitions(output.statistics, layout.statistics)
    write_parquet_atomic(output.prose_figures, layout.file("prose_figures.parquet"))
    write_parquet_atomic(output.quarantine, layout.quarantine_part("statistics"))
    context.log.info(
        "%d figures over %d years, %d rows quarantined",
        output.statistics.height,
        len(years),
        output.quarantine.height,
    )
    by_table = output.statistics.group_by("table_kind").len().sort("table_kind")
    return dg.MaterializeResult(
        metadata={
            "statistics_rows": output.statistics.height,
            "prose_figures": output.prose_figures.height,
            "years": dg.MetadataValue.json(years),
            "quarantined_rows": output.quarantine.height,
            "by_table_kind": dg.MetadataValue.json(dict(by_table.iter_rows())),
        }
    )
