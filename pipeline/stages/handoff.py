"""The inventory's parse, handed to the year partitions of the same run.

The inventory decodes and segments every new or changed file to learn its report years; the
year partitions then need the same files decoded, segmented and parsed. In a run that does
both (the whole job, never the sensor's inventory-only run), the inventory parses each file it
reads as it segments it (`scan_and_parse`) and spills the rows, by year, into the run's
handoff folder (`WarehouseLayout.handoff`) as the year step would spill its own parse; the
year step then takes a year's rows from there instead of parsing its files again.

A year is taken over only when the handoff holds exactly the files its plan parses, each at
the sha256 the plan was made from, by the same parser version (`years.years_taken`).
Anything else (a file changed or an inventory rewritten by another run between the two steps,
a year whose plan parses fewer files than the inventory read, a folder removed as a leftover)
and the year's files are parsed as before: the handoff can only save work, never change a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.atomic_files import read_json, write_json_atomic
from pipeline.stages.buffer import YearBuffer
from pipeline.stages.columns import FileColumns
from pipeline.storage import WarehouseLayout, hand_over, take_over

# Written last: a folder without it was not handed over whole.
INDEX = "index.json"


@dataclass(slots=True)
class HandOver:
    """The inventory's side: each parsed file's rows go to the buffer, its hash and years to
    the index."""

    buffer: YearBuffer
    files: dict[str, dict[str, object]] = field(default_factory=dict)

    def add(self, parsed: FileColumns, years: Iterable[int]) -> None:
        self.buffer.add(parsed)
        self.files[parsed.source_file] = {"sha256": parsed.sha256, "years": sorted(years)}


@contextmanager
def handing_over(layout: WarehouseLayout, run_id: str, version: str) -> Iterator[HandOver]:
    """The run's handoff folder, filled by the block; its index written when the block ends
    without error (the folder is removed when it fails)."""
    with hand_over(layout.handoff(run_id), layout) as folder:
        handed = HandOver(YearBuffer(folder))
        yield handed
        handed.buffer.spill()
        write_json_atomic({"parser_version": version, "files": handed.files}, folder / INDEX)


@dataclass(frozen=True, slots=True)
class HandOff:
    """The year step's side: what the inventory of this run parsed, and where."""

    folder: Path
    version: str
    files: dict[str, tuple[str, frozenset[int]]]  # file -> (sha256, report years)


@contextmanager
def taking_over(layout: WarehouseLayout, run_id: str | None) -> Iterator[HandOff | None]:
    """This run's handoff, held for the block and removed when it ends; None when the run
    has none (no run id, nothing handed over, an index missing or unreadable)."""
    if run_id is None:
        yield None
        return
    with take_over(layout.handoff(run_id), layout) as folder:
        index = read_json(folder / INDEX) if folder is not None else None
        if folder is None or not isinstance(index, dict):
            yield None
            return
        files = {
            str(name): (str(entry["sha256"]), frozenset(int(year) for year in entry["years"]))
            for name, entry in dict(index.get("files", {})).items()
        }
        yield HandOff(folder, str(index.get("parser_version")), files)
