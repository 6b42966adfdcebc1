"""Writing a year's tables whole, for tests that plant rows where the stages store them."""

from __future__ import annotations

import polars as pl

from pipeline.storage import StagedTable, WarehouseLayout, stage_year_table


def write_year_tables(
    layout: WarehouseLayout, year: int, tables: dict[str, pl.DataFrame]
) -> dict[str, str]:
    """Replace the given tables' `report_year=YYYY/` directories as the stages write them
    (`stage_year_table`, then swapped in); return each file's sha256."""
    staged: dict[str, StagedTable] = {}
    try:
        for table, frame in tables.items():
            staged[table] = stage_year_table(layout, year, table, [frame])
        for staged_table in staged.values():
            staged_table.swap_in()
    finally:
        for staged_table in staged.values():
            staged_table.discard()  # nothing is left of one swapped in
    return {table: staged_table.sha256 for table, staged_table in staged.items()}
