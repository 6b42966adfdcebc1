"""The recipes of CONTRIBUTING ("How to add…"), each proved from data alone.

Each test edits a copy of `schemas/` named by `PIPELINE_SCHEMAS_DIR` (the catalogue is read once
per process, so the pipeline runs in a subprocess) and runs the public commands on a hand-made
report; no code and no other list is touched:
- a metric: one more entry in `metrics.yaml` (with a `parent`): `run` puts the figure in
  `statistics` (Parquet and warehouse), the metric in the warehouse's `metrics` table, and the
  parent's sum rule adds it in;
- a layout variant: header words in `layouts.yaml`: `extract` reads a table it quarantined
  before, this year's column and the cumulative one apart;
- a rule of an existing kind: one entry in `rules.yaml`: `run` evaluates it on every report and
  `problems` words its failure with the entry's own text.
The mart recipe is proved in `tests/test_warehouse.py` (`test_the_mart_recipe_…`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import duckdb
import polars as pl
import pytest

from pipeline.catalogue import DEFAULT_SCHEMAS_DIR, SCHEMAS_ENV

pytestmark = pytest.mark.slow


def copy_of_schemas(tmp_path: Path) -> Path:
    schemas = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS_DIR, schemas)
    return schemas


def pipeline_command(schemas: Path | None, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m pipeline ARGUMENTS` with the catalogue at `schemas` (the repository's if None)."""
    env = dict(os.environ)
    env.pop(SCHEMAS_ENV, None)
    if schemas is not None:
        env[SCHEMAS_ENV] = str(schemas)
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def run_pipeline(schemas: Path, raw: Path, out: Path) -> None:
    command = ["run", "--raw-dir", str(raw), "--warehouse-dir", str(out), "--workers", "1"]
    process = pipeline_command(schemas, *command)
    assert process.returncode == 0, process.stderr[-3000:]


NEW_METRIC = (
    "- {code: apply.channel.hotline, label: 热线电话申请数, "
    'english: "Requests received: hotline", unit: 件, templates: [old_table], '
    "table: old_table, parent: apply.received, context: request.section}\n"
)
# An old-table report: 6 requests received, 1 + 2 in person and online, and 3 by hotline, a
# channel the repository's catalogue does not know.
REPORT = """\
某某县人民政府2016年政府信息公开工作年度报告
一、概述
本年度我县认真贯彻落实政府信息公开条例。
二、政府信息公开情况统计表
统计指标 | 单位 | 统计数 |
三、依申请公开情况 | —— | |
(一)收到申请数 | 件 | 6 |
1.当面申请数 | 件 | 1 |
2.网络申请数 | 件 | 2 |
3.热线电话申请数 | 件 | 3 |
三、存在的问题
无。
"""
HOTLINE_LINE = 10


def test_a_metric_added_to_a_copy_of_schemas_is_read_stored_and_summed(tmp_path: Path):
    assert "apply.channel.hotline" not in (DEFAULT_SCHEMAS_DIR / "metrics.yaml").read_text(
        encoding="utf-8"
    )
    schemas = copy_of_schemas(tmp_path)
    with (schemas / "metrics.yaml").open("a", encoding="utf-8") as catalogue:
        catalogue.write(NEW_METRIC)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "hotline.txt").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "warehouse"
    run_pipeline(schemas, raw, out)

    statistics = pl.read_parquet(out / "parquet" / "statistics" / "report_year=2016")
    hotline = statistics.filter(pl.col("metric") == "apply.channel.hotline")
    assert hotline.select("value", "value_kind", "source_line", "label_raw").to_dicts() == [
        {
            "value": 3.0,
            "value_kind": "number",
            "source_line": HOTLINE_LINE,
            "label_raw": "3.热线电话申请数",
        }
    ]
    quarantine = pl.read_parquet(out / "parquet" / "quarantine.parquet")
    assert quarantine.height == 0, quarantine.to_dicts()

    reconciliation = pl.read_parquet(out / "parquet" / "reconciliation" / "report_year=2016")
    parent_sum = reconciliation.filter(
        (pl.col("rule") == "old_table.parent_sum") & (pl.col("subject") == "apply.received")
    ).to_dicts()
    assert len(parent_sum) == 1
    assert parent_sum[0]["status"] == "pass"
    assert (parent_sum[0]["lhs"], parent_sum[0]["rhs"]) == (6.0, 6.0)  # 1 + 2 + 3
    assert "apply.channel.hotline" in parent_sum[0]["metrics"]
    assert HOTLINE_LINE in parent_sum[0]["source_lines"]

    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "select parent from metrics where code = 'apply.channel.hotline'"
        ).fetchall() == [("apply.received",)]
        assert con.execute(
            "select value from statistics where metric = 'apply.channel.hotline'"
        ).fetchall() == [(3.0,)]


# An old table whose value columns are headed 本期数 (this year) and 累积数 (cumulative): words the
# repository's layouts do not know, so the rows have two values for one known column.
VARIANT_REPORT = """\
某某县统计局2015年政府信息公开工作年度报告
一、概述
本年度我局认真贯彻落实政府信息公开条例。
二、政府信息公开情况统计表
指标 | 计量单位 | 本期数 | 累积数 |
一、主动公开情况 | —— | | |
(一)主动公开政府信息数 | 条 | 120 | 900 |
三、依申请公开情况 | —— | | |
(一)收到申请数 | 件 | 6 | 40 |
1.当面申请数 | 件 | 1 | 10 |
2.网络申请数 | 件 | 5 | 30 |
三、存在的问题
无。
"""


def extracted(schemas: Path | None, path: Path) -> dict[str, Any]:
    process = pipeline_command(schemas, "extract", "--json", str(path))
    assert process.returncode == 0, process.stderr[-3000:]
    (report,) = json.loads(process.stdout)["reports"]
    return cast("dict[str, Any]", report)


def test_a_layout_variant_added_to_a_copy_of_schemas_reads_the_table_it_quarantined(
    tmp_path: Path,
):
    page = tmp_path / "variant.txt"
    page.write_text(VARIANT_REPORT, encoding="utf-8")

    # unknown beats wrong: without the variant, no value is taken for this year's
    before = extracted(None, page)
    assert before["statistics"] == []
    assert {(row["reason"], row["source_line"]) for row in before["quarantine"]} == {
        ("row_shape", line) for line in (7, 9, 10, 11)
    }

    schemas = copy_of_schemas(tmp_path)
    layouts = schemas / "layouts.yaml"
    text = layouts.read_text(encoding="utf-8")
    for role, word in (("this_year", "本期数"), ("cumulative", "累积数")):
        assert f"    {role}: [" in text
        text = text.replace(f"    {role}: [", f"    {role}: [{word}, ", 1)
    layouts.write_text(text, encoding="utf-8")

    after = extracted(schemas, page)
    assert after["quarantine"] == []
    rows = {
        (row["metric"], row["dimension"]): (row["value"], row["source_line"])
        for row in after["statistics"]
    }
    assert rows == {
        ("proactive.total", "total"): (120.0, 7),
        ("proactive.total", "cumulative"): (900.0, 7),
        ("apply.received", "total"): (6.0, 9),
        ("apply.received", "cumulative"): (40.0, 9),
        ("apply.channel.in_person", "total"): (1.0, 10),
        ("apply.channel.in_person", "cumulative"): (10.0, 10),
        ("apply.channel.online", "total"): (5.0, 11),
        ("apply.channel.online", "cumulative"): (30.0, 11),
    }


# A balance rule an oversight office might add: every request received was answered.
NEW_RULE = """
  - id: old_table.received_equals_answered
    scope: report
    kind: balance
    formula: "old table: 收到申请数 = 申请答复数 (a rule added in a test)"
    problem_zh: "统计表收到申请数为 {lhs}，申请答复数为 {rhs}，相差 {delta}。"
    fix_zh: "核对收到申请数和申请答复数。"
    subject: apply.received
    dimensions: [total]
    lhs: [apply.received]
    rhs: [apply.answered]
"""
ANSWERED_REPORT = """\
某某县{agency}2016年政府信息公开工作年度报告
一、概述
本年度认真贯彻落实政府信息公开条例。
二、政府信息公开情况统计表
统计指标 | 单位 | 统计数 |
三、依申请公开情况 | —— | |
(一)收到申请数 | 件 | 6 |
(二)申请答复数 | 件 | {answered} |
三、存在的问题
无。
"""


def test_a_rule_of_an_existing_kind_added_to_a_copy_of_schemas_runs_on_every_report(
    tmp_path: Path,
):
    schemas = copy_of_schemas(tmp_path)
    with (schemas / "rules.yaml").open("a", encoding="utf-8") as rules:
        rules.write(NEW_RULE)
    raw = tmp_path / "raw"
    raw.mkdir()
    for agency, answered in (("统计局", 6), ("审计局", 5)):
        page = ANSWERED_REPORT.format(agency=agency, answered=answered)
        (raw / f"{agency}.txt").write_text(page, encoding="utf-8")
    out = tmp_path / "warehouse"
    run_pipeline(schemas, raw, out)

    reconciliation = pl.read_parquet(out / "parquet" / "reconciliation" / "report_year=2016")
    rows = (
        reconciliation.filter(pl.col("rule") == "old_table.received_equals_answered")
        .sort("report_id")
        .select("report_id", "subject", "status", "lhs", "rhs", "source_lines")
        .rows()
    )
    assert rows == [
        ("审计局.txt#1", "apply.received", "fail", 6.0, 5.0, [7, 8]),
        ("统计局.txt#1", "apply.received", "pass", 6.0, 6.0, [7, 8]),
    ]

    problems = pipeline_command(
        schemas, "problems", "--agency", "某某县审计局", "--warehouse-dir", str(out)
    )
    assert problems.returncode == 0, problems.stderr[-3000:]
    assert "统计表收到申请数为 6，申请答复数为 5，相差 1。" in problems.stdout
    assert "核对收到申请数和申请答复数。" in problems.stdout
