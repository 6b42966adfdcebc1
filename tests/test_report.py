"""The HTML quality report: its numbers are the warehouse's, scraped text is escaped, every
link lands on its detail, it survives an empty warehouse and one that lacks optional tables, its
charts (Altair, rendered to SVG by vl-convert) name the figures they were given, and they render
in a real browser (headless Chromium: the DOM after the page's measuring script ran, and a
screenshot)."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

import dagster as dg
import duckdb
import lxml.html
import pytest
from pipeline_runs import materialize

from pipeline.cli import main
from pipeline.defs.resources import PipelineStorage
from pipeline.documents import decode_document
from pipeline.model import TEMPLATES
from pipeline.report import (
    REQUEST_SERIES,
    ReportData,
    ReportRow,
    format_number,
    load_report_data,
    render_report,
    write_report,
)
from pipeline.report.figures import TEMPLATE_STYLE
from pipeline.report.queries import Warehouse, report_queries
from pipeline.sources import SourceLines, line_owner, quoted_lines

CHROMIUM = Path("/usr/bin/chromium")
CHARTS = ("requests", "rules", "templates", "quarantine")
REQUEST_CODES = [code for code, *_ in REQUEST_SERIES]
HOSTILE = "<script>alert('agency')</script>&amp; \"<b>bold</b>"
HOSTILE_LINE = '<img src=x onerror="alert(1)"> 合计主动公开信息7条'
HOSTILE_REPORT = "000_1c21803a08480ac6.txt#1"  # fails prose.equals_table, cites lines 26 and 48


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_warehouse(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("report_warehouse")
    result = materialize(PipelineStorage(raw_dir=str(raw_dir), warehouse_dir=str(root), workers=2))
    assert result.success
    errors = [
        e for e in result.get_asset_check_evaluations() if e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert errors and all(e.passed for e in errors)
    return root


@pytest.fixture(scope="module")
def seed_report(seed_warehouse: Path, raw_dir: Path) -> Path:
    return write_report(seed_warehouse, raw_dir)


def copy_warehouse(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "warehouse.duckdb", target / "warehouse.duckdb")
    return target


def base_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "order by 1"
        ).fetchall()
    ]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, seed_warehouse: Path, raw_dir: Path):
    """The seed warehouse with scraped text turned hostile, and raw files with one hostile line;
    plus three quarantine rows, so that the quarantine chart has something to draw."""
    root = copy_warehouse(seed_warehouse, tmp_path_factory.mktemp("hostile"))
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        for table in base_tables(con):
            columns = {row[0] for row in con.execute(f"describe {table}").fetchall()}
            if {"agency", "report_id"} <= columns:
                con.execute(
                    f"update {table} set agency = ? where report_id = ?", [HOSTILE, HOSTILE_REPORT]
                )
        con.execute(
            "update reconciliation set detail = ? where report_id = ? and status = 'fail'",
            [HOSTILE, HOSTILE_REPORT],
        )
        con.execute(
            "insert into quarantine (source_file, stage, reason, message) values "
            "('a.pdf', 'documents', 'binary_file', 'pdf'), "
            "('b.pdf', 'documents', 'binary_file', 'pdf'), "
            "('<c>.txt', 'statistics', '<i>odd</i>', 'x')"
        )
    raw = tmp_path_factory.mktemp("hostile_raw")
    for path in raw_dir.iterdir():
        shutil.copy2(path, raw / path.name)
    target = raw / HOSTILE_REPORT.split("#")[0]
    lines = target.read_text(encoding="utf-8").split("\n")
    lines[26 - 1] = HOSTILE_LINE
    target.write_text("\n".join(lines), encoding="utf-8")
    return write_report(root, raw)


@pytest.fixture(scope="module")
def empty_report(tmp_path_factory: pytest.TempPathFactory, seed_warehouse: Path) -> Path:
    """A warehouse with every table and no row in any of them: no reports, no runs."""
    root = copy_warehouse(seed_warehouse, tmp_path_factory.mktemp("empty"))
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        for table in base_tables(con):
            con.execute(f"delete from {table}")
    return write_report(root)


def query(root: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def parse(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def chart(page: lxml.html.HtmlElement, name: str) -> lxml.html.HtmlElement:
    (svg,) = page.xpath(f'//figure[@data-chart="{name}"]//*[local-name()="svg"]')
    return svg


def bars(page: lxml.html.HtmlElement, name: str) -> list[lxml.html.HtmlElement]:
    """The bars Vega drew: paths whose role description is "bar"."""
    return chart(page, name).xpath('.//*[@aria-roledescription="bar"]')


def bar_labels(page: lxml.html.HtmlElement, name: str) -> Counter:
    """What each bar says it is (its `aria-label`: category, series, value)."""
    return Counter(b.get("aria-label") for b in bars(page, name))


_BAR_PATH = re.compile(r"^M(?P<x>[-\d.e]+),(?P<y>[-\d.e]+)h(?P<w>[-\d.e]+)v(?P<h>[-\d.e]+)h")


def bar_size(bar: lxml.html.HtmlElement) -> tuple[float, float]:
    """(width, height) of a bar: Vega draws a rectangle as `M x,y h w v h h -w Z`."""
    match = _BAR_PATH.match(bar.get("d"))
    assert match, bar.get("d")
    return abs(float(match["w"])), abs(float(match["h"]))


def axis_labels(svg: lxml.html.HtmlElement) -> list[list[str]]:
    """The lines of every category label of a chart's axes (a label may have two)."""
    return [
        [span.text for span in text.xpath('./*[local-name()="tspan"]')] or [text.text]
        for text in svg.xpath(
            './/*[local-name()="g"][contains(@class, "role-axis-label")]/*[local-name()="text"]'
        )
    ]


def card(page: lxml.html.HtmlElement, name: str) -> int:
    (element,) = page.xpath(f'//div[@class="card"][@data-card="{name}"]')
    return int(element.get("data-count"))


# --- pure functions ----------------------------------------------------------------------------


def test_numbers_are_shown_as_printed():
    assert format_number(None) == "—"
    assert format_number(1234.0) == "1,234"
    assert format_number(-42.0) == "-42"
    assert format_number(104367.118823) == "104,367.118823"
    assert format_number(0.1 + 0.2) == "0.3"


def test_a_value_line_is_quoted_with_the_label_above_it(tmp_path):
    # the one-cell-per-line layout of `001`: label, unit, value
    (tmp_path / "one_cell.txt").write_text(
        "(二)通过不同渠道和方式公开政府信息的情况 |\n条 |\n33 |\n", encoding="utf-8"
    )
    sources = SourceLines(tmp_path)
    assert [n for n, _ in quoted_lines(sources, "one_cell.txt", 3)] == [1, 2, 3]
    assert quoted_lines(sources, "one_cell.txt", 1) == [
        (1, "(二)通过不同渠道和方式公开政府信息的情况 |")
    ]
    assert quoted_lines(sources, "one_cell.txt", 9) == []
    assert quoted_lines(sources, "missing.txt", 1) == []
    assert quoted_lines(SourceLines(None), "one_cell.txt", 1) == []


def test_quoted_html_lines_are_numbered_as_the_parser_numbers_them(tmp_path):
    page = (
        "<html><head><title>t</title></head><body><h1>2021年度报告</h1><p>第一段</p>"
        "<table><tr><td>一、本年新收政府信息公开申请数量</td><td>3</td></tr></table></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    text, _, _ = decode_document("page.html", page.encode())
    assert text is not None
    expected = text.split("\n")
    number = next(i for i, line in enumerate(expected, 1) if "本年新收" in line)
    quoted = quoted_lines(SourceLines(tmp_path), "page.html", number)
    assert quoted[-1] == (number, expected[number - 1])
    assert "<td>" not in quoted[-1][1]


def test_a_cross_year_line_belongs_to_the_report_whose_lines_hold_it():
    spans = {"f.txt#1": ("f.txt", 1, 60), "f.txt#2": ("f.txt", 61, 150), "g.txt#1": ("g.txt", 1, 9)}
    assert line_owner(16, "f.txt#1", "f.txt#2", spans) == "f.txt#1"
    assert line_owner(109, "f.txt#1", "f.txt#2", spans) == "f.txt#2"
    assert line_owner(109, "f.txt#1", None, spans) == "f.txt#1"
    assert line_owner(5, "f.txt#2", "g.txt#1", spans) == "g.txt#1"


# --- the seed warehouse ------------------------------------------------------------------------


@pytest.mark.slow
def test_report_reads_the_warehouse_without_writing_it(seed_warehouse, raw_dir, tmp_path):
    database = seed_warehouse / "warehouse.duckdb"
    before = (hashlib.sha256(database.read_bytes()).hexdigest(), database.stat().st_mtime_ns)
    with duckdb.connect(str(database), read_only=True):  # an analyst's open reader
        out = write_report(seed_warehouse, raw_dir, out=tmp_path / "sub" / "r.html")
    assert out == tmp_path / "sub" / "r.html" and out.is_file()
    assert write_report(seed_warehouse) == seed_warehouse / "report.html"
    after = (hashlib.sha256(database.read_bytes()).hexdigest(), database.stat().st_mtime_ns)
    assert after == before
    assert not [p.name for p in tmp_path.rglob(".*")]  # no staging file left behind


@pytest.mark.slow
def test_same_warehouse_gives_the_same_bytes(seed_warehouse, raw_dir, seed_report, tmp_path):
    again = write_report(seed_warehouse, raw_dir, out=tmp_path / "again.html")
    assert again.read_bytes() == seed_report.read_bytes()


def test_a_missing_warehouse_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"warehouse\.duckdb"):
        write_report(tmp_path)


@pytest.mark.slow
def test_page_is_self_contained(seed_report):
    text = seed_report.read_text(encoding="utf-8")
    page = parse(seed_report)
    assert not page.xpath("//script[@src] | //link | //img | //iframe | //object")
    namespaces = (
        'xmlns="http://www.w3.org/2000/svg"',
        'xmlns:xlink="http://www.w3.org/1999/xlink"',
    )
    for namespace in namespaces:
        text = text.replace(namespace, "")
    assert "http://" not in text
    assert "https://" not in text
    assert (
        "@import" not in text
        and "url(" not in text
        and "href="
        not in "".join(
            lxml.html.tostring(svg, encoding="unicode")
            for svg in page.xpath('//*[local-name()="svg"]')
        )
    )
    assert "Noto Sans CJK SC" in text
    # the charts are inline SVG, their text in the page's Chinese fonts
    for name in CHARTS:
        assert "Noto Sans CJK SC" in chart(page, name).xpath('.//*[local-name()="text"]')[0].get(
            "font-family"
        )


@pytest.mark.slow
def test_header_counts_are_the_warehouse_counts(seed_warehouse, seed_report):
    page = parse(seed_report)
    ((files_seen, run_id),) = query(
        seed_warehouse, "select files_seen, run_id from runs order by finished_at desc limit 1"
    )
    assert card(page, "files") == files_seen
    assert card(page, "reports") == query(seed_warehouse, "select count(*) from reports")[0][0]
    assert (
        card(page, "statistics") == query(seed_warehouse, "select count(*) from statistics")[0][0]
    )
    assert (
        card(page, "quarantined") == query(seed_warehouse, "select count(*) from quarantine")[0][0]
    )
    assert (
        card(page, "consistent")
        == query(seed_warehouse, "select count(*) from mart_data_quality where is_consistent")[0][0]
    )
    assert (
        card(page, "evaluations")
        == query(seed_warehouse, "select count(*) from reconciliation")[0][0]
    )
    header = page.xpath("//header")[0].text_content()
    assert run_id in header
    for template, n in query(seed_warehouse, "select template, count(*) from reports group by 1"):
        assert f"{template} {n}" in header


@pytest.mark.slow
def test_every_run_leaves_an_up_to_date_report(raw_dir, tmp_path):
    """The `report` asset: `python -m pipeline run` rewrites report.html from the warehouse it
    just published, and a run over changed raw files changes the page."""
    raw = tmp_path / "raw"
    shutil.copytree(raw_dir, raw)
    out = tmp_path / "out"

    def run() -> tuple[lxml.html.HtmlElement, str, bytes]:
        assert main(["run", "--raw-dir", str(raw), "--warehouse-dir", str(out)]) == 0
        report = out / "report.html"
        assert report.is_file()
        ((run_id,),) = query(out, "select run_id from runs order by finished_at desc limit 1")
        return parse(report), run_id, report.read_bytes()

    page, first_run, first_bytes = run()
    assert card(page, "reports") == 19 == query(out, "select count(*) from reports")[0][0]
    assert len(page.xpath('//table[@id="report-table"]/tbody/tr')) == 19
    header = page.xpath("//header")[0].text_content()
    assert first_run in header and "1 run(s) recorded" in header

    # Nothing new: the page still names the run that just ran.
    page, second_run, _ = run()
    header = page.xpath("//header")[0].text_content()
    assert second_run != first_run
    assert second_run in header and "2 run(s) recorded" in header

    # A new raw file: one more report on the page.
    shutil.copy(raw / "001_9ee0dcb102ca4a64.txt", raw / "005_new_site.txt")
    page, _, third_bytes = run()
    assert card(page, "reports") == 20 == query(out, "select count(*) from reports")[0][0]
    rows = page.xpath('//table[@id="report-table"]/tbody/tr')
    assert len(rows) == 20
    assert any(row.get("data-report-id", "").startswith("005_new_site.txt#") for row in rows)
    assert third_bytes != first_bytes
    # Written by rename: no staging file of the page is left beside it.
    assert not [p.name for p in out.iterdir() if p.name.startswith(".report.html")]


@pytest.mark.slow
def test_rule_failure_bars_count_the_failing_evaluations(seed_warehouse, seed_report):
    counts = query(
        seed_warehouse,
        "select rule, count(*) filter (where status = 'fail'), count(*) from reconciliation "
        "group by rule",
    )
    assert any(failed for _, failed, _ in counts)  # the seeds break rules (DOMAIN.md)
    # one bar per rule evaluated, naming the rule and its failing evaluations
    assert bar_labels(parse(seed_report), "rules") == Counter(
        f"{rule}: {failed:,} failed of {total:,} evaluation{'s' if total != 1 else ''}"
        for rule, failed, total in counts
    )


@pytest.mark.slow
def test_template_bars_count_reports_per_year(seed_warehouse, seed_report):
    expected = Counter(
        f"{year} {TEMPLATE_STYLE[template][1]}: {n}"
        for year, template, n in query(
            seed_warehouse, "select report_year, template, count(*) from reports group by all"
        )
    )
    assert len(expected) > 1 and bar_labels(parse(seed_report), "templates") == expected


@pytest.mark.slow
def test_request_bars_sum_the_harmonised_figures_printed(seed_warehouse, seed_report):
    page = parse(seed_report)
    # reports of each year that printed at least one of the figures
    printed = dict(
        query(
            seed_warehouse,
            "select report_year, count(distinct report_id) from mart_harmonised_metrics "
            "where harmonised_metric in (select unnest(?)) and value is not null group by 1",
            [REQUEST_CODES],
        )
    )
    expected = Counter(
        f"{year} · {label} {english} (sum over {printed[year]} reports): {format_number(total)}"
        for year, label, english, total in query(
            seed_warehouse,
            "select report_year, min(label_zh), min(english), sum(value) "
            "from mart_harmonised_metrics "
            "where harmonised_metric in (select unnest(?)) and value is not null "
            "group by report_year, harmonised_metric",
            [REQUEST_CODES],
        )
    )
    assert expected and bar_labels(page, "requests") == expected
    # under each year's label: reports that printed a figure / reports of the year
    footers = {
        lines[0]: lines[1] for lines in axis_labels(chart(page, "requests")) if len(lines) > 1
    }
    for year, n in query(seed_warehouse, "select report_year, count(*) from reports group by 1"):
        assert footers[str(year)].rstrip("≈") == f"{printed.get(year, 0)}/{n}"


@pytest.mark.slow
def test_table_has_one_row_per_report_with_its_rule_counts(seed_warehouse, seed_report):
    rows = parse(seed_report).xpath('//table[@id="report-table"]/tbody/tr')
    expected = {
        report_id: rest
        for report_id, *rest in query(
            seed_warehouse,
            "select report_id, report_year, coalesce(agency, 'unknown'), rules_passed, "
            "rules_failed, rules_not_assessable, failing_rules from mart_data_quality",
        )
    }
    assert len(rows) == len(expected) == 19
    for row in rows:
        year, agency, passed, failed, unassessable, failing = expected[row.get("data-report-id")]
        cells = row.xpath("./td")
        assert cells[0].text_content() == str(year)
        assert cells[1].text_content() == agency
        assert int(row.xpath('./td[contains(@class, "passed")]')[0].text) == passed
        assert int(row.xpath('./td[contains(@class, "failed")]')[0].text) == failed
        assert int(row.xpath('./td[contains(@class, "not-assessable")]')[0].text) == unassessable
        assert [a.text for a in row.xpath('./td[@class="rules"]/a')] == list(failing)
        assert ("inconsistent" in row.get("class")) == (failed > 0)


@pytest.mark.slow
def test_every_link_lands_on_the_failing_evaluations_it_names(seed_warehouse, seed_report):
    page = parse(seed_report)
    ids = Counter(page.xpath("//@id"))
    assert not [i for i, n in ids.items() if n > 1]
    targets = [href[1:] for href in page.xpath("//a/@href") if href.startswith("#")]
    assert targets and not [t for t in targets if t not in ids]

    failures = query(
        seed_warehouse,
        "select report_id, rule, lhs, rhs, delta from reconciliation where status = 'fail'",
    )
    checked = 0
    for row in page.xpath('//table[@id="report-table"]/tbody/tr'):
        report_id = row.get("data-report-id")
        # the failing rules, and the inspectors' findings beside them (not inconsistencies)
        for link in row.xpath('./td[@class="rules" or @class="findings"]/a'):
            (block,) = page.xpath(f'//*[@id="{link.get("href")[1:]}"]')
            assert block.get("data-rule") == link.text
            section = block.getparent()
            assert section.get("data-report-id") == report_id
            shown = Counter(
                tuple(e.xpath(f'.//b[@class="{side}"]')[0].text for side in ("lhs", "rhs", "delta"))
                for e in block.xpath('./div[@class="evaluation"]')
            )
            expected = Counter(
                tuple(format_number(v) for v in (lhs, rhs, delta))
                for rid, rule, lhs, rhs, delta in failures
                if rid == report_id and rule == link.text
            )
            assert shown == expected and sum(shown.values()) > 0
            checked += sum(shown.values())
    assert checked == len(failures)


@pytest.mark.slow
def test_source_lines_are_cited_and_quoted_from_the_raw_files(seed_warehouse, seed_report, raw_dir):
    page = parse(seed_report)
    decoded = {}
    cited = 0
    for row in page.xpath('//table[@class="lines"]//tr'):
        where = row.xpath('./td[@class="where"]//code')[0].text
        source_file, line = where.rsplit(":", 1)
        if source_file not in decoded:
            text, _, _ = decode_document(source_file, (raw_dir / source_file).read_bytes())
            decoded[source_file] = text.split("\n")
        (quote,) = row.xpath('.//span[@class="cited"]')
        number = quote.xpath('./span[@class="lineno"]')[0].text
        assert number == line
        assert quote.text_content()[len(number) :] == decoded[source_file][int(line) - 1]
        (link,) = row.xpath('./td[@class="where"]/a')
        assert Path(unquote(urlparse(link.get("href")).path)) == (raw_dir / source_file).resolve()
        cited += 1
    expected = query(
        seed_warehouse,
        "select count(*) from (select unnest(source_lines) from reconciliation "
        "where status = 'fail')",
    )[0][0]
    assert cited == expected > 0
    # the known break of `002` 2021 (DOMAIN.md): row (六)1 prints 自然人 3 but 总计 1
    assert "(六)其他处理 | 1.申请人无正当理由逾期不补正" in page.text_content()


@pytest.mark.slow
def test_without_a_raw_directory_lines_are_cited_not_quoted(seed_warehouse, tmp_path):
    out = write_report(seed_warehouse, out=tmp_path / "plain.html")
    page = parse(out)
    assert page.xpath('//table[@class="lines"]//td[@class="where"]//code')
    assert not page.xpath('//q[@class="source"]')
    assert "file://" not in out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_scraped_text_is_escaped(hostile):
    text = hostile.read_text(encoding="utf-8")
    assert HOSTILE not in text and "<img" not in text and "<i>odd</i>" not in text
    page = parse(hostile)
    assert len(page.xpath("//script")) == 1 and not page.xpath("//img | //b[text()='bold']")
    (row,) = page.xpath(f'//table[@id="report-table"]/tbody/tr[@data-report-id="{HOSTILE_REPORT}"]')
    assert row.xpath("./td")[1].text_content() == HOSTILE  # shown as text, whole
    (section,) = page.xpath(f'//section[@data-report-id="{HOSTILE_REPORT}"]')
    assert HOSTILE in section.xpath('.//p[@class="detail"]')[0].text_content()
    quoted = [q.text_content() for q in section.xpath('.//span[@class="cited"]')]
    assert "26" + HOSTILE_LINE in quoted
    assert bar_labels(page, "quarantine") == Counter(
        ["documents: binary_file: 2 rows", "statistics: <i>odd</i>: 1 row"]
    )
    assert ["statistics: <i>odd</i>"] in axis_labels(chart(page, "quarantine"))


@pytest.mark.slow
def test_an_empty_warehouse_gives_a_page_that_says_no_data(empty_report):
    page = parse(empty_report)
    for name in CHARTS:
        svg = chart(page, name)
        assert not bars(page, name)
        assert any(
            (t.text or "").startswith("no data") for t in svg.xpath('.//*[local-name()="text"]')
        )
    assert card(page, "reports") == 0 and card(page, "files") == 0
    assert "No reports in this warehouse" in page.text_content()
    assert "No run is recorded" in page.text_content()


# --- the queries of sql/report/ and the charts, without a pipeline run ---------------------------


def test_every_report_query_says_what_it_reads():
    queries = report_queries()
    assert {"last_runs", "data_quality", "files_in_warehouse", "request_totals"} <= set(queries)
    for variants in queries.values():
        assert all(q.tables for q in variants)
        weights = [q.weight for q in variants]
        assert weights == sorted(weights, reverse=True)  # the fullest reading is tried first


def test_the_fullest_query_a_warehouse_can_answer_is_chosen():
    with duckdb.connect() as con:
        warehouse = Warehouse(con)
        assert warehouse.rows("files_in_warehouse") is None  # no table: no answer
        assert warehouse.scalar("files_in_warehouse") == 0
        con.execute("create table quarantine (source_file varchar, stage varchar, reason varchar)")
        con.execute(
            "insert into quarantine values ('a.pdf', 'documents', 'binary_file'), (null, 'x', 'y')"
        )
        assert Warehouse(con).choose("files_in_warehouse").path.name == (
            "files_in_warehouse.quarantine_only.sql"
        )
        assert Warehouse(con).scalar("files_in_warehouse") == 1
        con.execute(
            "create table reports (report_id varchar, source_file varchar, report_year int, "
            "template varchar, line_start int, line_end int)"
        )
        con.execute("insert into reports values ('b.txt#2', 'b.txt', 2020, 'prose', 1, 9)")
        assert Warehouse(con).choose("files_in_warehouse").path.name == "files_in_warehouse.sql"
        assert Warehouse(con).scalar("files_in_warehouse") == 2  # a.pdf and b.txt
        # a column a variant needs: the warehouse before the inspectors' rules has none
        con.execute(
            "create table mart_data_quality (report_id varchar, report_year int, agency varchar, "
            "region varchar, template varchar, source_file varchar, rules_passed int, "
            "rules_failed int, rules_not_assessable int, failing_rules varchar[])"
        )
        con.execute(
            "insert into mart_data_quality values "
            "('b.txt#10', 2020, null, null, 'prose', 'b.txt', 1, 0, 0, []), "
            "('b.txt#2', 2020, null, null, 'prose', 'b.txt', 1, 1, 0, ['r'])"
        )
        assert Warehouse(con).choose("data_quality").path.name == (
            "data_quality.before_inspections.sql"
        )
        data = load_report_data(con)
    # ordered by the place in the file, not by the text of the id
    assert [r.report_id for r in data.reports] == ["b.txt#2", "b.txt#10"]
    assert [r.inspection_findings for r in data.reports] == [(), ()]
    assert data.files_in_warehouse == 2 and data.quarantined_rows == 2


def test_a_query_without_its_requirements_is_refused(tmp_path):
    (tmp_path / "orphan.sql").write_text("select 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="requires"):
        report_queries(tmp_path)


def test_a_chart_names_the_categories_and_series_it_was_given(tmp_path):
    data = crowded_data()
    page = lxml.html.fromstring(render_report(data, tmp_path))
    labels = bar_labels(page, "requests")
    assert sum(labels.values()) == len(data.requests) == 20 * len(REQUEST_SERIES)
    for (year, code), value in data.requests.items():
        (_, _, zh, en) = next(s for s in REQUEST_SERIES if s[0] == code)
        assert labels[f"{year} · {zh} {en} (sum over 1234 reports): {format_number(value)}"] == 1
    assert bar_labels(page, "rules") == Counter(
        f"{rule}: {failed:,} failed of 99,999 evaluations" for rule, failed, _ in data.rule_counts
    )
    assert bar_labels(page, "quarantine") == Counter(
        f"statistics: {reason}: {n:,} row{'s' if n != 1 else ''}"
        for _, reason, n in data.quarantine_reasons
    )
    templates = bar_labels(page, "templates")
    assert sum(templates.values()) == len(data.templates_by_year)
    assert "2007 新模板 new template 2021: 567" in templates  # 100 + (2007 * 37 + 8) % 900
    years = [lines[0] for lines in axis_labels(chart(page, "requests"))[:20]]
    assert years == [str(y) for y in range(2007, 2027)]
    footers = {lines[0]: lines[1] for lines in axis_labels(chart(page, "requests"))[:20]}
    assert footers["2018"] == "1234/1≈" and footers["2019"] == "1234/1"


def test_a_chart_without_data_says_so(tmp_path):
    data = ReportData(tables={"reports"})
    page = lxml.html.fromstring(render_report(data, tmp_path))
    for name in CHARTS:
        assert not bars(page, name)
    texts = {
        name: [t.text for t in chart(page, name).xpath('.//*[local-name()="text"]')]
        for name in CHARTS
    }
    assert "no data: mart_harmonised_metrics is not in this warehouse" in texts["requests"]
    assert "no data: no quarantine table in this warehouse" in texts["quarantine"]
    assert "no data: no rule evaluated" in texts["rules"]


@pytest.mark.slow
def test_a_warehouse_missing_optional_tables_still_gives_its_page(seed_warehouse, tmp_path):
    root = copy_warehouse(seed_warehouse, tmp_path / "older")
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        con.execute("drop table quarantine")
        con.execute("drop table mart_harmonised_metrics cascade")
        con.execute("alter table mart_data_quality drop column inspection_findings")
    page = parse(write_report(root))
    assert card(page, "reports") == 19 and card(page, "quarantined") == 0
    assert card(page, "files") == query(root, "select files_seen from runs limit 1")[0][0]
    assert len(page.xpath('//table[@id="report-table"]/tbody/tr')) == 19
    assert not page.xpath('//td[@class="findings"]/a')
    for name, message in [
        ("requests", "no data: mart_harmonised_metrics is not in this warehouse"),
        ("quarantine", "no data: no quarantine table in this warehouse"),
    ]:
        assert message in [t.text for t in chart(page, name).xpath('.//*[local-name()="text"]')]
    assert bars(page, "rules") and bars(page, "templates")


# --- a real browser ----------------------------------------------------------------------------


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    if not CHROMIUM.exists():
        pytest.skip(f"no browser at {CHROMIUM}; CI installs Debian's chromium (.ci/run)")
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            "--window-size=1280,4000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


def render(page: Path, workdir: Path) -> tuple[dict[str, dict], Path]:
    """(what the measuring script wrote for each chart, a 1280×4000 screenshot)."""
    profile = workdir / "profile"
    dom = chromium("--dump-dom", page.resolve().as_uri(), profile=profile).stdout
    png = workdir / "page.png"
    chromium(f"--screenshot={png}", page.resolve().as_uri(), profile=profile)
    tree = lxml.html.fromstring(dom)
    rendered = {
        figure.get("data-chart"): json.loads(figure.get("data-rendered"))
        for figure in tree.xpath("//figure[@data-rendered]")
    }
    return rendered, png


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def check_rendering(page_path: Path, workdir: Path) -> dict[str, dict]:
    from PIL import Image  # in the lock (matplotlib's); only this test decodes images

    page = parse(page_path)
    rendered, png = render(page_path, workdir)
    assert set(rendered) == set(CHARTS), "the measuring script did not run on every chart"
    image = Image.open(png).convert("RGB")
    assert image.size == (1280, 4000)
    for name in CHARTS:
        measured = rendered[name]
        static = bars(page, name)
        drawn = [b for b in static if min(bar_size(b)) > 0]
        assert measured["bars"] == len(static) and measured["drawn"] == len(drawn), name
        assert measured["outside"] == 0, f"{name}: text outside the chart"
        assert measured["overlaps"] == 0, f"{name}: labels overlap"
        assert measured["texts"] >= 2 and measured["width"] > 500, name
        left, top = round(measured["x"]), round(measured["y"])
        box = (left, top, left + round(measured["width"]), top + round(measured["height"]))
        assert box[3] <= image.size[1], f"{name} is below the screenshot"
        area = image.crop(box)
        colours = Counter({rgb: n for n, rgb in area.getcolors(area.size[0] * area.size[1])})
        expected: Counter = Counter()
        for b in drawn:
            width, height = bar_size(b)
            expected[hex_rgb(b.get("fill"))] += width * height
        for colour, pixels in expected.items():
            if pixels >= 20:  # a bar's inside is its exact colour; edges are anti-aliased
                assert colours[colour] >= 0.5 * pixels, f"{name}: bars of {colour} not painted"
        if drawn:
            assert measured["plot_width"] > 0 and measured["plot_height"] > 0
        else:
            white = colours[(255, 255, 255)] + colours[(250, 250, 250)]
            assert white > 0.9 * area.size[0] * area.size[1]
    return rendered


def test_chinese_fonts_are_installed():
    if not CHROMIUM.exists():
        pytest.skip(f"no browser at {CHROMIUM}; CI installs it with fonts-noto-cjk (.ci/run)")
    families = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto Sans CJK SC" in families, "install fonts-noto-cjk: Chinese labels would be boxes"


@pytest.mark.slow
def test_charts_render_in_a_browser(seed_report, tmp_path):
    rendered = check_rendering(seed_report, tmp_path)
    assert all(rendered[name]["drawn"] > 0 for name in ("requests", "rules", "templates"))
    assert rendered["quarantine"]["bars"] == 0  # the seeds quarantine nothing


@pytest.mark.slow
def test_hostile_page_renders_with_its_quarantine_chart(hostile, tmp_path):
    rendered = check_rendering(hostile, tmp_path)
    assert rendered["quarantine"]["drawn"] == 2


@pytest.mark.slow
def test_empty_page_renders(empty_report, tmp_path):
    rendered = check_rendering(empty_report, tmp_path)
    assert all(rendered[name]["bars"] == 0 for name in CHARTS)


def crowded_data() -> ReportData:
    """Twenty years, six-digit sums, long rule and reason names: the layout's worst case."""
    years = range(2007, 2027)
    data = ReportData(tables={"reports", "quarantine", "reconciliation", "mart_harmonised_metrics"})
    data.reports = [
        ReportRow(
            f"f{y}.txt#1", y, "某某县人民政府办公室", "某某县", "new_2021", f"f{y}.txt", 9, 0, 0, ()
        )
        for y in years
    ]
    for i, (year, (code, *_)) in enumerate(itertools.product(years, REQUEST_SERIES)):
        data.requests[(year, code)] = float((i * 7919) % 1_234_567)
    data.request_reports = {y: 1234 for y in years}
    data.request_approximate_years = {y for y in years if y < 2019}
    data.templates_by_year = {
        (y, t): float(100 + (y * 37 + len(t)) % 900) for y in years for t in TEMPLATES
    }
    data.rule_counts = [
        (f"some_family.a_rather_long_rule_name_{i}", i * 1000, 99_999) for i in range(12)
    ]
    data.quarantine_reasons = [("statistics", f"reason_{i}_{'x' * i}", 10**i) for i in range(7)]
    return data


@pytest.mark.slow
def test_crowded_charts_keep_their_labels_apart(tmp_path):
    page = tmp_path / "crowded.html"
    page.write_text(render_report(crowded_data(), tmp_path), encoding="utf-8")
    rendered = check_rendering(page, tmp_path)
    assert rendered["requests"]["bars"] == 20 * len(REQUEST_SERIES)
    assert rendered["templates"]["bars"] == 20 * len(TEMPLATES)


def test_a_raw_file_links_to_its_real_path(tmp_path):
    real = tmp_path / "real"
    (real / "site" / "a").mkdir(parents=True)
    (real / "site" / "a" / "r.txt").write_text("x", encoding="utf-8")
    (tmp_path / "elsewhere.txt").write_text("y", encoding="utf-8")
    (real / "site" / "link.txt").symlink_to(tmp_path / "elsewhere.txt")
    raw = tmp_path / "raw"
    raw.symlink_to(real)  # the raw directory itself reached through a link
    sources = SourceLines(raw)
    plain = (real / "site" / "a" / "r.txt").as_uri()
    assert sources.uri("site/a/r.txt") == plain
    assert sources.uri("site/a/r.txt") == plain  # the folder's resolution, kept
    assert sources.uri("site/link.txt") == (tmp_path / "elsewhere.txt").as_uri()
    assert sources.uri("site/a") is None  # a folder is no file
    assert sources.uri("site/missing.txt") is None
    assert SourceLines(None).uri("site/a/r.txt") is None
