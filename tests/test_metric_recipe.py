"""The metric recipe of CONTRIBUTING, proved from data alone.

A copy of `schemas/` with one more entry in `metrics.yaml` (with a `parent`) is named by
`PIPELINE_SCHEMAS_DIR`; `python -m pipeline run` on a hand-made report printing that row puts the
figure in `statistics` (Parquet and warehouse), the metric in the warehouse's `metrics` table,
and the parent's sum rule adds it in. No code and no other list is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline.catalogue import DEFAULT_SCHEMAS_DIR, SCHEMAS_ENV

pytestmark = pytest.mark.slow

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
    schemas = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS_DIR, schemas)
    with (schemas / "metrics.yaml").open("a", encoding="utf-8") as catalogue:
        catalogue.write(NEW_METRIC)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "hotline.txt").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "warehouse"

    command = ["run", "--raw-dir", str(raw), "--warehouse-dir", str(out), "--workers", "1"]
    process = subprocess.run(
        [sys.executable, "-m", "pipeline", *command],
        env={**os.environ, SCHEMAS_ENV: str(schemas)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-3000:]

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
