"""The synthetic corpus generator: deterministic, described by its manifest, and read by the
real pipeline exactly as the manifest says, down to which reports fail which rules."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import polars as pl
import pytest

from pipeline.catalogue import DEFAULT_SCHEMAS_DIR, SCHEMAS_ENV
from pipeline.documents import decode_document
from pipeline.prose import extract_prose_figures
from pipeline.reconcile import reconcile
from pipeline.segment import make_report_id
from pipeline.text import split_lines
from tests.support.corpus import parse_corpus
from tools import synth
from tools.synth import Parameters, generate_corpus
from tools.synth.compose import compose
from tools.synth.draft import make_statements
from tools.synth.plans import plan_agencies
from tools.synth.render_text import render_text
from tools.synth.series import agency_drafts, present
from tools.synth.vocabulary import FEES_OLD, FILLER, SECRECY_NEGATIVE

ROOT = Path(__file__).resolve().parent.parent
# Report years the segmenter accepts end with the current year; the machine clock may lag.
LAST_YEAR = min(2025, dt.date.today().year)


def params(**shares: float) -> Parameters:
    return Parameters(last_year=LAST_YEAR, **shares)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- determinism ------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(tmp_path):
    first = generate_corpus(60, tmp_path / "a", seed=7, params=params())
    second = generate_corpus(60, tmp_path / "b", seed=7, params=params())
    other = generate_corpus(60, tmp_path / "c", seed=8, params=params())
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert first.reports == second.reports
    assert tree(tmp_path / "a") != tree(tmp_path / "c")
    assert [e.agency for e in first.reports] != [e.agency for e in other.reports]


def test_the_bytes_depend_neither_on_the_hash_seed_nor_on_the_worker_count(tmp_path):
    """Separate interpreters (string hashing differs) and one or two worker processes."""
    script = (
        "import sys; from pathlib import Path; from tools.synth import generate_corpus, "
        "Parameters; generate_corpus(150, Path(sys.argv[1]), seed=3, workers=int(sys.argv[2]), "
        f"params=Parameters(last_year={LAST_YEAR}))"
    )
    for name, hash_seed, workers in (("one", "1", "1"), ("two", "2", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / name), workers],
            check=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


# --- the manifest -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, synth.Manifest]:
    """A small corpus with high shares of breaks, GBK and HTML, so that one sample holds them
    all (the coverage test below says so)."""
    out = tmp_path_factory.mktemp("synth")
    manifest = generate_corpus(
        140, out, seed=2024, params=params(broken_share=0.12, gbk_share=0.15, html_share=0.12)
    )
    return out, manifest


def test_the_manifest_describes_every_file_and_report(corpus):
    out, manifest = corpus
    raw = out / "raw"
    on_disk = tree(raw)
    entries = manifest.reports
    assert len(entries) == manifest.totals["reports"] == 140
    assert manifest.path == out / "manifest.json"  # beside raw/, not in it
    assert {e.source_file for e in entries} == set(on_disk)
    assert manifest.totals["files"] == len(on_disk)
    assert manifest.totals["bytes"] == sum(len(data) for data in on_disk.values())
    ordinals: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        ordinals[entry.source_file].append(entry.ordinal)
        assert entry.report_id == make_report_id(entry.source_file, entry.ordinal)
        assert entry.html == entry.source_file.endswith((".html", ".htm"))
        assert entry.broken == bool(entry.expected_failures)
        assert set(entry.expected_failures) <= set(synth.RULES)
    assert all(o == list(range(1, len(o) + 1)) for o in ordinals.values())
    assert manifest.totals["reports_by_template"] == dict(Counter(e.template for e in entries))
    assert manifest.totals["broken_reports"] == sum(e.broken for e in entries)
    for name, data in on_disk.items():
        encoding = next(e.encoding for e in entries if e.source_file == name)
        if encoding == "gbk":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        assert data.decode("gb18030" if encoding == "gbk" else "utf-8")
    written = json.loads(manifest.path.read_text(encoding="utf-8"))
    assert written["seed"] == 2024
    assert written["totals"] == manifest.totals
    assert written["reports"] == [e.to_json() for e in entries]


def test_the_sample_holds_every_form(corpus):
    _, manifest = corpus
    entries = manifest.reports
    assert {e.template for e in entries} == set(synth.TEMPLATES)
    assert {e.encoding for e in entries} == {"utf-8", "gbk"}
    assert any(e.html for e in entries) and any(e.fullwidth for e in entries)
    assert any(e.agency is None for e in entries) and any(e.agency for e in entries)
    per_file = Counter(e.source_file for e in entries)
    assert max(per_file.values()) >= 5 and min(per_file.values()) == 1
    assert sum(e.broken for e in entries) >= 8
    assert {e.report_year for e in entries} >= {2018, 2019, 2020, 2021}


def test_html_pages_are_pages_with_chrome_and_a_declared_charset(corpus):
    out, manifest = corpus
    pages = [e for e in manifest.reports if e.html]
    for entry in pages:
        data = (out / "raw" / entry.source_file).read_bytes()
        head = data[:600].decode("ascii", errors="replace").lower()
        assert "charset=" in head and "<script" in head
        assert b"<table" in data or entry.template == "prose"
        _, encoding, _ = decode_document(entry.source_file, data)
        assert encoding == ("gb18030+html" if entry.encoding == "gbk" else "utf-8+html")


LAYOUTS = {
    # the old table (DOMAIN.md, template A)
    "one row per line": "统计指标 | 单位 | 统计数 |",
    "one cell per line": "统 计 指 标 |\n单位 |\n统计数 |",
    "a row split over two lines": re.compile(r"\n[^|\n]+\n\| [件条次人个] \| \d+ \|"),
    "header with placeholder cells": "| —— | |",
    "blank value": re.compile(r"\| (?:件|万元) \| \|"),
    "label with a note": "(不同渠道和方式公开相同信息计1条)",
    "wrapped word in a label": re.compile(
        r"\n[^|\n]*[\u4e00-\u9fff] [\u4e00-\u9fff][^|\n]* \| [件条次人个]"
    ),
    "Shandong rows": "5.其他形式 | 件",
    "Guizhou rows": "政务客户端公开政府信息数",
    "a heading printing its sum": re.compile(r"情况 \|\n\| \d+ \|"),
    # the new template (B and C)
    "wrapped header cell": "商业 企业",
    "group cell on a group's first row": "(三)不予公开 | 1.属于国家秘密",
    "2019 article-20 signed change": re.compile(r"\| [+-]\d+ \|"),
    "2019 article-20 inline units": re.compile(r"\d+\(次\) \| [\d.]+万元"),
    "truncated article-20 header": "本年新 | 对外公开 总数量",
    "2021 other-handling rows": "3.其他 |",
    "2019 other-handling row": re.compile(r"\(六\)其他处理 \| \d"),
    "table 4, three truncated header lines": "结果 | 结果 | 其他 | 尚未 | 总计",
    "table 4, two header lines": "行政复议 | 行政诉讼 |\n结果维持",
    # prose
    "approximate figure": re.compile(r"\d+余人次"),
    "negation: no requests": "没有收到",
    "negation: no cases": "未发生针对",
    # files
    "page chrome": "字号:\n大 中 小",
    "full-width text": "｜",
}


def test_every_layout_variant_appears(tmp_path):
    """Each layout DOMAIN.md lists is printed somewhere in a modest corpus."""
    manifest = generate_corpus(800, tmp_path, seed=9, params=params())
    texts = []
    for entry in {e.source_file: e for e in manifest.reports if not e.html}.values():
        data = (tmp_path / "raw" / entry.source_file).read_bytes()
        texts.append(data.decode("gb18030" if entry.encoding == "gbk" else "utf-8"))
    text = "\n".join(texts).replace("\r\n", "\n")
    missing = [
        name
        for name, marker in LAYOUTS.items()
        if not (marker.search(text) if isinstance(marker, re.Pattern) else marker in text)
    ]
    assert missing == []


# --- the real pipeline reads it -------------------------------------------------------------------


@pytest.fixture(scope="module")
def parsed(corpus) -> dict[str, pl.DataFrame]:
    out, _ = corpus
    tables = parse_corpus(out / "raw")
    tables["reconciliation"] = reconcile(
        tables["statistics"], tables["prose_figures"], tables["reports"]
    )
    return tables


def failing_rules(results: pl.DataFrame) -> dict[str, set[str]]:
    # The synthetic corpus breaks arithmetic on purpose; its publication dates and headings are
    # not drawn to meet the inspectors' rules (issue 16), which are tested on real reports.
    found: dict[str, set[str]] = defaultdict(set)
    arithmetic = (pl.col("status") == "fail") & ~pl.col("rule").str.starts_with("inspection.")
    for report_id, rule in results.filter(arithmetic).select("report_id", "rule").iter_rows():
        found[report_id].add(rule)
    return dict(found)


def test_the_pipeline_finds_every_report_with_its_year_template_and_agency(corpus, parsed):
    _, manifest = corpus
    found = {r["report_id"]: r for r in parsed["reports"].iter_rows(named=True)}
    assert set(found) == {e.report_id for e in manifest.reports}
    wrong = [
        (e.report_id, key, found[e.report_id][key], getattr(e, key))
        for e in manifest.reports
        for key in ("report_year", "template", "agency")
        if found[e.report_id][key] != getattr(e, key)
    ]
    assert wrong == []
    assert parsed["quarantine"].height == 0, parsed["quarantine"].select("report_id", "reason")


def test_exactly_the_broken_reports_fail_and_each_fails_its_listed_rules(corpus, parsed):
    _, manifest = corpus
    expected = {e.report_id: set(e.expected_failures) for e in manifest.reports if e.broken}
    assert failing_rules(parsed["reconciliation"]) == expected


def test_every_deliberate_break_is_flagged_and_never_makes_a_neighbour_fail(tmp_path):
    """Every report broken on purpose (kinds drawn at random): each fails a rule, a report
    left intact fails none, and the pipeline agrees rule by rule."""
    manifest = generate_corpus(60, tmp_path, seed=5, params=params(broken_share=1.0))
    altered = [e for e in manifest.reports if e.alteration]
    assert len(altered) >= 50
    assert all(e.broken == (e.alteration is not None) for e in manifest.reports)
    kinds = Counter(rule for e in manifest.reports for rule in e.expected_failures)
    assert len(kinds) >= 6, kinds
    tables = parse_corpus(tmp_path / "raw")
    results = reconcile(tables["statistics"], tables["prose_figures"], tables["reports"])
    expected = {e.report_id: set(e.expected_failures) for e in manifest.reports if e.broken}
    assert failing_rules(results) == expected
    assert tables["quarantine"].height == 0


# --- the generator's own parts --------------------------------------------------------------------


def test_sentences_read_back_as_the_figures_they_were_built_with():
    """Each report's statistics sentences, read by the prose reader, give exactly the figures
    (metric, value, approximate or not, part of which total) the generator meant."""
    rng = random.Random(1)
    checked = 0
    for plan in plan_agencies(rng, 400, params(), Path("unused")):
        plan_rng = random.Random(plan.seed)
        drafts = agency_drafts(plan_rng, plan.entity, plan.years)
        for draft in drafts:
            present(plan_rng, draft)
            make_statements(draft)
            blocks = compose(draft)
            lines = split_lines("\n".join(render_text(draft, blocks)))
            read = extract_prose_figures(lines, new_template=draft.template in synth.NEW_TEMPLATES)
            got = Counter((f.metric, f.value, f.qualifier == "approx", f.part_of) for f in read)
            meant = Counter(
                (f.metric, float(f.value), f.approx, f.part_of)
                for _, statement in draft.statements
                for f in statement.figures
            )
            assert got == meant, (draft.template, [s.text for _, s in draft.statements])
            checked += len(meant)
    assert checked > 1000


def test_filler_text_states_no_figure():
    """The paragraphs that pad reports out must never read as a statistic."""
    for pool, sentences in FILLER.items():
        for sentence in sentences:
            text = sentence.format(Y=2019, subj="全县", self="我局")
            for new in (False, True):
                assert extract_prose_figures(split_lines(text), new_template=new) == [], pool
    for sentence in (*FEES_OLD, SECRECY_NEGATIVE):
        text = sentence.format(Y=2016, self="我局")
        assert extract_prose_figures(split_lines(text)) == []


# The generator reads the catalogue: a copy of schemas/ (PIPELINE_SCHEMAS_DIR, read once per
# process, hence a subprocess) with one more child of 从事政府信息公开工作人员数.
NEW_CHILD = (
    '- {code: staff.volunteers, label: 志愿者人数, english: "Staff: volunteers", unit: 人, '
    "templates: [old_table, prose], table: old_table, parent: staff.total, "
    "context: org.section}\n"
)
READ_CATALOGUE = (
    "import json, sys; from pathlib import Path; from tools.synth import CHILDREN, RULES, "
    "Parameters, generate_corpus; "
    "manifest = generate_corpus(30, Path(sys.argv[1]), seed=4, "
    f"params=Parameters(last_year={LAST_YEAR})); "
    "print(json.dumps({'children': CHILDREN, 'rules': RULES, "
    "'reports': manifest.totals['reports']}))"
)


def schemas_copy(tmp_path: Path) -> Path:
    schemas = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS_DIR, schemas)
    return schemas


def run_with_schemas(schemas: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", READ_CATALOGUE, str(out)],
        cwd=ROOT,
        env={**os.environ, SCHEMAS_ENV: str(schemas)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_child_added_to_the_catalogue_is_a_child_in_the_generator(tmp_path):
    """No list in tools/synth says which metrics sum into which: a metric added with a
    `parent` to a copy of metrics.yaml is among the generator's children of that parent (the
    terms of its own old-table sum rule), and the generator still runs."""
    schemas = schemas_copy(tmp_path)
    assert "staff.volunteers" not in synth.CHILDREN["staff.total"]
    with (schemas / "metrics.yaml").open("a", encoding="utf-8") as catalogue:
        catalogue.write(NEW_CHILD)
    process = run_with_schemas(schemas, tmp_path / "corpus")
    assert process.returncode == 0, process.stderr[-3000:]
    found = json.loads(process.stdout)
    assert found["children"]["staff.total"] == [*synth.CHILDREN["staff.total"], "staff.volunteers"]
    assert {p: c for p, c in found["children"].items() if p != "staff.total"} == {
        p: list(c) for p, c in synth.CHILDREN.items() if p != "staff.total"
    }
    assert found["rules"] == list(synth.RULES)
    assert found["reports"] == 30


def test_a_modelled_rule_missing_from_the_catalogue_stops_the_generator(tmp_path):
    """The rules the generator predicts are named by their catalogue ids: renaming one in a
    copy of rules.yaml makes the generator refuse to start, naming it, rather than write a
    manifest that no longer matches the rules."""
    schemas = schemas_copy(tmp_path)
    rules = (schemas / "rules.yaml").read_text(encoding="utf-8")
    assert "  - id: requests.r1_balance\n" in rules
    renamed = rules.replace("  - id: requests.r1_balance\n", "  - id: requests.balance\n")
    (schemas / "rules.yaml").write_text(renamed, encoding="utf-8")
    process = run_with_schemas(schemas, tmp_path / "corpus")
    assert process.returncode != 0
    assert "LookupError" in process.stderr and "requests.r1_balance" in process.stderr
    assert not (tmp_path / "corpus").exists()


def test_a_large_corpus_is_fast(tmp_path):
    started = time.perf_counter()
    manifest = generate_corpus(3000, tmp_path, seed=1, params=params(), workers=1)
    elapsed = time.perf_counter() - started
    assert manifest.totals["reports"] == 3000
    # about 2 s on the development machine; 100,000 reports scale linearly
    assert elapsed < 30, elapsed
    sizes = [p.stat().st_size for p in (tmp_path / "raw").rglob("*.txt")]
    per_report = manifest.totals["bytes"] / manifest.totals["reports"]
    assert 3000 < per_report < 20000 and max(sizes) > 50000
