"""A large frame of a report-local contract is validated a slice of whole reports at a time,
and a table written part by part is checked part by part: the failure cases must be those of
the whole frame validated at once."""

from __future__ import annotations

from pathlib import Path

import pandera.errors
import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import frames
from pipeline.frames import (
    REPORT_LOCAL_CONTRACTS,
    DocumentsFrame,
    ReconciliationFrame,
    ReportsFrame,
    SectionsFrame,
    StatisticsFrame,
    TableRowsFrame,
)
from pipeline.model import TABLE_ROWS_SCHEMA
from pipeline.reconcile.frames import reconcile
from pipeline.stages.contracts import (
    ContractCheck,
    _plain_schema,
    _report_slices,
    contract_errors,
    failure_cases,
    holds,
)
from tests.support.corpus import parse_corpus

WHOLE = 10**9  # rows at once: the whole frame in one validation


@pytest.fixture(scope="module")
def statistics(raw_dir: Path) -> pl.DataFrame:
    frame = parse_corpus(raw_dir)["statistics"]
    assert frame.get_column("report_id").n_unique() > 10
    return frame


def _sorted(cases: pl.DataFrame | None) -> pl.DataFrame:
    assert cases is not None
    return cases.select(pl.all().cast(pl.String)).sort(pl.all(), nulls_last=True)


def test_slices_hold_whole_reports_and_cover_the_frame(statistics: pl.DataFrame):
    slices = list(_report_slices(statistics, 100))
    assert len(slices) > 3
    assert [offset for offset, _ in slices] == [0] + [o + n for o, n in slices[:-1]]
    assert sum(length for _, length in slices) == statistics.height
    ids = statistics.get_column("report_id")
    for offset, _length in slices[1:]:
        assert ids[offset] != ids[offset - 1]  # never inside a report


def test_a_valid_frame_holds_in_slices(statistics: pl.DataFrame):
    assert StatisticsFrame in REPORT_LOCAL_CONTRACTS
    assert failure_cases(StatisticsFrame, statistics, 50) is None
    assert contract_errors(StatisticsFrame, statistics, "statistics", 50) == []


def _break(statistics: pl.DataFrame) -> pl.DataFrame:
    """A negative count in the first report, one figure twice in the last (next to itself),
    and a value without a number kind in the middle."""
    rows = statistics.with_row_index("_row")
    last = rows.filter(pl.col("report_id") == rows.get_column("report_id")[-1]).head(1)
    middle = statistics.height // 2
    broken = pl.concat([rows, last]).sort("_row", maintain_order=True).drop("_row")
    return broken.with_columns(
        value=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(-5.0)).otherwise(pl.col("value")),
        value_kind=pl.when(pl.int_range(pl.len()) == middle)
        .then(pl.lit("empty"))
        .otherwise(pl.col("value_kind")),
    )


def test_breaches_found_in_slices_are_those_of_the_whole_frame(statistics: pl.DataFrame):
    broken = _break(statistics)
    whole = failure_cases(StatisticsFrame, broken, WHOLE)
    assert whole is not None
    checks = set(whole.get_column("check").to_list())
    assert {"key_is_unique", "counts_are_not_negative", "value_matches_kind"} <= checks
    assert len(list(_report_slices(broken, 50))) > 3
    assert _sorted(failure_cases(StatisticsFrame, broken, 50)).equals(_sorted(whole))
    message = contract_errors(StatisticsFrame, broken, "statistics", 50)
    assert f"{whole.height} failure case(s)" in message[0]


def test_a_breach_of_the_schema_is_counted_once(statistics: pl.DataFrame):
    broken = statistics.with_columns(pl.col("source_line").cast(pl.Int64()))
    whole = failure_cases(StatisticsFrame, broken, WHOLE)
    sliced = failure_cases(StatisticsFrame, broken, 50)
    assert whole is not None and sliced is not None
    assert _sorted(sliced).equals(_sorted(whole))


def test_reports_whose_rows_are_apart_are_validated_whole(statistics: pl.DataFrame):
    # Reports interleaved: a slice would hold part of a report, so no slicing; a figure
    # printed twice far apart is still found.
    first = statistics.get_column("report_id")[0]
    twice = pl.concat([statistics, statistics.filter(pl.col("report_id") == first).head(1)])
    assert list(_report_slices(twice, 50)) == [(0, twice.height)]
    cases = failure_cases(StatisticsFrame, twice, 50)
    assert cases is not None
    assert "key_is_unique" in cases.get_column("check").to_list()


def test_table_rows_are_a_report_local_contract(statistics: pl.DataFrame):
    rows = (
        statistics.filter(pl.col("table_kind") != "prose")
        .select(list(TABLE_ROWS_SCHEMA))
        .unique(maintain_order=True)
    )
    assert TableRowsFrame in REPORT_LOCAL_CONTRACTS
    doubled = pl.concat([rows, rows.tail(1)])
    whole = failure_cases(TableRowsFrame, doubled, WHOLE)
    assert whole is not None
    assert _sorted(failure_cases(TableRowsFrame, doubled, 20)).equals(_sorted(whole))


def _parts_of_whole_reports(frame: pl.DataFrame, reports_per_part: int) -> list[pl.DataFrame]:
    ids = frame.get_column("report_id").unique(maintain_order=True).to_list()
    groups = [
        ids[start : start + reports_per_part] for start in range(0, len(ids), reports_per_part)
    ]
    parts = [frame.filter(pl.col("report_id").is_in(group)) for group in groups]
    assert pl.concat(parts).equals(frame)
    return parts


def test_a_table_checked_part_by_part_has_the_breaches_of_the_whole(statistics: pl.DataFrame):
    broken = _break(statistics)
    whole = failure_cases(StatisticsFrame, broken, WHOLE)
    check = ContractCheck(StatisticsFrame, "statistics", 50)
    parts = _parts_of_whole_reports(broken, 3)
    assert len(parts) > 3
    for part in parts:
        check.add(part)
    assert not check.holds_so_far
    # the same cases, row numbers counted over the whole table
    assert _sorted(check.failure_cases()).equals(_sorted(whole))
    [message] = check.messages()
    assert message.startswith(f"statistics breaks StatisticsFrame: {whole.height} failure case(s)")


def test_a_schema_breach_in_every_part_is_counted_once(statistics: pl.DataFrame):
    broken = statistics.with_columns(pl.col("source_line").cast(pl.Int64()))
    check = ContractCheck(StatisticsFrame, "statistics")
    for part in _parts_of_whole_reports(broken, 4):
        check.add(part)
    assert _sorted(check.failure_cases()).equals(
        _sorted(failure_cases(StatisticsFrame, broken, WHOLE))
    )


def test_a_contract_that_looks_across_reports_is_checked_on_every_part_together(
    raw_dir: Path,
):
    # Reports: one report id twice, in two parts: neither part breaks the contract alone.
    reports = parse_corpus(raw_dir)["reports"]
    assert ReportsFrame not in REPORT_LOCAL_CONTRACTS
    first, second = reports.head(2), pl.concat([reports.slice(2), reports.head(1)])
    check = ContractCheck(ReportsFrame, "reports")
    check.add(first)
    check.add(second)
    assert check.holds_so_far  # nothing validated before the end
    assert failure_cases(ReportsFrame, first) is None
    assert failure_cases(ReportsFrame, second) is None
    cases = check.failure_cases()
    assert cases is not None
    assert _sorted(cases).equals(_sorted(failure_cases(ReportsFrame, pl.concat([first, second]))))


# --- the contract in one pass (`holds`): never True where Pandera fails ---------------------

# Every contract the stages validate: all the models `pipeline.frames` exports.
CONTRACTS = tuple(
    model
    for model in (getattr(frames, name) for name in frames.__all__)
    if isinstance(model, type) and issubclass(model, pa.DataFrameModel)
)


@pytest.fixture(scope="module")
def valid_frames(raw_dir: Path) -> dict[str, tuple[type[pa.DataFrameModel], pl.DataFrame]]:
    tables = parse_corpus(raw_dir)
    results = reconcile(
        tables["statistics"],
        tables["prose_figures"],
        tables["reports"],
        sections=tables["sections"],
        quarantine=tables["quarantine"],
    )
    found = {
        "documents": (DocumentsFrame, tables["documents"]),
        "reports": (ReportsFrame, tables["reports"]),
        "sections": (SectionsFrame, tables["sections"]),
        "statistics": (StatisticsFrame, tables["statistics"]),
        "prose_figures": (StatisticsFrame, tables["prose_figures"]),
        "reconciliation": (ReconciliationFrame, results),
    }
    for name, (_, frame) in found.items():
        assert frame.height >= 5, name
    return found


def _pandera_passes(model: type[pa.DataFrameModel], frame: pl.DataFrame) -> bool:
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors:
        return False
    return True


def test_every_contract_is_evaluated_in_one_pass() -> None:
    # A contract `holds` declines is validated by Pandera alone: correct, but the shortcut
    # would be gone without a word.
    assert [m.__name__ for m in CONTRACTS if _plain_schema(m) is None] == []


def test_valid_frames_hold_in_one_pass(valid_frames) -> None:
    for name, (model, frame) in valid_frames.items():
        assert _pandera_passes(model, frame), name
        assert holds(model, frame), name
    assert holds(TableRowsFrame, pl.DataFrame(schema=TABLE_ROWS_SCHEMA))


def _corrupt(frame: pl.DataFrame, how: str, column: str, row: int) -> pl.DataFrame:
    """The frame with one thing wrong: one cell, one row twice, or one column."""
    dtype = frame.schema[column]
    cell = pl.int_range(pl.len()) == row
    if how == "null":
        return frame.with_columns(pl.when(cell).then(None).otherwise(pl.col(column)).alias(column))
    if how == "twice":
        return pl.concat([frame, frame.slice(row, 1)])
    if how == "drop":
        return frame.drop(column)
    if how == "as_text":
        if dtype.is_nested():
            return frame.with_columns(pl.col(column).list.eval(pl.element().cast(pl.String)))
        return frame.with_columns(pl.col(column).cast(pl.String))
    if dtype == pl.String:
        odd = {"other": "an unknown code", "blank": "", "spaced": " x "}.get(how)
        if odd is None:
            return frame
        return frame.with_columns(
            pl.when(cell).then(pl.lit(odd)).otherwise(pl.col(column)).alias(column)
        )
    if dtype.is_numeric():
        odd_number = {"other": -1, "blank": 10**12, "spaced": float("nan")}.get(how)
        if odd_number is None:
            return frame
        value = pl.lit(odd_number).cast(dtype, strict=False)
        return frame.with_columns(pl.when(cell).then(value).otherwise(pl.col(column)).alias(column))
    return frame


CORRUPTIONS = ("null", "twice", "drop", "as_text", "other", "blank", "spaced")


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_holds_is_never_true_where_pandera_fails(valid_frames, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(valid_frames)))
    model, frame = valid_frames[name]
    frame = frame.head(400)
    column = data.draw(st.sampled_from(frame.columns))
    how = data.draw(st.sampled_from(CORRUPTIONS))
    row = data.draw(st.integers(0, frame.height - 1))
    bad = _corrupt(frame, how, column, row)
    if holds(model, bad):
        assert _pandera_passes(model, bad), (name, how, column, row)


def test_each_kind_of_breach_is_caught_in_one_pass(valid_frames) -> None:
    model, frame = valid_frames["statistics"]
    breaches = {
        "null key": _corrupt(frame, "null", "report_id", 3),
        "figure twice": _corrupt(frame, "twice", "metric", 3),
        "column missing": _corrupt(frame, "drop", "value", 0),
        "wrong type": _corrupt(frame, "as_text", "source_line", 0),
        "unknown metric": _corrupt(frame, "other", "metric", 3),
        "negative count": _corrupt(frame, "other", "value", 3),
    }
    for what, bad in breaches.items():
        assert not _pandera_passes(model, bad), what
        assert not holds(model, bad), what
        assert contract_errors(model, bad, what), what


class _Breaking(pa.DataFrameModel):
    """A contract one of whose checks fails to run (an error, not a verdict)."""

    a: int

    @pa.dataframe_check
    def cannot_run(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("no such column") > 0)


def test_a_check_that_fails_to_run_is_left_to_pandera_to_report() -> None:
    frame = pl.DataFrame({"a": [1, 2]})
    assert _plain_schema(_Breaking) is not None
    assert not holds(_Breaking, frame)
    assert not _pandera_passes(_Breaking, frame)
    assert contract_errors(_Breaking, frame, "a frame")
