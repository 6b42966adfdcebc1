"""Excel workbook and problem lists (issue 16) on the seeds' warehouse.

The workbook must open in LibreOffice: every sheet is converted to CSV by `soffice --headless`.
On CI (CI set) LibreOffice must be there (.ci/run installs it), so the test fails without it;
elsewhere it is skipped when `soffice` is missing.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pipeline_runs import materialize

from pipeline.cli import main
from pipeline.defs.resources import PipelineStorage
from pipeline.export import CHECKS_SHEET, chinese_label, export_workbook, list_marts
from pipeline.problems import write_problems

TIANQIAO = "370105:人民政府"
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("export_warehouse")
    result = materialize(PipelineStorage(raw_dir=str(raw_dir), warehouse_dir=str(root), workers=2))
    assert result.success
    errors = [
        e for e in result.get_asset_check_evaluations() if e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert errors and all(e.passed for e in errors)
    return root / "warehouse.duckdb"


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("soffice is missing on CI: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("no soffice (LibreOffice); .ci/run installs it on CI")
    return found


def sheet_csvs(book: Path, out: Path) -> dict[str, list[list[str]]]:
    """Every sheet of a workbook as LibreOffice reads it (one CSV per sheet)."""
    out.mkdir()
    subprocess.run(
        [
            soffice(),
            "--headless",
            f"-env:UserInstallation={(out / 'profile').as_uri()}",
            "--convert-to",
            CSV_ALL_SHEETS,
            "--outdir",
            str(out),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    sheets = {}
    for path in out.glob(f"{book.stem}-*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[path.stem.removeprefix(f"{book.stem}-")] = list(csv.reader(handle))
    return sheets


def test_the_workbook_opens_in_libreoffice_with_every_mart_and_the_checks(
    warehouse: Path, raw_dir: Path, tmp_path: Path
) -> None:
    book = tmp_path / "warehouse.xlsx"
    names = export_workbook(warehouse, book, raw_dir=raw_dir)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = list_marts(con)
        failing = con.execute(
            "select count(*) from reconciliation where status = 'fail'"
        ).fetchone()
    assert "mart_report_rates_by_agency" in marts  # new marts appear by name
    assert names == [*marts, CHECKS_SHEET]
    sheets = sheet_csvs(book, tmp_path / "csv")
    assert sorted(sheets) == sorted(names)
    # headers: Chinese over English, for every column
    for name, rows in sheets.items():
        for cell in rows[0]:
            assert "\n" in cell, (name, cell)
    checks = sheets[CHECKS_SHEET]
    assert failing is not None and len(checks) - 1 == failing[0]
    head = [cell.split("\n")[1] for cell in checks[0]]
    row = dict(
        zip(
            head,
            next(r for r in checks[1:] if r[head.index("rule")] == "prose.equals_table"),
            strict=True,
        )
    )
    assert (row["lhs"], row["rhs"], row["delta"]) == ("7", "5", "2")
    assert "合计主动公开信息7条" in row["printed_lines"]


def test_the_sheets_have_a_frozen_header_and_filters(warehouse: Path, tmp_path: Path) -> None:
    book = tmp_path / "w.xlsx"
    export_workbook(warehouse, book)
    with zipfile.ZipFile(book) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 'state="frozen"' in sheet and 'ySplit="1"' in sheet
    assert "<autoFilter" in sheet


def test_year_and_region_select_rows(warehouse: Path, tmp_path: Path) -> None:
    book = tmp_path / "r.xlsx"
    assert (
        main(
            [
                "export",
                "--xlsx",
                str(book),
                "--warehouse-dir",
                str(warehouse.parent),
                "--year",
                "2020",
                "--region",
                "370000",
            ]
        )
        == 0
    )
    sheets = sheet_csvs(book, tmp_path / "csv")
    years = {row[1] for row in sheets["mart_report_rates"][1:]}
    assert years == {"2020"}
    assert {row[0] for row in sheets[CHECKS_SHEET][1:]} == {"002_711b86d480afee15.txt#3"}
    assert (
        main(
            [
                "export",
                "--xlsx",
                str(book),
                "--warehouse-dir",
                str(warehouse.parent),
                "--region",
                "33",
            ]
        )
        == 2
    )


def test_every_mart_column_has_a_chinese_label(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select distinct column_name from information_schema.columns "
            "where table_name like 'mart\\_%' escape '\\'"
        ).fetchall()
    assert [c for (c,) in columns if chinese_label(c) is None] == []


def test_a_problem_list_names_each_failing_rule_with_its_lines(
    warehouse: Path, raw_dir: Path
) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        failing = con.execute(
            "select c.rule, c.source_lines from reconciliation c join reports r using (report_id) "
            "where r.agency_id = ? and c.status = 'fail' and c.report_year = 2020",
            [TIANQIAO],
        ).fetchall()
    text = write_problems(warehouse, raw_dir, "天桥区人民政府", year=2020)
    assert text.startswith("天桥区人民政府 政府信息公开工作年度报告问题清单（2020年度）")
    assert f"发现问题：{len(failing)} 项" in text
    for rule, lines in failing:
        assert f"规则 {rule}" in text
        for line in lines:
            assert f"第 {line} 行" in text
    # the copied (五)(六) items, in plain words, with the printed row
    assert "「行政许可」各项数字与上一年度报告完全相同" in text
    assert "行政许可 | 210 | -32 | 74026" in text
    assert "（二、主动公开政府信息情况）" in text


def test_problem_lists_as_markdown_and_html(warehouse: Path, raw_dir: Path, tmp_path: Path) -> None:
    md = write_problems(warehouse, raw_dir, TIANQIAO, year=2021, fmt="md")
    assert md.startswith("# 天桥区人民政府") and "**建议**" in md
    out = tmp_path / "p.html"
    assert (
        main(
            [
                "problems",
                "--agency",
                TIANQIAO,
                "--format",
                "html",
                "--out",
                str(out),
                "--warehouse-dir",
                str(warehouse.parent),
            ]
        )
        == 0
    )
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_an_unknown_agency_is_an_error_not_an_empty_list(warehouse: Path) -> None:
    assert (
        main(["problems", "--agency", "不存在的局", "--warehouse-dir", str(warehouse.parent)]) == 1
    )
