"""Build the DuckDB warehouse from the Parquet outputs of the earlier stages.

The whole database is written to a temporary file beside the target and renamed onto it at the
end, so a reader sees either the previous warehouse or the new one, never a half-built file.

Base tables (`reports`, `sections`, `statistics`, `prose_figures`, `quarantine`, `metrics`,
`harmonised_metrics`, `harmonised_sources`) are copied in as tables, not views over Parquet, so
the database file is self-contained. Their columns come from the frame schemas in
`pipeline.model`, which makes a missing input an empty table with the right columns; they are
the sources of the dbt project in `sql/`, whose `sources.yml` describes them. Then `dbt build`
runs every staging model and mart (in the order their `ref()`s give) and their tests, and writes
every description of the project's schema files into the database as comments.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipeline import dbt
from pipeline.catalogue import metrics
from pipeline.dbt import SQL_DIR, NodeResult
from pipeline.harmonised import harmonised_metrics, source_rows
from pipeline.model import (
    QUARANTINE_SCHEMA,
    RECONCILIATION_SCHEMA,
    REPORTS_SCHEMA,
    RUNS_SCHEMA,
    SECTIONS_SCHEMA,
    STATISTICS_SCHEMA,
)

logger = logging.getLogger(__name__)

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

_DUCKDB_TYPES: tuple[tuple[pl.DataType, str], ...] = (
    (pl.String(), "varchar"),
    (pl.Int32(), "integer"),
    (pl.Int64(), "bigint"),
    (pl.Float64(), "double"),
    (pl.Boolean(), "boolean"),
    (pl.Date(), "date"),
    (pl.Datetime("us", "UTC"), "timestamp with time zone"),
)

METRICS_COLUMNS: dict[str, str] = {
    "code": "varchar",
    "label": "varchar",
    "english": "varchar",
    "unit": "varchar",
    "templates": "varchar[]",
    "table_name": "varchar",
    "parent": "varchar",
    "context": "varchar",
    "header": "boolean",
    "harmonised": "varchar",
    "harmonised_match": "varchar",
}


# Columns analysts rely on, in this order; a table's other schema columns follow them.
REPORTS_PUBLIC = (
    "report_id",
    "source_file",
    "ordinal",
    "report_year",
    "agency",
    "region",
    "template",
    "published_on",
    "line_start",
    "line_end",
)
STATISTICS_PUBLIC = (
    "report_id",
    "report_year",
    "metric",
    "dimension",
    "value",
    "value_kind",
    "qualifier",
    "unit",
    "label_raw",
    "source_line",
)


def public_first(
    schema: dict[str, pl.DataType], public: tuple[str, ...] = ()
) -> dict[str, pl.DataType]:
    """The schema with its public columns moved to the front, in the order given."""
    return {name: schema[name] for name in (*public, *(n for n in schema if n not in public))}


@dataclass(frozen=True, slots=True)
class SourceTable:
    """A base table and the Parquet input it is copied from."""

    name: str
    schema: dict[str, pl.DataType]
    pattern: str
    hive: bool = False
    # Absent on a first build (the run records are added when the build is published).
    may_be_absent: bool = False


SOURCE_TABLES = (
    SourceTable(
        "reports",
        public_first(REPORTS_SCHEMA, REPORTS_PUBLIC),
        "reports/report_year=*/*.parquet",
        hive=True,
    ),
    SourceTable("sections", SECTIONS_SCHEMA, "sections/report_year=*/*.parquet", hive=True),
    SourceTable(
        "statistics",
        public_first(STATISTICS_SCHEMA, STATISTICS_PUBLIC),
        "statistics/report_year=*/*.parquet",
        hive=True,
    ),
    SourceTable(
        "prose_figures",
        public_first(STATISTICS_SCHEMA, STATISTICS_PUBLIC),
        "prose_figures/report_year=*/*.parquet",
        hive=True,
    ),
    SourceTable("quarantine", QUARANTINE_SCHEMA, "quarantine.parquet"),
    SourceTable(
        "reconciliation", RECONCILIATION_SCHEMA, "reconciliation/report_year=*/*.parquet", hive=True
    ),
    SourceTable("runs", RUNS_SCHEMA, "runs.parquet", may_be_absent=True),
)


def build_warehouse(parquet_dir: Path, db_path: Path, sql_dir: Path = SQL_DIR) -> dict[str, int]:
    """Build the warehouse at `db_path` from `parquet_dir`; return row counts per table."""
    db_path = Path(db_path)
    tmp_path = temporary_path(db_path)
    try:
        with tempfile.TemporaryDirectory(prefix="dbt-target-") as target:
            built = build_database(parquet_dir, tmp_path, sql_dir, target=Path(target))
    except BaseException:
        remove_database_files(tmp_path)
        raise
    swap_in(tmp_path, db_path)
    logger.info("built warehouse %s: %s", db_path, built.counts)
    return built.counts


@dataclass(frozen=True, slots=True)
class BuiltDatabase:
    """A finished database: its row counts per table and what dbt did with each node."""

    counts: dict[str, int]
    nodes: list[NodeResult]


def build_database(
    parquet_dir: Path,
    path: Path,
    sql_dir: Path = SQL_DIR,
    temp_dir: Path | None = None,
    *,
    target: Path,
    select: Sequence[str] = (),
    fresh: bool = True,
) -> BuiltDatabase:
    """Build a complete database file at `path`: the base tables, then `dbt build`.

    `fresh` starts from nothing (the file is replaced); otherwise the base tables are
    replaced in the database already at `path` and only the models and tests in `select`
    are rebuilt (a subset build). DuckDB spills to `temp_dir` when given (the run's scratch
    folder); dbt keeps its state in `target`. Raises DbtBuildFailed when a model or test
    fails.
    """
    parquet_dir, path, sql_dir = Path(parquet_dir), Path(path), Path(sql_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        remove_database_files(path)
    load_base_tables(parquet_dir, path, sql_dir, temp_dir)
    nodes = dbt.build(sql_dir, path, target, temp_dir, select)
    with duckdb.connect(str(path), read_only=True) as con:
        counts = {name: count_rows(con, name) for name in main_tables(con)}
    return BuiltDatabase(counts, nodes)


def load_base_tables(
    parquet_dir: Path, path: Path, sql_dir: Path = SQL_DIR, temp_dir: Path | None = None
) -> list[str]:
    """Create (or replace) the base tables in the database at `path` and describe them.

    The descriptions are those of the dbt project's sources (`sql/models/sources.yml`).
    """
    config = build_config()
    if temp_dir is not None:
        config["temp_directory"] = str(temp_dir)
    with duckdb.connect(str(path), config=config) as con:
        con.execute("set enable_progress_bar = false")  # a batch job's terminal
        tables = [load_source_table(con, source, parquet_dir) for source in SOURCE_TABLES]
        tables.append(load_metrics(con))
        tables.extend(load_harmonised(con))
        apply_source_comments(con, source_descriptions(sql_dir))
        con.execute("checkpoint")
    return tables


def source_descriptions(sql_dir: Path = SQL_DIR) -> dict[str, tuple[str, dict[str, str]]]:
    """Each source table's description and its columns' descriptions, from the manifest."""
    manifest = dbt.manifest(sql_dir)
    return {
        source["name"]: (
            source.get("description") or "",
            {
                name: column.get("description") or ""
                for name, column in source.get("columns", {}).items()
            },
        )
        for source in manifest.get("sources", {}).values()
    }


def apply_source_comments(
    con: duckdb.DuckDBPyConnection, descriptions: dict[str, tuple[str, dict[str, str]]]
) -> None:
    """Write the sources' descriptions into the database as table and column comments."""
    for table, (description, columns) in descriptions.items():
        present = {
            row[0]
            for row in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'main' "
                "and table_name = ?",
                [table],
            ).fetchall()
        }
        if not present:
            continue
        if description:
            con.execute(f"comment on table {_quote(table)} is {_quote_text(description)}")
        for column, text in columns.items():
            if text and column in present:
                con.execute(
                    f"comment on column {_quote(table)}.{_quote(column)} is {_quote_text(text)}"
                )


def main_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of the database's main schema, by name."""
    return [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' "
            "and database_name = current_database() order by table_name"
        ).fetchall()
    ]


def _quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_config() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB settings of the build: a memory ceiling (spilling to disk past it).

    DuckDB would otherwise take up to 80% of the machine's memory for a large build.
    `PIPELINE_DUCKDB_MEMORY` (default 750MB, as in sql/profiles.yml) sets the ceiling: a run
    is meant to stay under 1.5 GB, of which the process's own modules take about 0.75 GB.
    Every model builds at 400MB on the 100,000-report benchmark corpus.
    """
    return {"memory_limit": os.environ.get("PIPELINE_DUCKDB_MEMORY", "750MB")}


def swap_in(tmp_path: Path, db_path: Path) -> None:
    """Rename a finished database file onto the warehouse path (atomic on one file system)."""
    # A write-ahead log left by a crashed writer of the old file must not be replayed onto
    # the new one.
    stale_wal = Path(f"{db_path}.wal")
    if stale_wal.exists():
        logger.warning("removing stale write-ahead log %s", stale_wal)
        stale_wal.unlink()
    os.replace(tmp_path, db_path)


def temporary_path(db_path: Path) -> Path:
    """Where the warehouse is built before it replaces `db_path`."""
    return db_path.with_name(db_path.name + ".tmp")


def remove_database_files(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)


def input_files(parquet_dir: Path, pattern: str) -> list[str]:
    """The Parquet files of one input, sorted so every build reads them in the same order."""
    # Hidden names are writers' staging files and directories, not yet (or no longer) data.
    return sorted(
        str(path)
        for path in parquet_dir.glob(pattern)
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(parquet_dir).parts)
    )


def duckdb_type(dtype: pl.DataType | pl.datatypes.DataTypeClass) -> str:
    """The DuckDB column type for a Polars dtype of the frame schemas."""
    if isinstance(dtype, pl.List):
        return f"{duckdb_type(dtype.inner)}[]"
    for polars_type, sql_type in _DUCKDB_TYPES:
        if dtype == polars_type:
            return sql_type
    raise ValueError(f"no DuckDB type for Polars dtype {dtype}")


def _quote(identifier: str) -> str:
    if not _IDENTIFIER.match(identifier):
        raise ValueError(f"not a plain lower-case identifier: {identifier!r}")
    return f'"{identifier}"'


def load_source_table(
    con: duckdb.DuckDBPyConnection, source: SourceTable, parquet_dir: Path
) -> str:
    """Create one base table with exactly its schema's columns and copy its Parquet in.

    Columns an input lacks become NULL and columns the schema does not know are left out, so
    the table's shape is the contract whatever an earlier stage wrote. For hive-partitioned
    input the partition key (report_year) is read from the directory name, typed once.
    """
    columns = ",\n    ".join(
        f"{_quote(name)} {duckdb_type(dtype)}" for name, dtype in source.schema.items()
    )
    con.execute(f"create or replace table {_quote(source.name)} (\n    {columns}\n)")
    files = input_files(parquet_dir, source.pattern)
    if not files:
        log = logger.debug if source.may_be_absent else logger.warning
        log("no input for %s under %s: table left empty", source.name, parquet_dir)
        return source.name
    reader = "read_parquet(?, union_by_name = true"
    if source.hive:
        reader += ", hive_partitioning = true, hive_types = {'report_year': integer}"
    reader += ")"
    present = {
        row[0] for row in con.execute(f"describe select * from {reader}", [files]).fetchall()
    }
    missing = [name for name in source.schema if name not in present]
    if missing:
        logger.warning("%s input lacks columns %s: loaded as NULL", source.name, missing)
    select = ",\n    ".join(
        f"cast({_quote(name)} as {duckdb_type(dtype)}) as {_quote(name)}"
        for name, dtype in source.schema.items()
        if name in present
    )
    con.execute(
        f"insert into {_quote(source.name)} by name\nselect\n    {select}\nfrom {reader}", [files]
    )
    return source.name


def load_metrics(con: duckdb.DuckDBPyConnection) -> str:
    """Create the `metrics` table from the metric catalogue."""
    columns = ",\n    ".join(f"{_quote(name)} {kind}" for name, kind in METRICS_COLUMNS.items())
    con.execute(f"create or replace table metrics (\n    {columns}\n)")
    rows = [
        (
            m.code,
            m.label,
            m.english,
            m.unit,
            list(m.templates),
            m.table,
            m.parent,
            m.context,
            m.header,
            m.harmonised,
            m.harmonised_match,
        )
        for m in sorted(metrics().values(), key=lambda metric: metric.code)
    ]
    if rows:
        placeholders = ", ".join("?" for _ in METRICS_COLUMNS)
        con.executemany(f"insert into metrics values ({placeholders})", rows)
    return "metrics"


def load_harmonised(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create `harmonised_metrics` and `harmonised_sources` from schemas/harmonised.yaml."""
    con.execute(
        "create or replace table harmonised_metrics "
        "(code varchar, label_zh varchar, english varchar, ordinal integer)"
    )
    con.executemany(
        "insert into harmonised_metrics values (?, ?, ?, ?)",
        [
            (metric.code, metric.label_zh, metric.english, ordinal)
            for ordinal, metric in enumerate(harmonised_metrics().values(), start=1)
        ],
    )
    con.execute(
        "create or replace table harmonised_sources (harmonised_metric varchar, priority integer, "
        "metrics varchar[], templates varchar[], match varchar)"
    )
    con.executemany("insert into harmonised_sources values (?, ?, ?, ?, ?)", source_rows())
    return ["harmonised_metrics", "harmonised_sources"]


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Number of rows in one table."""
    row = con.execute(f"select count(*) from {_quote(table)}").fetchone()
    return int(row[0]) if row else 0
