"""Every table's shape is declared once (`pipeline.model`); what else states it must agree.

The Polars schemas, the DuckDB types and the columns of the Pandera contracts are derived from
the declaration. Two copies remain by nature and are held to it here: the dbt project's
`sql/models/sources.yml` (dbt reads its column list and data types) and the catalogue tables
the warehouse loader creates itself (`metrics`, `harmonised_*`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandera.errors
import polars as pl
import pytest
import yaml

from pipeline import frames, storage, warehouse
from pipeline.dbt import SQL_DIR
from pipeline.model import (
    DOCUMENTS,
    QUARANTINE,
    RECONCILIATION,
    REPORTS,
    SECTIONS,
    STATISTICS,
    TABLE_ROWS,
    WAREHOUSE_SOURCES,
    Column,
    Report,
    Table,
    to_frame,
)

CONTRACTS = [
    (frames.DocumentsFrame, DOCUMENTS),
    (frames.ReportsFrame, REPORTS),
    (frames.SectionsFrame, SECTIONS),
    (frames.StatisticsFrame, STATISTICS),
    (frames.QuarantineFrame, QUARANTINE),
    (frames.TableRowsFrame, TABLE_ROWS),
    (frames.ReconciliationFrame, RECONCILIATION),
]


def dbt_sources() -> dict[str, dict[str, str | None]]:
    """Each source table of sources.yml: its columns and their data_type."""
    spec = yaml.safe_load((SQL_DIR / "models" / "sources.yml").read_text(encoding="utf-8"))
    return {
        table["name"]: {column["name"]: column.get("data_type") for column in table["columns"]}
        for source in spec["sources"]
        for table in source["tables"]
    }


def test_sources_yml_lists_every_declared_column_with_its_type():
    sources = dbt_sources()
    assert sorted(sources) == sorted(WAREHOUSE_SOURCES)
    for name, table in WAREHOUSE_SOURCES.items():
        assert sources[name] == table.duckdb_columns, name


def test_the_warehouse_base_tables_have_the_declared_columns(tmp_path: Path):
    (tmp_path / "parquet").mkdir()
    database = tmp_path / "base.duckdb"
    loaded = warehouse.load_base_tables(tmp_path / "parquet", database)
    assert sorted(loaded) == sorted(WAREHOUSE_SOURCES)
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, lower(data_type) from duckdb_columns() "
            "where schema_name = 'main'"
        ).fetchall()
    built: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        built.setdefault(table, {})[column] = data_type
    for name, table in WAREHOUSE_SOURCES.items():
        assert built[name] == table.duckdb_columns, name


def test_the_year_tables_are_stored_with_the_declared_schemas():
    declared_tables = {
        "reports": REPORTS,
        "sections": SECTIONS,
        "statistics": STATISTICS,
        "prose_figures": STATISTICS,
        "quarantine/statistics": QUARANTINE,
        "reconciliation": RECONCILIATION,
        "table_rows": TABLE_ROWS,
    }
    declared = {name: table.schema for name, table in declared_tables.items()}
    assert declared == storage.YEAR_TABLES


@pytest.mark.parametrize(("contract", "table"), CONTRACTS, ids=lambda x: getattr(x, "name", ""))
def test_each_contract_checks_every_declared_column(contract, table: Table):
    columns = contract.to_schema().columns
    assert list(columns) == list(table.names)
    for column in table.columns:
        assert columns[column.name].dtype.type == column.dtype, column.name
        assert columns[column.name].nullable == column.nullable, column.name
        assert columns[column.name].unique == column.unique, column.name


def report(**changes: object) -> Report:
    fields: dict[str, object] = {
        "report_id": "a.txt#1",
        "source_file": "a.txt",
        "ordinal": 1,
        "report_year": 2016,
        "year_source": "title",
        "agency": None,
        "agency_source": None,
        "region": None,
        "template": "old_table",
        "published_on": None,
        "title": None,
        "line_start": 1,
        "line_end": 9,
        "spam_detected": False,
        **changes,
    }
    return Report(**fields)  # type: ignore[arg-type]


def failed_columns(frame: pl.DataFrame) -> set[str]:
    with pytest.raises(pandera.errors.SchemaErrors) as failure:
        frames.ReportsFrame.validate(frame, lazy=True)
    return set(failure.value.failure_cases["column"].drop_nulls().to_list())


def test_a_report_frame_is_held_to_its_declared_column_checks():
    assert frames.ReportsFrame.validate(to_frame([report()], REPORTS.schema)) is not None
    # a bound, a pattern, a code and nullability, each from the declaration
    assert failed_columns(to_frame([report(ordinal=0)], REPORTS.schema)) == {"ordinal"}
    assert failed_columns(to_frame([report(division_code="12345")], REPORTS.schema)) == {
        "division_code"
    }
    assert failed_columns(to_frame([report(template="new_2030")], REPORTS.schema)) == {"template"}
    assert failed_columns(to_frame([report(year_source=None)], REPORTS.schema)) == {"year_source"}
    # codes a parser module defines (agency kinds) are added to the declared column
    assert failed_columns(to_frame([report(agency_kind="bureau")], REPORTS.schema)) == {
        "agency_kind"
    }


def test_a_table_declares_each_column_once_and_only_warehouse_types():
    with pytest.raises(ValueError, match="declared twice"):
        Table("t", (Column("a", pl.String()), Column("a", pl.Int32())))
    with pytest.raises(ValueError, match="no DuckDB type"):
        Table("t", (Column("a", pl.UInt8()),))
