"""The inventory's parse handed to the year step of the same run: the same bytes as a year
step that parses the files itself, and taken only where it holds exactly a year's files."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipeline.definitions import pipeline_definitions
from pipeline.defs.partitions import range_tags
from pipeline.defs.resources import PipelineStorage
from pipeline.model import DOCUMENTS_SCHEMA
from pipeline.stages import years as years_stage
from pipeline.stages.handoff import HandOff
from pipeline.stages.inventory import EmptyRawDirectory, update_inventory
from pipeline.stages.years import (
    ParseSummary,
    YearPlan,
    files_by_year,
    update_years,
    years_taken,
)
from pipeline.storage import WarehouseLayout, read_parquet
from pipeline.years import all_years

YEARS = all_years()


def year_outputs(root: Path) -> dict[str, str]:
    """Every year-partition file and parse manifest below the Parquet dir, by sha256."""
    parquet = root / "parquet"
    files = [
        *parquet.glob("*/report_year=*/*.parquet"),
        *parquet.glob("quarantine/statistics/report_year=*/*.parquet"),
        *parquet.glob("_manifests/parse/*.json"),
    ]
    return {
        str(path.relative_to(parquet)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(files)
    }


def handoffs(root: Path) -> list[Path]:
    return sorted(WarehouseLayout(root).private_scratch.glob("handoff-*"))


def inventory_then_years(
    raw: Path, root: Path, run_id: str | None, *, workers: int = 1
) -> ParseSummary:
    layout = WarehouseLayout(root)
    update_inventory(layout, raw, workers=workers, hand_to=run_id)
    return update_years(layout, raw, YEARS, workers=workers, handed_to=run_id)


def no_parse(*args: object) -> None:
    raise AssertionError("a file handed over was parsed again")


@pytest.mark.parametrize("workers", [1, 2])
def test_years_taken_over_are_the_bytes_of_years_parsed_again(
    raw_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
):
    reference = inventory_then_years(raw_dir, tmp_path / "parsed", None, workers=workers)
    assert reference.years_handed_over == []
    monkeypatch.setattr(years_stage, "parse_file", no_parse)
    handed = inventory_then_years(raw_dir, tmp_path / "handed", "run-1", workers=workers)
    assert handed.years_handed_over == reference.years_written
    assert handed.years_written == reference.years_written
    assert handed.files_parsed == reference.files_parsed
    assert year_outputs(tmp_path / "handed") == year_outputs(tmp_path / "parsed")
    assert handoffs(tmp_path / "handed") == []  # taken, then removed


def test_a_year_whose_files_the_handoff_does_not_match_is_parsed_again(
    raw_dir: Path, tmp_path: Path
):
    # The inventory is lost (every file read again and handed over) while one file changed:
    # the years of that file are updated with that file only, the other years are unchanged.
    # Taking the handoff for a year with other files too would add their rows a second time.
    changed_file = "002_711b86d480afee15.txt"
    runs = {}
    for name, run_id in (("parsed", None), ("handed", "run-2")):
        raw = tmp_path / f"raw-{name}"
        shutil.copytree(raw_dir, raw)
        root = tmp_path / name
        inventory_then_years(raw, root, None)
        changed = raw / changed_file
        changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        WarehouseLayout(root).documents.unlink()
        runs[name] = inventory_then_years(raw, root, run_id)
    updated = runs["parsed"].years_written
    assert updated and set(updated) < set(YEARS)
    assert runs["handed"].years_written == updated
    documents = read_parquet(WarehouseLayout(tmp_path / "handed").documents, DOCUMENTS_SCHEMA)
    by_year = files_by_year(documents)
    alone = [year for year in updated if set(by_year[year]) == {changed_file}]
    assert len(alone) < len(updated)  # some year of the changed file has other files
    assert runs["handed"].years_handed_over == alone
    assert year_outputs(tmp_path / "handed") == year_outputs(tmp_path / "parsed")
    assert handoffs(tmp_path / "handed") == []


def test_a_handoff_removed_as_a_leftover_leaves_the_year_step_to_parse(
    raw_dir: Path, tmp_path: Path
):
    layout = WarehouseLayout(tmp_path / "out")
    update_inventory(layout, raw_dir, hand_to="run-3")
    assert handoffs(layout.root) == [layout.handoff("run-3")]
    # Another run's inventory clears the leftovers: between two steps the handoff is one.
    update_inventory(layout, raw_dir)
    assert handoffs(layout.root) == []
    summary = update_years(layout, raw_dir, YEARS, handed_to="run-3")
    assert summary.years_handed_over == []
    assert summary.years_written


def plan(year: int, action: str, files: dict[str, str], parse: tuple[str, ...]) -> YearPlan:
    return YearPlan(year, action, files, parse)


def test_a_year_is_taken_only_with_exactly_its_files_at_their_hashes():
    handoff = HandOff(
        Path("unused"),
        "v1",
        {"a": ("sha-a", frozenset({2020, 2021})), "b": ("sha-b", frozenset({2021}))},
    )
    plans = [
        plan(2020, "rebuild", {"a": "sha-a"}, ("a",)),
        plan(2021, "update", {"a": "sha-a", "b": "sha-b"}, ("a", "b")),
        plan(2022, "rebuild", {"c": "sha-c"}, ("c",)),
    ]
    assert years_taken(handoff, plans, "v1") == {2020, 2021}
    assert years_taken(handoff, plans, "v2") == set()  # another parser version
    # b unchanged since the year was written: only a is parsed, b's rows are kept
    unchanged_b = plan(2021, "update", {"a": "sha-a", "b": "sha-b"}, ("a",))
    assert years_taken(handoff, [unchanged_b], "v1") == set()
    assert years_taken(handoff, [plan(2020, "rebuild", {"a": "new"}, ("a",))], "v1") == set()
    assert years_taken(handoff, [plan(2020, "skip", {"a": "sha-a"}, ())], "v1") == set()
    assert (
        years_taken(handoff, [plan(2020, "rebuild", {"a": "sha-a", "x": "x"}, ("a", "x"))], "v1")
        == set()
    )


def test_the_job_hands_its_inventorys_parse_over_and_the_inventory_job_does_not(
    raw_dir: Path, tmp_path: Path
):
    def run(job_name: str, root: Path, **options: object) -> dg.ExecuteInProcessResult:
        storage = PipelineStorage(raw_dir=str(raw_dir), warehouse_dir=str(root), workers=1)
        job = pipeline_definitions(storage).resolve_job_def(job_name)
        with dg.DagsterInstance.ephemeral() as instance:
            return job.execute_in_process(instance=instance, **options)  # type: ignore[arg-type]

    only_inventory = tmp_path / "inventory"
    assert run("inventory_job", only_inventory).success
    assert WarehouseLayout(only_inventory).documents.exists()
    assert handoffs(only_inventory) == []  # nothing parsed, nothing left for a year step

    whole = tmp_path / "whole"
    result = run("pipeline_job", whole, tags=range_tags(YEARS[0], YEARS[-1]))
    assert result.success
    reports = next(
        event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key == dg.AssetKey("reports")
    )
    taken = reports["years_from_the_inventory"].value
    assert taken and taken == reports["years_written"].value
    assert handoffs(whole) == []


def test_an_inventory_that_fails_hands_nothing_over(raw_dir: Path, tmp_path: Path):
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    layout = WarehouseLayout(tmp_path / "out")
    update_inventory(layout, raw)
    for path in raw.iterdir():
        path.unlink()
    with pytest.raises(EmptyRawDirectory):
        update_inventory(layout, raw, hand_to="run-4")
    assert handoffs(layout.root) == []
