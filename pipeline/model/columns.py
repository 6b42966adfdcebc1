"""How a table is declared: its columns, each with its dtype, nullability and column-level checks.

A `Table` is the one declaration of a table's shape. Everything else is derived from it: the
Polars schema every frame and Parquet file of the table has (`Table.schema`, in column order),
the DuckDB column types of the warehouse (`Table.duckdb_columns`), and the columns of its Pandera
contract (`pipeline/frames/columns.py`). The dbt project's `sql/models/sources.yml` lists the
same columns with their `data_type` for dbt's own documentation; a test holds it to the
declaration (`tests/test_model_declarations.py`). Checks across columns (a span is ordered, a
key is unique) are not column-level and stay beside the contract in `pipeline/frames/`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# The DuckDB type of each Polars dtype a table may use (lists are `<inner>[]`).
_DUCKDB_TYPES: tuple[tuple[pl.DataType, str], ...] = (
    (pl.String(), "varchar"),
    (pl.Int32(), "integer"),
    (pl.Int64(), "bigint"),
    (pl.Float64(), "double"),
    (pl.Boolean(), "boolean"),
    (pl.Date(), "date"),
    (pl.Datetime("us", "UTC"), "timestamp with time zone"),
)


def duckdb_type(dtype: pl.DataType | pl.datatypes.DataTypeClass) -> str:
    """The DuckDB column type of a Polars dtype of the declarations."""
    if isinstance(dtype, pl.List):
        return f"{duckdb_type(dtype.inner)}[]"
    for polars_type, sql_type in _DUCKDB_TYPES:
        if dtype == polars_type:
            return sql_type
    raise ValueError(f"no DuckDB type for Polars dtype {dtype}")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its dtype, whether it may be NULL, and the checks each value must pass."""

    name: str
    dtype: pl.DataType
    nullable: bool = False
    unique: bool = False
    # bounds of a number, inclusive
    ge: int | None = None
    le: int | None = None
    # the codes a value may take
    isin: tuple[str, ...] | None = None
    # a regular expression every value matches
    matches: str | None = None

    @property
    def duckdb_type(self) -> str:
        """The column's type in the warehouse."""
        return duckdb_type(self.dtype)


@dataclass(frozen=True, slots=True)
class Table:
    """One table's columns, in the order every file and frame of it has them."""

    name: str
    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name}: a column is declared twice in {names}")
        for column in self.columns:
            duckdb_type(column.dtype)  # every dtype must have a warehouse type

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(column.name for column in self.columns)

    @property
    def schema(self) -> dict[str, pl.DataType]:
        """The Polars schema: column name to dtype, in order."""
        return {column.name: column.dtype for column in self.columns}

    @property
    def duckdb_columns(self) -> dict[str, str]:
        """The warehouse columns: column name to DuckDB type, in order."""
        return {column.name: column.duckdb_type for column in self.columns}

    def column(self, name: str) -> Column:
        """One column by name."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"table {self.name} has no column {name!r}")
