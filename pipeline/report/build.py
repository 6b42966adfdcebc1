"""`report.html` in a warehouse directory: read the warehouse, render the page, write it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.atomic_files import write_text_atomic
from pipeline.report.data import ReportData, load_report_data
from pipeline.report.page import render_report
from pipeline.storage import WarehouseLayout


def write_report(warehouse_dir: Path, raw_dir: Path | None = None, out: Path | None = None) -> Path:
    """Write the HTML report of the warehouse in `warehouse_dir`; returns the file written.

    The database is opened read-only. `raw_dir` (optional) lets the report quote source lines
    and link the raw files. `out` defaults to `warehouse_dir/report.html`; the file is written
    beside its destination and renamed into place.
    """
    return publish_report(warehouse_dir, raw_dir, out)[0]


def publish_report(
    warehouse_dir: Path, raw_dir: Path | None = None, out: Path | None = None
) -> tuple[Path, ReportData]:
    """`write_report`, also returning what the page shows (the `report` asset's metadata)."""
    warehouse_dir = Path(warehouse_dir)
    layout = WarehouseLayout(warehouse_dir)
    if not layout.database.is_file():
        raise FileNotFoundError(f"no warehouse at {layout.database}; run the pipeline first")
    with duckdb.connect(str(layout.database), read_only=True) as con:
        data = load_report_data(con)
    page = render_report(data, warehouse_dir, Path(raw_dir) if raw_dir is not None else None)
    target = Path(out) if out is not None else layout.report
    write_text_atomic(page, target)
    return target, data
