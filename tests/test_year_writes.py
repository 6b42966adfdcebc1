"""A year is written part by part (a rebuilt year from its spill chunks, a reconciled year
batch by batch): what is stored, counted and hashed must be what the whole year at once gives.
"""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.accounting import MAX_LISTED, TableRowLedger
from pipeline.atomic_files import ROW_GROUP_ROWS
from pipeline.model import QUARANTINE_SCHEMA, STATISTICS_SCHEMA, TABLE_ROWS_SCHEMA
from pipeline.stages.buffer import YearBuffer, read_spilled, spilled_parts
from pipeline.stages.columns import FileColumns, empty_columns
from pipeline.stages.years import YearJob, year_writers
from pipeline.storage import (
    PARSE_TABLES,
    WarehouseLayout,
    YearTableWriter,
    read_year_table,
    stage_year_table,
)


def _plain_ledger(
    taken: list[tuple[str, int]], stored: list[tuple[str, int]], set_aside: list[tuple[str, int]]
) -> dict[str, object]:
    """The ledger as plain Python sets count it: the definition the frames must meet."""
    in_statistics, in_quarantine = set(stored), set(set_aside)
    read = sorted(set(taken))
    lost = [pair for pair in read if pair not in in_statistics and pair not in in_quarantine]
    return {
        "read": len(read),
        "in_statistics": sum(1 for pair in read if pair in in_statistics),
        "quarantined": sum(
            1 for pair in read if pair not in in_statistics and pair in in_quarantine
        ),
        "lost": [f"{report_id} line {line}" for report_id, line in lost[:MAX_LISTED]],
    }


def _keys(pairs: list[tuple[str, int]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {"report_id": [r for r, _ in pairs], "source_line": [n for _, n in pairs]},
        schema={"report_id": pl.String(), "source_line": pl.Int32()},
    )
    return frame.with_columns(
        [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in schema.items()
            if name not in frame.columns
        ]
    ).select(list(schema))


_pairs = st.lists(
    st.tuples(st.sampled_from(["a.txt#1", "a.txt#2", "a!.txt#1", "b.txt#1"]), st.integers(1, 40)),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(taken=_pairs, stored=_pairs, set_aside=_pairs, data=st.data())
def test_the_ledger_counted_part_by_part_is_the_plain_count(
    taken: list[tuple[str, int]],
    stored: list[tuple[str, int]],
    set_aside: list[tuple[str, int]],
    data: st.DataObject,
) -> None:
    # Parts hold whole reports: every row of a report in the same part, in every table.
    reports = sorted({r for r, _ in taken + stored + set_aside})
    part_of = {report: data.draw(st.integers(0, 2)) for report in reports}
    ledger = TableRowLedger()
    for part in range(3):
        rows, statistics, quarantine = (
            [pair for pair in pairs if part_of[pair[0]] == part]
            for pairs in (taken, stored, set_aside)
        )
        ledger.add(
            _keys(rows, TABLE_ROWS_SCHEMA),
            _keys(statistics, STATISTICS_SCHEMA),
            _keys(quarantine, QUARANTINE_SCHEMA),
        )
    assert ledger.manifest() == _plain_ledger(taken, stored, set_aside)


def test_the_ledger_lists_the_first_lost_rows_of_the_whole_year() -> None:
    # Lost rows in two parts, the later part's first in order: the list is the year's first.
    ledger = TableRowLedger()
    empty_statistics = _keys([], STATISTICS_SCHEMA)
    empty_quarantine = _keys([], QUARANTINE_SCHEMA)
    late = [("b.txt#1", line) for line in range(1, MAX_LISTED + 5)]
    early = [("a.txt#1", line) for line in range(1, 4)]
    ledger.add(_keys(late, TABLE_ROWS_SCHEMA), empty_statistics, empty_quarantine)
    ledger.add(_keys(early, TABLE_ROWS_SCHEMA), empty_statistics, empty_quarantine)
    lost = ledger.manifest()["lost"]
    assert lost[:3] == ["a.txt#1 line 1", "a.txt#1 line 2", "a.txt#1 line 3"]
    assert len(lost) == MAX_LISTED


def _statistics(rows: int) -> pl.DataFrame:
    given = pl.DataFrame(
        {
            "report_id": [f"f{i // 40:05d}.txt#1" for i in range(rows)],
            "report_year": [2020] * rows,
            "metric": ["applications.new"] * rows,
            "value": [float(i % 97) for i in range(rows)],
            "source_line": [i % 500 for i in range(rows)],
            "label_raw": [f"第{i % 13}行" for i in range(rows)],
        }
    )
    return given.select(
        [
            pl.col(name).cast(dtype) if name in given.columns else pl.lit(None, dtype).alias(name)
            for name, dtype in STATISTICS_SCHEMA.items()
        ]
    )


def test_a_year_table_written_in_any_pieces_has_the_same_bytes(tmp_path: Path) -> None:
    frame = _statistics(ROW_GROUP_ROWS * 2 + 12_345)  # three row groups, the last one short
    whole = stage_year_table(WarehouseLayout(tmp_path / "whole"), 2020, "statistics", [frame])
    cuts = sorted(random.Random(7).sample(range(1, frame.height), 40))
    pieces = [frame.slice(a, b - a) for a, b in zip([0, *cuts], [*cuts, frame.height], strict=True)]
    writer = YearTableWriter(WarehouseLayout(tmp_path / "pieces"), 2020, "statistics")
    for piece in pieces:
        writer.write(piece)
    staged = writer.close()
    assert staged.sha256 == whole.sha256
    groups = pq.ParquetFile(staged.staging / "part-0.parquet").metadata
    assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [
        ROW_GROUP_ROWS,
        ROW_GROUP_ROWS,
        12_345,
    ]
    staged.swap_in()
    assert read_year_table(WarehouseLayout(tmp_path / "pieces"), "statistics", 2020).equals(frame)


def test_a_year_table_with_no_rows_keeps_its_schema(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    stage_year_table(layout, 2020, "statistics", []).swap_in()
    stored = read_year_table(layout, "statistics", 2020)
    assert stored.height == 0 and stored.schema == pl.Schema(STATISTICS_SCHEMA)


def test_a_discarded_table_leaves_nothing(tmp_path: Path) -> None:
    layout = WarehouseLayout(tmp_path)
    writer = YearTableWriter(layout, 2020, "statistics")
    writer.write(_statistics(10))
    writer.discard()
    assert not list(layout.year_dir("statistics", 2020).parent.iterdir())


def _file(name: str, rows: int) -> FileColumns:
    columns = empty_columns()
    for line in range(rows):
        columns["table_rows"]["report_id"].append(f"{name}#1")
        columns["table_rows"]["source_line"].append(line)
    return FileColumns(name, "sha", {2020: columns})


@pytest.mark.parametrize(
    ("rows", "sizes"),
    [(1, [5, 6, 6, 2]), (5, [5, 6, 6, 2]), (6, [11, 6, 2]), (12, [17, 2]), (1000, [19])],
)
def test_spilled_parts_are_whole_chunks_in_order(tmp_path: Path, rows: int, sizes: list[int]):
    # Spilled past 4 rows, after whole files: chunks of 5 (3+2), 6, 6 (1+1+4) and 2 rows.
    buffer = YearBuffer(tmp_path, limit=4)
    for index, size in enumerate([3, 2, 6, 1, 1, 4, 2]):
        buffer.add(_file(f"{index:02d}.txt", size))
    buffer.spill()
    assert buffer.chunks_written == 4
    parts = list(spilled_parts(tmp_path, 2020, rows))
    assert [part["table_rows"].height for part in parts] == sizes
    for table in PARSE_TABLES:
        stitched = pl.concat([part[table] for part in parts])
        assert stitched.equals(read_spilled(tmp_path, 2020, table))


def test_a_year_never_spilled_has_no_part(tmp_path: Path) -> None:
    assert list(spilled_parts(tmp_path, 2020, 10)) == []


def _job(year: int, action: str) -> YearJob:
    return YearJob(
        root="warehouse",
        year=year,
        action=action,
        drop=(),
        files={},
        spill_dir="spill",
        version="v",
    )


def test_rebuilt_years_are_written_by_every_worker_updated_ones_one_at_a_time() -> None:
    rebuilt = [_job(2020, "rebuild"), _job(2021, "rebuild"), _job(2022, "remove")]
    assert year_writers(rebuilt, 2) == 2
    assert year_writers(rebuilt, 1) == 1
    # An updated year is merged whole in memory: never beside another writer.
    assert year_writers([*rebuilt, _job(2023, "update")], 2) == 1
    assert year_writers([], 0) == 1
