"""The report's queries: the `.sql` files of `sql/report/`, and which one a warehouse can run.

A query is a file `<name>.sql`; a warehouse that lacks a table the query reads (an older
build, a partial one) may be served by a variant, `<name>.<variant>.sql`. Each file says what
it reads in a header line, `-- requires: table, table.column, ...`. For a given warehouse the
loader runs the variant whose requirements all hold and that requires the most (the fullest
reading it can give); when none holds, the query has no answer and the page shows that part as
absent. So which tables are optional is data, in the SQL files, not branches in the code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

REPORT_SQL_DIR = Path(__file__).resolve().parent.parent.parent / "sql" / "report"

_REQUIRES = re.compile(r"^--\s*requires:\s*(?P<items>.+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Query:
    """One `.sql` file: the query it answers, and the tables and columns it reads."""

    name: str
    path: Path
    sql: str
    tables: frozenset[str]
    columns: frozenset[tuple[str, str]]

    @property
    def weight(self) -> int:
        return len(self.tables) + len(self.columns)


def read_query(path: Path) -> Query:
    """One query file; its `-- requires:` line is mandatory (a query reads some table)."""
    sql = path.read_text(encoding="utf-8")
    match = _REQUIRES.search(sql)
    if match is None:
        raise ValueError(f"{path}: no `-- requires: table, ...` line")
    tables: set[str] = set()
    columns: set[tuple[str, str]] = set()
    for item in (part.strip() for part in match["items"].split(",")):
        table, _, column = item.partition(".")
        tables.add(table)
        if column:
            columns.add((table, column))
    return Query(
        name=path.name.split(".", 1)[0],
        path=path,
        sql=sql,
        tables=frozenset(tables),
        columns=frozenset(columns),
    )


@cache
def report_queries(directory: Path = REPORT_SQL_DIR) -> dict[str, tuple[Query, ...]]:
    """Every query of `directory` by name, with its variants, the most demanding first."""
    found: dict[str, list[Query]] = {}
    for path in sorted(directory.glob("*.sql")):
        query = read_query(path)
        found.setdefault(query.name, []).append(query)
    return {
        name: tuple(sorted(variants, key=lambda q: (-q.weight, q.path.name)))
        for name, variants in sorted(found.items())
    }


class Warehouse:
    """A read-only connection and what it holds: runs each query in the variant it can."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, queries: dict[str, tuple[Query, ...]] | None = None
    ) -> None:
        self.con = con
        self.queries = report_queries() if queries is None else queries
        self.columns: dict[str, set[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main'"
        ).fetchall():
            self.columns.setdefault(str(table), set()).add(str(column))

    @property
    def tables(self) -> set[str]:
        return set(self.columns)

    def holds(self, query: Query) -> bool:
        """Whether every table and column the query reads is in this warehouse."""
        return query.tables <= self.columns.keys() and all(
            column in self.columns[table] for table, column in query.columns
        )

    def choose(self, name: str) -> Query | None:
        """The variant of query `name` this warehouse can run, the fullest first."""
        if name not in self.queries:
            raise KeyError(f"no query {name!r} in {REPORT_SQL_DIR}")
        return next((q for q in self.queries[name] if self.holds(q)), None)

    def rows(self, name: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]] | None:
        """The rows of query `name` as dictionaries; None when the warehouse cannot answer it."""
        query = self.choose(name)
        if query is None:
            return None
        cursor = self.con.execute(query.sql, list(parameters))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def tuples(self, name: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of query `name` as tuples; none when the warehouse cannot answer it."""
        query = self.choose(name)
        if query is None:
            return []
        return self.con.execute(query.sql, list(parameters)).fetchall()

    def scalar(self, name: str) -> int:
        """The one number query `name` gives; 0 when the warehouse cannot answer it."""
        rows = self.tuples(name)
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0
