"""The HTML quality report: its numbers are the warehouse's, scraped text is escaped, every
link lands on its detail, it survives an empty warehouse, and its charts render in a real
browser (headless Chromium: the DOM after the page's measuring script ran, and a screenshot)."""

from __future__ import annotations

import hashlib
import itertools
import json
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
    SourceLines,
    format_number,
    line_owner,
    nice_ticks,
    quoted_lines,
    render_report,
    write_report,
)

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
    return chart(page, name).xpath('.//*[local-name()="rect"][@class="bar"]')


def card(page: lxml.html.HtmlElement, name: str) -> int:
    (element,) = page.xpath(f'//div[@class="card"][@data-card="{name}"]')
    return int(element.get("data-count"))


# --- pure functions ----------------------------------------------------------------------------


@pytest.mark.parametrize("maximum", [0, 0.5, 1, 2, 3, 7, 10, 99, 100, 101, 358, 12345])
def test_axis_ticks_start_at_zero_reach_the_maximum_in_round_steps(maximum):
    ticks = nice_ticks(maximum)
    assert ticks[0] == 0 and ticks[-1] >= maximum
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    (step,) = steps
    assert step >= 1 and f"{step:g}".lstrip("0.")[0] in "125"
    assert len(ticks) <= 7
    assert ticks[-1] - step < max(maximum, 1)  # no empty step above the data


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
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text
    assert "@import" not in text and "url(" not in text
    assert "Noto Sans CJK SC" in text


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
    drawn = {
        b.get("data-category"): float(b.get("data-value"))
        for b in bars(parse(seed_report), "rules")
    }
    failing = dict(
        query(
            seed_warehouse,
            "select rule, count(*) from reconciliation where status = 'fail' group by rule",
        )
    )
    assert failing  # the seeds break rules (DOMAIN.md)
    assert {rule: n for rule, n in drawn.items() if n} == failing
    assert set(drawn) == {
        r for (r,) in query(seed_warehouse, "select distinct rule from reconciliation")
    }


@pytest.mark.slow
def test_template_bars_count_reports_per_year(seed_warehouse, seed_report):
    drawn = {
        (b.get("data-category"), b.get("data-series")): float(b.get("data-value"))
        for b in bars(parse(seed_report), "templates")
    }
    expected = {
        (str(year), template): float(n)
        for year, template, n in query(
            seed_warehouse, "select report_year, template, count(*) from reports group by all"
        )
    }
    assert drawn == expected


@pytest.mark.slow
def test_request_bars_sum_the_harmonised_figures_printed(seed_warehouse, seed_report):
    page = parse(seed_report)
    drawn = {
        (b.get("data-category"), b.get("data-series")): float(b.get("data-value"))
        for b in bars(page, "requests")
    }
    expected = {
        (str(year), metric): total
        for year, metric, total in query(
            seed_warehouse,
            "select report_year, harmonised_metric, sum(value) from mart_harmonised_metrics "
            "where harmonised_metric in (select unnest(?)) and value is not null group by all",
            [REQUEST_CODES],
        )
    }
    assert expected and drawn == expected
    footers = {
        t.get("data-category"): t.text
        for t in chart(page, "requests").xpath('.//*[local-name()="text"][@class="footer"]')
    }
    printed = dict(
        query(
            seed_warehouse,
            "select report_year, count(distinct report_id) from mart_harmonised_metrics "
            "where harmonised_metric in (select unnest(?)) and value is not null group by 1",
            [REQUEST_CODES],
        )
    )
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
    assert {
        b.get("data-category"): float(b.get("data-value")) for b in bars(page, "quarantine")
    } == {
        "documents: binary_file": 2.0,
        "statistics: <i>odd</i>": 1.0,
    }


@pytest.mark.slow
def test_an_empty_warehouse_gives_a_page_that_says_no_data(empty_report):
    page = parse(empty_report)
    for name in CHARTS:
        svg = chart(page, name)
        assert not bars(page, name)
        assert "no data" in svg.xpath('.//*[local-name()="text"][@class="no-data"]')[0].text
    assert card(page, "reports") == 0 and card(page, "files") == 0
    assert "No reports in this warehouse" in page.text_content()
    assert "No run is recorded" in page.text_content()


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
        drawn = [b for b in static if float(b.get("width")) > 0 and float(b.get("height")) > 0]
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
            expected[hex_rgb(b.get("fill"))] += float(b.get("width")) * float(b.get("height"))
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
