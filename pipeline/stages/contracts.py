"""A frame's breaches of its Pandera contract (`pipeline.frames`), as messages for the stages.

A stage validates what it is about to write; a frame that breaks its contract is a bug of the
pipeline, so the stage keeps the previous output and returns the messages for the asset's
blocking check.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import pandera.backends.polars.builtin_checks  # the built-in checks for Polars, registered
import pandera.errors
import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.backends.polars.checks import PolarsCheckBackend
from pandera.constants import CHECK_OUTPUT_KEY

from pipeline.frames import REPORT_LOCAL_CONTRACTS

MAX_ERRORS_SHOWN = 5
# Rows of a report-local contract validated at once: Pandera's checks hold a few copies of
# what they validate (a year of 2.3 million figures: +0.6 GB at once).
VALIDATE_ROWS = 250_000


def contract_errors(
    model: type[pa.DataFrameModel],
    frame: pl.DataFrame,
    what: str,
    rows_at_once: int = VALIDATE_ROWS,
) -> list[str]:
    """The frame's breaches of its Pandera contract, as messages (empty when it holds)."""
    check = ContractCheck(model, what, rows_at_once)
    check.add(frame)
    return check.messages()


class ContractCheck:
    """A table's breaches of its contract, checked part by part as the table is written.

    Each part of a report-local contract (`REPORT_LOCAL_CONTRACTS`) is validated as it comes
    and let go; the parts must hold whole reports (a report's rows in one part). The parts of
    any other contract are held and validated together at the end. Either way the failure
    cases, row numbers included, are those of the whole table validated at once.
    """

    def __init__(
        self, model: type[pa.DataFrameModel], what: str, rows_at_once: int = VALIDATE_ROWS
    ) -> None:
        self.model = model
        self.what = what
        self._rows_at_once = rows_at_once
        self._found: list[pl.DataFrame] = []
        self._held: list[pl.DataFrame] = []
        self._rows = 0

    def add(self, part: pl.DataFrame) -> None:
        """Check the next rows of the table."""
        if self.checks_each_part:
            self._found.extend(_slice_cases(self.model, part, self._rows, self._rows_at_once))
        else:
            self._held.append(part)
        self._rows += part.height

    @property
    def checks_each_part(self) -> bool:
        """Each part is validated as it is added (a report-local contract)."""
        return self.model in REPORT_LOCAL_CONTRACTS

    @property
    def holds_so_far(self) -> bool:
        """No breach found yet (the parts held for the end are not validated yet)."""
        return not self._found

    def failure_cases(self) -> pl.DataFrame | None:
        """Pandera's failure cases of every part added so far, None when they hold."""
        found = list(self._found)
        if self._held:
            whole = pl.concat(self._held) if len(self._held) > 1 else self._held[0]
            found.extend(_slice_cases(self.model, whole, 0, self._rows_at_once))
        return _combined(found)

    def messages(self) -> list[str]:
        """The breaches as messages (empty when the contract holds)."""
        cases = self.failure_cases()
        if cases is None:
            return []
        shown = cases.head(MAX_ERRORS_SHOWN).select(pl.all().cast(pl.String)).to_dicts()
        return [
            f"{self.what} breaks {self.model.__name__}: {cases.height} failure case(s), "
            f"e.g. {shown}"
        ]


def failure_cases(
    model: type[pa.DataFrameModel], frame: pl.DataFrame, rows_at_once: int = VALIDATE_ROWS
) -> pl.DataFrame | None:
    """Pandera's failure cases of the frame against its contract, None when it holds.

    A contract whose checks look at one report's rows only (`REPORT_LOCAL_CONTRACTS`) is
    validated on slices of whole reports of about `rows_at_once` rows, when the frame holds
    each report's rows together: the cases are those of the whole frame at once (a breach
    of the schema itself counted once), listed slice by slice.
    """
    return _combined(_slice_cases(model, frame, 0, rows_at_once))


def _slice_cases(
    model: type[pa.DataFrameModel], frame: pl.DataFrame, first_row: int, rows_at_once: int
) -> list[pl.DataFrame]:
    """The failure cases of each slice of the frame, rows numbered from `first_row`."""
    slices = (
        _report_slices(frame, rows_at_once)
        if model in REPORT_LOCAL_CONTRACTS
        else iter([(0, frame.height)])
    )
    found = []
    for offset, length in slices:
        part = frame.slice(offset, length)
        if holds(model, part):
            continue
        try:
            model.validate(part, lazy=True)
        except pandera.errors.SchemaErrors as errors:
            cases = errors.failure_cases
            if "index" in cases.columns:
                cases = cases.with_columns(pl.col("index") + first_row + offset)
            found.append(cases)
    return found


def _combined(found: list[pl.DataFrame]) -> pl.DataFrame | None:
    if not found:
        return None
    cases = pl.concat(found, how="diagonal_relaxed")
    if len(found) > 1 and "index" in cases.columns:
        # A breach of the schema itself (a column missing or of another type) has no row:
        # every slice finds it.
        cases = pl.concat(
            [
                cases.filter(pl.col("index").is_null()).unique(maintain_order=True),
                cases.filter(pl.col("index").is_not_null()),
            ]
        )
    return cases


def _report_slices(frame: pl.DataFrame, rows: int) -> Iterator[tuple[int, int]]:
    """(offset, length) of consecutive slices of whole reports, each of about `rows` rows or
    fewer (a report is never cut); the whole frame when a report's rows are not together."""
    if frame.height <= rows or "report_id" not in frame.columns:
        yield 0, frame.height
        return
    ids = frame.get_column("report_id")
    starts = (ids.ne_missing(ids.shift(1)).fill_null(True)).arg_true().to_list()
    if len(starts) != ids.n_unique():  # a report's rows are apart: no slice holds it whole
        yield 0, frame.height
        return
    offset = 0
    for start in starts[1:]:
        if start - offset >= rows:
            yield offset, start - offset
            offset = start
    yield offset, frame.height - offset


# --- the contract in one pass -----------------------------------------------------------------
#
# Pandera validates a frame check by check, one query each, and deep-copies the schema on every
# call: on the parse's year writes its validation was about half the time of the stage. Almost
# every frame holds its contract, so `holds` first evaluates every check of the contract in one
# batch of queries (`pl.collect_all`); only a frame it cannot vouch for goes through Pandera,
# which finds the failure cases. It may answer False where Pandera would pass (the frame is
# then validated as before), never True where Pandera would fail: it asks each check the
# question Pandera asks, through Pandera's own check functions, and declines any schema
# option it does not evaluate itself (tests/test_contracts.py holds it to Pandera's verdict).


def holds(model: type[pa.DataFrameModel], frame: pl.DataFrame) -> bool:
    """True when the frame meets every check of its contract; False when it may not."""
    schema = _plain_schema(model)
    if schema is None:
        return False
    try:
        queries = _queries(schema, frame)
        return queries is not None and all(
            result.item() is True for result in pl.collect_all(queries)
        )
    except Exception:  # a check that fails to run: Pandera reports it as a breach
        return False


def _queries(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> list[pl.LazyFrame] | None:
    """One query per check of the schema, each one boolean: it holds on every row. None when
    a column is missing or of another dtype."""
    present = frame.schema
    lazy = frame.lazy()
    queries: list[pl.LazyFrame] = []
    for name, column in schema.columns.items():
        if name not in present:
            return None
        if not column.dtype.check(present[name], PolarsData(lazy.select(name), name)):
            return None
        conditions = []
        if not column.nullable:
            not_null = pl.col(name).is_not_null()
            if present[name] in (pl.Float32, pl.Float64):
                not_null = not_null & pl.col(name).is_not_nan()
            conditions.append(not_null.all())
        if column.unique:
            conditions.append(pl.col(name).is_duplicated().any().not_())
        if conditions:
            queries.append(lazy.select(pl.all_horizontal(conditions).alias(CHECK_OUTPUT_KEY)))
        queries.extend(_passes(check, PolarsData(lazy, name)) for check in column.checks)
    queries.extend(_passes(check, PolarsData(lazy, "*")) for check in schema.checks)
    return queries


def _passes(check: pa.Check, data: PolarsData) -> pl.LazyFrame:
    """One row, one column: whether the check passes on every row, as Pandera judges it."""
    output = PolarsCheckBackend(check).apply(data)
    if isinstance(output, bool):
        return pl.LazyFrame({CHECK_OUTPUT_KEY: [output]})
    verdict = pl.col(CHECK_OUTPUT_KEY)
    verdict = verdict | verdict.is_null() if check.ignore_na else verdict.fill_null(False)
    return output.select(verdict.all())


@cache
def _plain_schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema | None:
    """The model's schema when `holds` evaluates all of it: named columns of a given dtype,
    nothing coerced, filled in, parsed or dropped, vectorised checks; else None."""
    schema = model.to_schema()
    if (
        schema.strict
        or schema.ordered
        or schema.unique
        or schema.coerce
        or schema.add_missing_columns
        or schema.drop_invalid_rows
        or schema.dtype is not None
        or schema.parsers
    ):
        return None
    for column in schema.columns.values():
        if (
            column.regex
            or not column.required
            or column.coerce
            or column.default is not None
            or column.drop_invalid_rows
            or column.dtype is None
            or column.parsers
        ):
            return None
    checks = [*schema.checks, *(c for column in schema.columns.values() for c in column.checks)]
    if any(c.element_wise or c.groupby is not None or c.raise_warning for c in checks):
        return None
    return schema
