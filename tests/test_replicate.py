"""The real-page benchmark corpus: copies in whole rounds, each round its own agencies, every
printed figure as in the source; and the check that every copy reads as its first round's."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import duckdb
import pytest

from pipeline.agency import identify_named
from pipeline.parse import scan_and_parse
from tools.bench import BenchResult, append_result
from tools.cli import main as tools_main
from tools.replicate import Copy, area_name, check_copies, renamed_agency, replicate_corpus

PAGE = """\
福建省莆田市科学技术局{year}年政府信息公开工作年度报告
一、概述
莆田市科学技术局认真贯彻落实政府信息公开条例。
二、政府信息公开情况统计表
统计指标 | 单位 | 统计数 |
三、依申请公开情况 | —— | |
(一)收到申请数 | 件 | {received} |
1.当面申请数 | 件 | 1 |
2.网络申请数 | 件 | {online} |
三、存在的问题
无。
"""


def pages(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for year, received, online in ((2015, 6, 5), (2016, 9, 8)):
        page = PAGE.format(year=year, received=received, online=online)
        (folder / f"kjj_{year}.txt").write_text(page, encoding="utf-8")
    (folder / "README.md").write_text("not a page\n", encoding="utf-8")
    return folder


def test_area_names_are_distinct_and_never_a_division():
    names = [area_name(n) for n in range(3000)]
    assert len(set(names)) == len(names)
    assert all(name.endswith("片区") for name in names)


def test_a_renamed_agency_keeps_its_division_level_and_kind():
    original = identify_named("莆田市科学技术局")
    renamed = identify_named(renamed_agency("莆田市科学技术局", 7))
    assert original is not None and renamed is not None
    assert renamed_agency("莆田市科学技术局", 7) == f"莆田市{area_name(7)}科学技术局"
    assert (renamed.division_code, renamed.agency_level, renamed.agency_kind) == (
        original.division_code,
        original.agency_level,
        original.agency_kind,
    )
    assert renamed.agency_id != original.agency_id


def test_rounds_of_copies_hold_at_least_n_reports_each_round_its_own_agency(tmp_path: Path):
    source = pages(tmp_path / "pages")
    manifest = replicate_corpus([source], 5, tmp_path / "corpus")
    # two reports a round: three whole rounds for five reports; the README is no page
    assert manifest.reports == 6
    assert [(c.file, c.source, c.round) for c in manifest.copies] == [
        (f"r{r:05d}_kjj_{year}.txt", f"kjj_{year}.txt", r)
        for r in range(3)
        for year in (2015, 2016)
    ]
    assert all(copy.renamed and copy.reports == 1 for copy in manifest.copies)
    agencies = set()
    for copy in manifest.copies:
        data = (tmp_path / "corpus" / "raw" / copy.file).read_bytes()
        _, parse = scan_and_parse(copy.file, data)
        (records,) = parse.by_year.values()
        (report,) = records.reports
        agencies.add((copy.round, report.agency))
        source_text = (source / copy.source).read_text(encoding="utf-8")
        # every printed figure as in the source: only the agency's name (as the title gives
        # it) differs
        renamed = renamed_agency("福建省莆田市科学技术局", copy.round)
        assert data.decode("utf-8") == source_text.replace("福建省莆田市科学技术局", renamed)
        assert [(f.metric, f.value) for _, f in records.statistics] == [
            (f.metric, f.value)
            for _, f in next(
                iter(scan_and_parse(copy.source, source_text.encode())[1].by_year.values())
            ).statistics
        ]
    assert len({agency for _, agency in agencies}) == 3  # one per round, both years alike
    assert (tmp_path / "corpus" / "manifest.json").is_file()


def test_a_folder_without_reports_is_refused(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no report here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no report found"):
        replicate_corpus([empty], 10, tmp_path / "corpus")


def test_a_copy_that_reads_unlike_its_first_round_is_a_problem(tmp_path: Path):
    copies = [
        Copy(f"r{r:05d}_{name}", name, r, reports, True)
        for r in range(2)
        for name, reports in (("a.txt", 1), ("b.txt", 2))
    ]
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table reports (report_id varchar, source_file varchar)")
        con.execute("create table reconciliation (report_id varchar, rule varchar, status varchar)")
        con.executemany(
            "insert into reports values (?, ?)",
            [
                ("r00000_a.txt#1", "r00000_a.txt"),
                ("r00000_b.txt#1", "r00000_b.txt"),
                ("r00000_b.txt#2", "r00000_b.txt"),
                ("r00001_a.txt#1", "r00001_a.txt"),
                ("r00001_b.txt#1", "r00001_b.txt"),  # one report of two
            ],
        )
        con.executemany(
            "insert into reconciliation values (?, ?, ?)",
            [
                ("r00000_a.txt#1", "old_table.parent_sum", "fail"),
                ("r00001_a.txt#1", "old_table.parent_sum", "pass"),
            ],
        )
    found, problems = check_copies(database, copies)
    assert found == 5
    assert problems == [
        "r00001_a.txt: fails [], round 0 fails ['old_table.parent_sum']",
        "r00001_b.txt: 1 reports, its source 2",
    ]


def test_a_results_file_of_an_older_header_is_rewritten_keeping_its_rows(tmp_path: Path):
    fields = [f.name for f in dataclasses.fields(BenchResult) if f.name != "corpus"]
    results = tmp_path / "results.csv"
    with results.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerow({name: "7" for name in fields} | {"problems": ""})
    values = {
        f.name: 1.0 if f.type == "float" else 1 if f.type == "int" else "x"
        for f in dataclasses.fields(BenchResult)
    }
    result = BenchResult(**{**values, "corpus": "real", "manifest_ok": True, "problems": []})
    append_result(result, results)
    rows = list(csv.DictReader(results.open(encoding="utf-8")))
    assert [row["corpus"] for row in rows] == ["synthetic", "real"]
    assert rows[0]["reports"] == "7" and rows[1]["reports"] == "1"


@pytest.mark.slow
def test_the_bench_command_runs_on_copies_of_real_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    source = pages(tmp_path / "pages")
    results = tmp_path / "results.csv"
    command = ["bench", "--reports", "6", "--corpus", str(source), "--results", str(results)]
    assert tools_main(command) == 0
    out = capsys.readouterr().out
    assert "corpus (real): 6 reports" in out and "every check holds" in out
    (row,) = csv.DictReader(results.open(encoding="utf-8"))
    assert (row["corpus"], row["reports"], row["reports_found"]) == ("real", "6", "6")
