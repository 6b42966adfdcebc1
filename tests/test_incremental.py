"""Incremental runs: unchanged files are not parsed again, a year is replaced whole, a backfill
touches only its years, and the outputs do not depend on how the work was split."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline.cli import main
from pipeline.model import RUNS_SCHEMA
from pipeline.reconcile import reconcile
from pipeline.stages import reconciliation as reconciliation_stage
from pipeline.stages import years as years_stage
from pipeline.stages.inventory import update_inventory
from pipeline.stages.reconciliation import (
    reconcile_batches,
    reconcile_year,
    update_reconciliation,
)
from pipeline.stages.years import plan_years, update_years
from pipeline.storage import (
    WarehouseLayout,
    read_parquet,
    read_table,
    stored_years,
)
from pipeline.years import all_years
from tests.support.year_tables import write_year_tables
from tools.synth import generate_corpus

pytestmark = pytest.mark.slow

F002 = "002_711b86d480afee15.txt"
F004 = "004_21970fde474fde16.txt"


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every year-partition file and manifest below the Parquet dir: (mtime_ns, sha256)."""
    parquet = root / "parquet"
    files = [
        *parquet.glob("*/report_year=*/*.parquet"),
        *parquet.glob("quarantine/statistics/report_year=*/*.parquet"),
        *parquet.glob("_manifests/*/*.json"),
    ]
    return {
        str(path.relative_to(parquet)): (
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(files)
    }


def runs(root: Path) -> list[dict]:
    return read_parquet(WarehouseLayout(root).runs, RUNS_SCHEMA).to_dicts()


def tables(root: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables order by 1"
            ).fetchall()
            if name != "runs"
        ]
        return {
            name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
            for name in names
        }


def cli(command: str, raw: Path, out: Path, *extra: str) -> int:
    return main([command, "--raw-dir", str(raw), "--warehouse-dir", str(out), *extra])


@pytest.fixture
def raw(tmp_path: Path, raw_dir: Path) -> Path:
    copy = tmp_path / "raw"
    shutil.copytree(raw_dir, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_second_run_parses_nothing_and_changes_nothing(raw: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert cli("run", raw, out) == 0
    before, contents = snapshot(out), tables(out)
    capsys.readouterr()
    assert cli("run", raw, out) == 0
    assert "nothing new" in capsys.readouterr().out
    assert snapshot(out) == before  # same bytes, same mtimes: nothing rewritten
    assert tables(out) == contents
    first, second = runs(out)
    assert first["files_parsed"] == 5 and first["warehouse_rebuilt"]
    assert second["files_parsed"] == 0 and second["files_skipped"] == 5
    assert second["years_written"] == [] and not second["warehouse_rebuilt"]
    assert second["reports"] == 19 and second["rule_failures"] == 12
    assert second["started_at"] <= second["finished_at"]
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from runs").fetchone() == (2,)


def test_touching_a_file_without_changing_it_parses_nothing(raw: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert cli("run", raw, out) == 0
    os.utime(raw / F004, ns=(1, 1))
    assert cli("run", raw, out) == 0
    assert runs(out)[-1]["files_parsed"] == 0


def change_a_figure(raw: Path, layout: WarehouseLayout, report_id: str, year: int) -> float:
    """Reprint the first number of a report's statistics as another number; return it."""
    source = raw / report_id.split("#")[0]
    target = (
        read_table(layout, "statistics", [year])
        .filter((pl.col("report_id") == report_id) & (pl.col("value_kind") == "number"))
        .row(0, named=True)
    )
    lines = source.read_text(encoding="utf-8").split("\n")
    line = lines[target["source_line"] - 1]
    assert target["value_raw"] in line
    lines[target["source_line"] - 1] = line.replace(target["value_raw"], "98765", 1)
    source.write_text("\n".join(lines), encoding="utf-8")
    return 98765.0


def test_changing_one_file_reparses_only_that_file(raw: Path, tmp_path: Path):
    out = tmp_path / "out"
    layout = WarehouseLayout(out)
    assert cli("run", raw, out) == 0
    before, statistics = snapshot(out), read_table(layout, "statistics", [2022])
    value = change_a_figure(raw, layout, f"{F004}#1", 2022)
    assert cli("run", raw, out) == 0
    run = runs(out)[-1]
    assert run["files_parsed"] == 1
    assert run["years_written"] == [2022]
    after = snapshot(out)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed and all("2022" in name for name in changed), changed
    # the year is replaced, not appended: same rows, one value changed, 002's rows as they were
    now = read_table(layout, "statistics", [2022])
    assert now.height == statistics.height
    assert value in now["value"].to_list() and value not in statistics["value"].to_list()
    assert now.filter(pl.col("report_id").str.starts_with(F002)).equals(
        statistics.filter(pl.col("report_id").str.starts_with(F002))
    )
    # and the merged year equals a run from scratch on the same raw files, byte for byte
    fresh = tmp_path / "fresh"
    assert cli("run", raw, fresh) == 0
    assert {k: v[1] for k, v in snapshot(fresh).items()} == {
        k: v[1] for k, v in snapshot(out).items()
    }


def test_backfilling_one_year_leaves_the_other_years_untouched(raw: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert cli("run", raw, out) == 0
    before = snapshot(out)
    assert cli("backfill", raw, out, "--years", "2019") == 0
    after = snapshot(out)
    for name, (mtime, digest) in before.items():
        if "2019" in name:
            assert after[name][1] == digest  # re-extracted to the same bytes
        else:
            assert after[name] == (mtime, digest), name
    assert any(after[n][0] != before[n][0] for n in before if "report_year=2019" in n)
    run = runs(out)[-1]
    assert run["mode"] == "backfill"
    assert run["years_written"] == [2019]
    assert run["files_parsed"] == 1  # 002 is the only file with a 2019 report
    assert run["warehouse_rebuilt"]


def test_backfill_rejects_years_it_cannot_have(raw: Path, tmp_path: Path, capsys):
    assert cli("backfill", raw, tmp_path / "out", "--years", "1999") == 2
    assert "outside the report years" in capsys.readouterr().err
    assert cli("backfill", raw, tmp_path / "out", "--years", "2015-2010") == 2


def test_a_removed_file_leaves_the_partitions(raw: Path, tmp_path: Path):
    out = tmp_path / "out"
    layout = WarehouseLayout(out)
    assert cli("run", raw, out) == 0
    (raw / F004).unlink()
    assert cli("run", raw, out) == 0
    reports = read_table(layout, "reports")
    assert F004 not in reports["source_file"].to_list()
    assert reports.height == 18
    assert 2022 in reports["report_year"].to_list()  # 002 still has a 2022 report


def test_a_new_parser_version_reparses_every_file(raw: Path, tmp_path: Path):
    layout = WarehouseLayout(tmp_path / "out")
    update_inventory(layout, raw)
    first = update_years(layout, raw, all_years())
    assert len(first.files_parsed) == 5
    again = update_years(layout, raw, all_years())
    assert again.files_parsed == [] and again.years_written == []
    bumped = update_years(layout, raw, all_years(), version="another")
    assert len(bumped.files_parsed) == 5
    assert bumped.years_written == list(range(2008, 2023))


def test_plans_follow_the_manifests() -> None:
    documents = pl.DataFrame(
        {
            "source_file": ["a.txt", "b.txt"],
            "sha256": ["1" * 64, "2" * 64],
            "report_years": [[2020, 2021], [2021]],
        }
    )
    manifest = {"parser_version": "v", "files": {"a.txt": "1" * 64, "gone.txt": "3" * 64}}
    plans = {
        plan.year: plan
        for plan in plan_years(
            documents,
            {
                2020: {"parser_version": "v", "files": {"a.txt": "1" * 64}},
                2021: manifest,
                2019: manifest,
            },
            [2019, 2020, 2021, 2022],
            version="v",
        )
    }
    assert plans[2019].action == "remove"  # no file has a 2019 report any more
    assert plans[2020].action == "skip"
    assert plans[2021].action == "update"
    assert plans[2021].parse == ("b.txt",)
    assert plans[2021].drop == {"b.txt", "gone.txt"}
    assert plans[2022].action == "skip"
    forced = plan_years(documents, {2020: manifest}, [2020], version="v", force=True)
    assert forced[0].action == "rebuild" and forced[0].parse == ("a.txt",)
    stale = plan_years(documents, {2020: manifest}, [2020], version="w")
    assert stale[0].action == "rebuild"


def test_reconciliation_is_recomputed_only_where_inputs_changed(raw: Path, tmp_path: Path):
    layout = WarehouseLayout(tmp_path / "out")
    update_inventory(layout, raw)
    update_years(layout, raw, all_years())
    first = update_reconciliation(layout)
    assert first.years_written == list(range(2008, 2023))
    assert update_reconciliation(layout).years_written == []
    update_years(layout, raw, [2019], force=True)  # same bytes: nothing to redo
    assert update_reconciliation(layout).years_written == []
    change_a_figure(raw, layout, f"{F002}#2", 2021)  # 002's second report covers 2021
    update_inventory(layout, raw)
    update_years(layout, raw, all_years())
    # 2021 itself, and 2022 whose carry-over rules read 2021
    assert update_reconciliation(layout).years_written == [2021, 2022]


def test_serial_and_parallel_runs_write_the_same_bytes(raw: Path, tmp_path: Path):
    assert cli("run", raw, tmp_path / "serial", "--workers", "1") == 0
    assert cli("run", raw, tmp_path / "parallel", "--workers", "2") == 0
    serial = {k: v[1] for k, v in snapshot(tmp_path / "serial").items()}
    parallel = {k: v[1] for k, v in snapshot(tmp_path / "parallel").items()}
    assert serial == parallel
    assert tables(tmp_path / "serial") == tables(tmp_path / "parallel")


def test_spilling_parsed_rows_to_disk_writes_the_same_bytes(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    chunks = {}
    for name, spill_rows, part_rows in (
        ("held", None, years_stage.PART_ROWS),
        ("spilled", 1, years_stage.PART_ROWS),
        ("in parts", 1, 1),
    ):
        layout = WarehouseLayout(tmp_path / name)
        update_inventory(layout, raw)
        # spill_rows=1: spilled after every file, so a year is read back from several chunks;
        # part_rows=1: and validated, counted and written one chunk at a time.
        monkeypatch.setattr(years_stage, "PART_ROWS", part_rows)
        parsed = update_years(layout, raw, all_years(), spill_rows=spill_rows)
        update_reconciliation(layout)
        chunks[name] = parsed.chunks_spilled
        assert not list(layout.private_scratch.iterdir())  # the spill folder is gone
    assert chunks["held"] == 15  # one chunk per year, at the end of the parse
    assert chunks["spilled"] > chunks["held"]
    held = {k: v[1] for k, v in snapshot(tmp_path / "held").items()}
    assert held == {k: v[1] for k, v in snapshot(tmp_path / "spilled").items()}
    assert held == {k: v[1] for k, v in snapshot(tmp_path / "in parts").items()}


def test_a_part_that_breaks_its_contract_leaves_the_stored_year_as_it_was(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # A year rebuilt one spill chunk (one file) at a time: a breach in its second part (a
    # negative count) writes nothing of the year, and no staging folder is left behind.
    layout = WarehouseLayout(tmp_path / "warehouse")
    update_inventory(layout, raw)
    update_years(layout, raw, all_years())
    before = snapshot(layout.root)
    files = (
        read_table(layout, "reports").group_by("report_year").agg(pl.col("source_file").n_unique())
    )
    year = files.sort("source_file", descending=True).get_column("report_year")[0]
    original = years_stage.spilled_parts
    seen: list[int] = []

    def second_broken(folder: Path, of: int, rows: int) -> Iterator[dict[str, pl.DataFrame]]:
        for part in original(folder, of, rows):
            seen.append(part["statistics"].height)
            if len(seen) == 2:
                negative = pl.when(pl.int_range(pl.len()) == 0).then(-5.0).otherwise("value")
                part["statistics"] = part["statistics"].with_columns(value=negative)
            yield part

    monkeypatch.setattr(years_stage, "PART_ROWS", 1)
    monkeypatch.setattr(years_stage, "spilled_parts", second_broken)
    summary = update_years(layout, raw, [year], force=True, spill_rows=1)
    assert len(seen) > 2 and all(seen[:2])
    assert summary.years_written == []
    [message] = summary.contract_errors["statistics"]
    assert message.startswith(f"statistics of {year} breaks StatisticsFrame: 1 failure case(s)")
    assert snapshot(layout.root) == before
    for table in ("statistics", "reports"):
        folder = layout.year_dir(table, year).parent
        assert not [path.name for path in folder.iterdir() if path.name.startswith(".")]


@pytest.mark.parametrize(
    ("table", "column"), [("statistics", "source_line"), ("reports", "line_start")]
)
def test_a_part_of_the_wrong_type_is_a_contract_error_not_a_crash(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, column: str
):
    # A column no writer could store (text where the schema has a number), in a part of a
    # year rebuilt in parts: the contract reports it and nothing of the year is written.
    layout = WarehouseLayout(tmp_path / "warehouse")
    update_inventory(layout, raw)
    update_years(layout, raw, all_years())
    before = snapshot(layout.root)
    original = years_stage.spilled_parts

    def text_column(folder: Path, of: int, rows: int) -> Iterator[dict[str, pl.DataFrame]]:
        for part in original(folder, of, rows):
            part[table] = part[table].with_columns(pl.lit("x").alias(column))
            yield part

    monkeypatch.setattr(years_stage, "PART_ROWS", 1)
    monkeypatch.setattr(years_stage, "spilled_parts", text_column)
    summary = update_years(layout, raw, [2022], force=True, spill_rows=1)
    assert summary.years_written == []
    assert list(summary.contract_errors) == [table]
    assert snapshot(layout.root) == before


def test_an_emptied_raw_directory_is_refused_not_taken_as_deleting_everything(
    raw: Path, tmp_path: Path, capsys
):
    out = tmp_path / "out"
    assert cli("run", raw, out) == 0
    before = snapshot(out)
    for path in raw.iterdir():
        path.unlink()
    assert cli("run", raw, out) == 1
    assert "is the disk mounted" in capsys.readouterr().err
    assert snapshot(out) == before


def test_a_year_whose_files_went_missing_is_rebuilt_not_merged_into_a_hole(
    raw: Path, tmp_path: Path
):
    layout = WarehouseLayout(tmp_path / "out")
    update_inventory(layout, raw)
    update_years(layout, raw, all_years())
    before = read_table(layout, "statistics", [2022])
    shutil.rmtree(layout.year_dir("statistics", 2022))
    again = update_years(layout, raw, all_years())
    assert again.years_written == [2022]
    assert read_table(layout, "statistics", [2022]).equals(before)


@pytest.fixture(scope="module")
def series_corpus(tmp_path_factory: pytest.TempPathFactory) -> WarehouseLayout:
    """A parsed synthetic corpus: many agencies, each over consecutive years."""
    tmp_path = tmp_path_factory.mktemp("series")
    generate_corpus(150, tmp_path / "corpus", seed=3, workers=1)
    raw = tmp_path / "corpus" / "raw"
    layout = WarehouseLayout(tmp_path / "out")
    update_inventory(layout, raw)
    update_years(layout, raw, all_years())
    return layout


def test_a_year_reconciled_series_by_series_gives_the_rows_of_one_batch(
    series_corpus: WarehouseLayout,
):
    # Each batch reads, of the year before, only the reports of its own series: the pairs of
    # the cross-year rules, and so every row, must not depend on how a year is batched. Nor
    # on reading only the columns the rules read: the rows are those of `reconcile` over the
    # whole tables.
    layout = series_corpus
    paired_series = 0
    for year in all_years():
        whole = reconcile_year(layout, year, batch_size=1_000_000)
        assert reconcile_year(layout, year, batch_size=1).equals(whole), year
        assert reconcile_year(layout, year, batch_size=7).equals(whole), year
        everything = reconcile(
            read_table(layout, "statistics", [year - 1, year]),
            read_table(layout, "prose_figures", [year]),
            read_table(layout, "reports", [year - 1, year]),
            years=[year],
            sections=read_table(layout, "sections", [year]),
            quarantine=read_table(layout, "quarantine/statistics", [year]),
        )
        assert whole.equals(everything), year
        pairs = whole.filter(pl.col("other_report_id").is_not_null())
        paired_series = max(paired_series, pairs.get_column("report_id").n_unique())
    assert paired_series > 1  # some year pairs several series with the year before


def test_a_year_reconciled_in_batches_is_written_batch_by_batch_as_one_table(
    series_corpus: WarehouseLayout, monkeypatch: pytest.MonkeyPatch
):
    # Batches of 7 reports, each written as it comes: the stored table is the whole year's.
    layout = series_corpus
    monkeypatch.setattr(reconciliation_stage, "RECONCILE_BATCH", 7)
    summary = update_reconciliation(layout, force=True)
    assert summary.years_written and not summary.contract_errors
    batches = 0
    for year in summary.years_written:
        whole = reconcile_year(layout, year, batch_size=1_000_000)
        stored = read_table(layout, "reconciliation", [year]).select(whole.columns)
        assert stored.equals(whole), year
        batches = max(batches, len(list(reconcile_batches(layout, year))))
    assert batches > 2
    assert summary.evaluations_written == read_table(layout, "reconciliation").height


def test_a_batch_that_breaks_the_contract_leaves_the_stored_year_as_it_was(
    series_corpus: WarehouseLayout, monkeypatch: pytest.MonkeyPatch
):
    layout = series_corpus
    update_reconciliation(layout, force=True)
    before = snapshot(layout.root)
    monkeypatch.setattr(reconciliation_stage, "RECONCILE_BATCH", 7)
    original = reconciliation_stage.contract_errors
    seen: list[int] = []

    def breaks_the_third(model: type, frame: pl.DataFrame, what: str) -> list[str]:
        seen.append(frame.height)
        return ["broken on purpose"] if len(seen) == 3 else original(model, frame, what)

    monkeypatch.setattr(reconciliation_stage, "contract_errors", breaks_the_third)
    year = max(
        stored_years(layout, "reconciliation"),
        key=lambda year: len(list(reconcile_batches(layout, year, 7))),
    )
    summary = update_reconciliation(layout, [year], force=True, workers=1)
    assert summary.contract_errors == ["broken on purpose"]
    assert summary.years_written == []
    assert len(seen) == 3  # the batches after a breach are not evaluated
    assert snapshot(layout.root) == before
    folder = layout.year_dir("reconciliation", year).parent
    assert not [path.name for path in folder.iterdir() if path.name.startswith(".")]


def test_a_year_table_has_the_same_bytes_however_it_was_chunked_in_memory(tmp_path: Path):
    # A year's frames are made of the pieces the work was split into (tasks, spill chunks):
    # the Parquet written, and so the manifests' hashes, must not depend on them.
    rows = 300_000  # past one row group
    frame = pl.DataFrame(
        {"report_id": [f"f{i // 40:05d}.txt#1" for i in range(rows)], "source_line": range(rows)},
        schema={"report_id": pl.String(), "source_line": pl.Int32()},
    )
    pieces = pl.concat([frame.slice(start, 999) for start in range(0, rows, 999)], rechunk=False)
    assert pieces.n_chunks() > 100
    one = write_year_tables(WarehouseLayout(tmp_path / "one"), 2020, {"table_rows": frame})
    many = write_year_tables(WarehouseLayout(tmp_path / "many"), 2020, {"table_rows": pieces})
    assert one == many
