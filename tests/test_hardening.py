"""Hardening (issue 13): deep tag soup, implausible figures, huge files, bad arguments.

The raw-directory walk (links, unreadable files and folders), scratch folders, a live writer
of the warehouse and the one-line errors are in `tests/test_hardening_runs.py`.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import polars as pl
import pytest

from pipeline.atomic_files import write_parquet_atomic
from pipeline.documents import (
    MAX_FILE_BYTES,
    MAX_FILE_LINES,
    RawEntry,
    decode_document,
    walk_raw_dir,
)
from pipeline.frames import DocumentsFrame, StatisticsFrame
from pipeline.html import html_to_text
from pipeline.model import DOCUMENTS_SCHEMA, VALUE_KINDS
from pipeline.reconcile import reconcile
from pipeline.segment import segment_document
from pipeline.stages import inventory
from pipeline.storage import WarehouseLayout, remove_leftovers
from pipeline.watch import find_raw_changes
from tests.conftest import ROOT, seed_text
from tests.support.corpus import parse_corpus
from tests.test_html import as_page, figures


@pytest.mark.parametrize("tag", ["div", "font", "span"])
@pytest.mark.parametrize("depth", [300, 1500])
def test_a_seed_page_inside_deep_unclosed_tags_gives_the_seeds_figures(tag: str, depth: int):
    """libxml2 stops at 255 nested elements unless huge_tree; the walk must not recurse."""
    name, text = seed_text("004")
    segmented = segment_document(name, text)[0]
    page = as_page(segmented.lines)
    soup = f"<{tag} class=x>" * depth
    deep = page.replace("<body>", "<body>" + soup, 1)
    assert deep.count(f"<{tag} ") >= depth
    converted = html_to_text(deep)
    expected_statistics, expected_prose = figures(name, text)
    statistics, prose = figures("page.html", converted)
    assert sum(expected_statistics.values()) > 50
    assert statistics == expected_statistics
    assert prose == expected_prose


def test_a_deep_page_is_read_not_quarantined_as_empty():
    name, text = seed_text("004")
    page = as_page(segment_document(name, text)[0].lines)
    deep = page.replace("<body>", "<body>" + "<div>" * 300, 1).encode("gb18030")
    decoded, encoding, rejected = decode_document("deep.html", deep)
    assert rejected is None
    assert encoding == "gb18030+html"
    assert decoded is not None and "本年新收" in decoded


# ------------------------------------------------------------------ implausible figures

F004 = "004_21970fde474fde16.txt"
NEW_ROW = "一、本年新收政府信息公开申请数量 | 0 | 0 |"
HUGE = "1" + "0" * 30  # 1e30: past 2^53 a float does not even hold it exactly


def _corpus_with(tmp_path: Path, raw_dir: Path, new_row: str, fees: str) -> dict[str, pl.DataFrame]:
    text = (raw_dir / F004).read_text(encoding="utf-8")
    assert NEW_ROW in text and "行政事业性收费 | 0 |" in text
    text = text.replace(NEW_ROW, new_row).replace("行政事业性收费 | 0 |", fees)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / F004).write_text(text, encoding="utf-8")
    return parse_corpus(raw)


@pytest.mark.parametrize("printed", [HUGE, "1234567890", "1000000000"])
def test_an_implausible_count_is_kept_as_printed_flagged_and_left_out_of_sums(
    tmp_path: Path, raw_dir: Path, printed: str
):
    corpus = _corpus_with(
        tmp_path,
        raw_dir,
        f"一、本年新收政府信息公开申请数量 | {printed} | 0 |",
        "行政事业性收费 | 12345678901 |",  # 万元: an amount may be large
    )
    statistics = corpus["statistics"]
    assert StatisticsFrame.validate(statistics) is not None
    flagged = statistics.filter(
        (pl.col("metric") == "apply.new") & (pl.col("dimension") == "natural_person")
    ).row(0, named=True)
    assert flagged["value_kind"] == "implausible"
    assert flagged["value"] is None
    assert flagged["value_raw"] == printed
    fees = statistics.filter(pl.col("metric") == "art20.fees.amount").row(0, named=True)
    assert (fees["value_kind"], fees["value"]) == ("number", 12345678901.0)

    quarantine = corpus["quarantine"].filter(pl.col("reason") == "implausible_value")
    assert quarantine.height == 1
    assert quarantine["raw"].to_list() == [printed]
    assert "apply.new" in quarantine["message"][0]

    rules = reconcile(statistics, corpus["prose_figures"], corpus["reports"])
    balance = rules.filter(
        (pl.col("rule") == "requests.r1_balance") & (pl.col("dimension") == "natural_person")
    )
    assert balance["status"].to_list() == ["not_assessable"]
    assert balance["lhs"].to_list() == [None]


def test_a_count_below_the_limit_is_an_ordinary_number(tmp_path: Path, raw_dir: Path):
    corpus = _corpus_with(
        tmp_path,
        raw_dir,
        "一、本年新收政府信息公开申请数量 | 999999999 | 0 |",
        "行政事业性收费 | 0 |",
    )
    row = (
        corpus["statistics"]
        .filter((pl.col("metric") == "apply.new") & (pl.col("dimension") == "natural_person"))
        .row(0, named=True)
    )
    assert (row["value_kind"], row["value"]) == ("number", 999999999.0)
    assert corpus["quarantine"].filter(pl.col("reason") == "implausible_value").is_empty()


def test_implausible_is_a_declared_value_kind():
    assert "implausible" in VALUE_KINDS
    sources = (ROOT / "sql" / "models" / "sources.yml").read_text(encoding="utf-8")
    assert "- implausible" in sources  # an accepted value of statistics.value_kind


# ------------------------------------------------------------------ memory per file


def test_a_file_of_more_lines_than_any_report_is_quarantined_not_read():
    lines = "\n".join(f"{i} |" for i in range(MAX_FILE_LINES + 1)).encode()
    assert len(lines) < MAX_FILE_BYTES
    text, encoding, rejected = decode_document("many.txt", lines)
    assert (text, encoding) == (None, None)
    assert rejected is not None and rejected.reason == "too_large"
    big = b"x" * (MAX_FILE_BYTES + 1)
    rejected = decode_document("big.txt", big)[2]
    assert rejected is not None and rejected.reason == "too_large"
    ok = "\n".join(f"{i} |" for i in range(MAX_FILE_LINES - 1)).encode()
    assert decode_document("fine.txt", ok)[2] is None


# ------------------------------------------------------------------ the sensor's walk


def test_the_sensor_never_reads_a_link_out_and_asks_for_it_once(tmp_path: Path, raw_dir: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (tmp_path / "secret").write_text("not for the pipeline", encoding="utf-8")
    (raw / "passwd.txt").symlink_to(tmp_path / "secret")
    (raw / F004).write_bytes((raw_dir / F004).read_bytes())
    (raw / "again.txt").symlink_to(raw / F004)  # inside: only 004 itself is read
    first = find_raw_changes(raw, pl.DataFrame(schema=DOCUMENTS_SCHEMA), {})
    assert first.without_year == ("passwd.txt",)
    assert [names for names in first.years.values()] == [(F004,)]
    again = find_raw_changes(raw, pl.DataFrame(schema=DOCUMENTS_SCHEMA), first.cursor)
    assert again.without_year == () and again.years == {}
    entries = {entry.name: entry.problem for entry in walk_raw_dir(raw)}
    assert set(entries) == {F004, "passwd.txt"}
    assert entries["passwd.txt"] is not None
    assert entries["passwd.txt"].reason == "outside_raw_dir"


def test_a_file_that_vanishes_or_fails_mid_run_is_quarantined_and_the_run_goes_on(
    tmp_path: Path, raw_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in (F004, "broken_disk.txt"):
        (raw / name).write_bytes((raw_dir / F004).read_bytes())
    listed = walk_raw_dir(raw)
    gone = RawEntry("gone.txt", raw / "gone.txt")  # listed, then deleted before it was read
    monkeypatch.setattr(inventory, "walk_raw_dir", lambda _: [*listed, gone])
    real_read = inventory.read_raw_file

    def failing(path: Path, root: Path) -> tuple[bytes, os.stat_result]:
        if path.name == "broken_disk.txt":
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))
        return real_read(path, root)

    monkeypatch.setattr(inventory, "read_raw_file", failing)
    output = inventory.inventory_documents(raw)
    reasons = dict(output.quarantine.select("source_file", "reason").iter_rows())
    assert reasons == {"broken_disk.txt": "unreadable_file", "gone.txt": "vanished"}
    message = output.quarantine.filter(pl.col("source_file") == "broken_disk.txt")["message"]
    assert "Input/output error" in message[0]
    documents = {row["source_file"]: row for row in output.documents.iter_rows(named=True)}
    assert set(documents) == {F004, "broken_disk.txt"}  # a vanished file has no row
    assert documents["broken_disk.txt"]["sha256"] is None
    assert documents[F004]["reports"] == 1
    assert DocumentsFrame.validate(output.documents) is not None


# ------------------------------------------------------------------ leftovers of atomic writes


def test_staging_left_by_a_dead_writer_is_removed_a_live_writers_is_kept(tmp_path: Path):
    layout = WarehouseLayout(tmp_path / "out")
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    table = layout.table_root("statistics")
    table.mkdir(parents=True)
    dead = table / f".report_year=2021.{dead_pid.pid}-{'a' * 32}.tmp"
    (dead / "inner").mkdir(parents=True)
    dead_file = layout.parquet / f".documents.parquet.{dead_pid.pid}-{'b' * 32}.tmp"
    dead_file.write_bytes(b"half")
    live = table / f".report_year=2022.{os.getpid()}-{'c' * 32}.tmp"
    live.mkdir()
    data = table / "report_year=2021"
    data.mkdir()

    removed = remove_leftovers(layout)

    assert sorted(removed) == sorted([dead, dead_file])
    assert not dead.exists() and not dead_file.exists()
    assert live.is_dir() and data.is_dir()


def test_atomic_writes_name_their_writer(tmp_path: Path):
    target = tmp_path / "x.parquet"
    seen: list[str] = []
    original = pl.DataFrame.write_parquet

    def spy(self: pl.DataFrame, file: Path, **kwargs: object) -> None:
        seen.append(Path(file).name)
        original(self, file, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pl.DataFrame, "write_parquet", spy)
        write_parquet_atomic(pl.DataFrame({"a": [1]}), target)
    assert seen and seen[0].startswith(f".x.parquet.{os.getpid()}-")
    assert target.is_file()
