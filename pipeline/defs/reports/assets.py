"""Stage 2: reports found in the documents, with their sections and lines."""

import dagster as dg

from pipeline.defs.documents.assets import documents
from pipeline.defs.resources import PipelineStorage
from pipeline.model import DOCUMENTS_SCHEMA
from pipeline.stages import segment_documents
from pipeline.storage import read_parquet, write_parquet_atomic


@dg.asset(deps=[documents], group_name="reports_pipeline", kinds={"python", "parquet"})
def reports(context: dg.AssetExecutionContext, storage: PipelineStorage) -> dg.MaterializeResult:
    """Reports split out of the raw documents (a file may hold many).

    Grain: one row per report, `report_id` = source file + ordinal. Columns: year (and which
    statement gave it), agency and region when the text states them (NULL otherwise, never a
    guess, never spam), template, closing date, line span. Also writes `sections.parquet`
    (one row per 一、二、… heading) and `report_lines.parquet` (the lines each report spans).
    Reports without a year are quarantined.
    """
    layout = storage.layout
    output = segment_documents(read_parquet(layout.file("documents.parquet"), DOCUMENTS_SCHEMA))
    write_parquet_atomic(output.reports, layout.file("reports.parquet"))
    write_parquet_atomic(output.sections, layout.file("sections.parquet"))
    write_parquet_atomic(output.lines, layout.file("report_lines.parquet"))
    write_parquet_atomic(output.quarantine, layout.quarantine_part("reports"))
    by_template = output.reports.group_by("template").len().sort("template")
    context.log.info("%d reports, %d quarantined", output.reports.height, output.quarantine.height)
    return dg.MaterializeResult(
        metadata={
            "reports": output.reports.height,
            "sections": output.sections.height,
            "quarantined": output.quarantine.height,
            "reports_with_agency": int(output.reports["agency"].is_not_null().sum()),
            "by_template": dg.MetadataValue.json(dict(by_template.iter_rows())),
        }
    )
