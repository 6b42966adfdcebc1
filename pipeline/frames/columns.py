"""The columns of a Pandera contract, derived from a table's declaration (`pipeline.model`).

`contract_base(table)` is a `DataFrameModel` with one field per declared column: its dtype,
nullability, uniqueness, bounds, codes and pattern. A contract subclasses it and adds the checks
that span columns (`@pa.dataframe_check`); codes that come from data (the catalogue's metric
codes, the rule ids) are passed in as `isin`, since the declaration cannot import their sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandera.polars as pa

from pipeline.model import Column, Table


def field_options(column: Column, isin: Iterable[str] | None = None) -> dict[str, Any]:
    """The `pa.Field` arguments of one declared column (`isin` overrides its codes)."""
    options: dict[str, Any] = {"nullable": column.nullable, "unique": column.unique}
    if column.ge is not None:
        options["ge"] = column.ge
    if column.le is not None:
        options["le"] = column.le
    codes = isin if isin is not None else column.isin
    if codes is not None:
        options["isin"] = list(codes)
    if column.matches is not None:
        options["str_matches"] = column.matches
    return options


def contract_base(
    table: Table, isin: Mapping[str, Iterable[str]] | None = None
) -> type[pa.DataFrameModel]:
    """A Pandera model with the declared columns of `table` (and the codes of `isin`)."""
    isin = isin or {}
    unknown = set(isin) - set(table.names)
    if unknown:
        raise KeyError(f"table {table.name} has no column {sorted(unknown)}")
    namespace: dict[str, Any] = {"__annotations__": {}, "__module__": __name__}
    for column in table.columns:
        namespace["__annotations__"][column.name] = column.dtype
        namespace[column.name] = pa.Field(**field_options(column, isin.get(column.name)))
    name = "".join(part.title() for part in table.name.split("_")) + "Columns"
    return type(name, (pa.DataFrameModel,), namespace)
