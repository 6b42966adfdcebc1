"""The analysts' notebook: it runs headless against a warehouse built from the seeds, and it is
committed without outputs.

The kernel is the interpreter running the tests (the project venv after `uv sync --frozen`), through
a kernel spec written into a temporary directory, so nothing is installed into a user's Jupyter
directories and a clean CI checkout needs no `ipykernel install`.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import dagster as dg
import duckdb
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from pipeline_runs import materialize

from pipeline.defs.resources import PipelineStorage
from pipeline.documents import decode_document

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore_warehouse.ipynb"
KERNEL_NAME = "gov-info-reports-venv"


def kernel_manager(tmp: Path) -> KernelManager:
    """A kernel of this very interpreter, found through a spec that lives in `tmp` only."""
    spec_dir = tmp / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "project venv",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return KernelManager(
        kernel_name=KERNEL_NAME,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp / "kernels")]),
        connection_file=str(tmp / "connection.json"),
    )


def kernel_env(tmp: Path, **settings: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # A backend forced from outside (Agg) would swallow the inline images.
        if key not in {"MPLBACKEND", "PIPELINE_WAREHOUSE", "PIPELINE_WAREHOUSE_DIR"}
    }
    env["IPYTHONDIR"] = str(tmp / "ipython")
    env.update(settings)
    return env


def execute(notebook: nbformat.NotebookNode, tmp: Path, **settings: str) -> None:
    km = kernel_manager(tmp)
    client = NotebookClient(
        notebook,
        km=km,
        timeout=300,
        # Jupyter starts a kernel in the notebook's folder; the default path is relative to it.
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    try:
        client.execute(env=kernel_env(tmp, **settings))
    finally:
        # nbclient leaves a kernel it was handed running, even after a failing cell.
        if km.has_kernel:
            km.shutdown_kernel(now=True)


def cell(notebook: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    (found,) = [c for c in notebook.cells if tag in c.metadata.get("tags", [])]
    return found


def outputs_of(found: nbformat.NotebookNode, mime: str) -> str:
    return "\n".join(o["data"][mime] for o in found.outputs if mime in o.get("data", {}))


def stream_of(found: nbformat.NotebookNode, name: str = "stdout") -> str:
    return "".join(o.text for o in found.outputs if o.output_type == "stream" and o.name == name)


# --- the committed file ----------------------------------------------------------------------


def test_committed_notebook_has_no_outputs_and_no_execution_counts():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert code_cells
    dirty = [c.id for c in code_cells if c.outputs or c.execution_count is not None]
    assert dirty == [], f"clear the outputs of {dirty} before committing"


def test_notebook_opens_the_warehouse_read_only_and_takes_its_path_from_the_environment():
    setup = "\n".join(
        c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"
    )
    assert "read_only=True" in setup
    assert "PIPELINE_WAREHOUSE" in setup
    assert "../data/warehouse/warehouse.duckdb" in setup


def test_missing_warehouse_stops_with_a_message_that_says_to_run_make_run(tmp_path: Path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells = [c for c in notebook.cells if c.id == "setup"]
    with pytest.raises(CellExecutionError) as raised:
        execute(notebook, tmp_path, PIPELINE_WAREHOUSE=str(tmp_path / "absent.duckdb"))
    # ename/evalue are the exception itself (str() would also quote the cell's source).
    assert raised.value.ename == "FileNotFoundError"
    assert "`make run` first" in raised.value.evalue
    assert str(tmp_path / "absent.duckdb") in raised.value.evalue


# --- executed against a warehouse built from the seeds ----------------------------------------


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("warehouse")
    result = materialize(PipelineStorage(raw_dir=str(raw_dir), warehouse_dir=str(root), workers=1))
    assert result.success
    errors = [
        e for e in result.get_asset_check_evaluations() if e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert all(e.passed for e in errors), [e.check_name for e in errors if not e.passed]
    return root / "warehouse.duckdb"


@pytest.fixture(scope="module")
def executed(
    warehouse_file: Path, raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> nbformat.NotebookNode:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    execute(
        notebook,
        tmp_path_factory.mktemp("kernel"),
        PIPELINE_WAREHOUSE=str(warehouse_file),
        PIPELINE_RAW_DIR=str(raw_dir),
    )
    return notebook


def query(warehouse_file: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse_file), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.slow
def test_notebook_runs_every_cell_and_draws_both_charts(executed: nbformat.NotebookNode):
    code_cells = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code_cells)
    assert not [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    for tag in ("trend_chart", "compare_chart"):
        assert outputs_of(cell(executed, tag), "image/png"), f"{tag} drew no image"


@pytest.mark.slow
def test_no_chart_label_is_drawn_as_empty_boxes(executed: nbformat.NotebookNode):
    # Matplotlib warns once per glyph the font lacks: that glyph is drawn as a box (tofu).
    stderr = "".join(stream_of(c, "stderr") for c in executed.cells if c.cell_type == "code")
    assert "missing from font" not in stderr


@pytest.mark.slow
def test_trend_follows_the_agency_with_the_most_report_years(
    executed: nbformat.NotebookNode, warehouse_file: Path
):
    ((key, years, first, last),) = query(
        warehouse_file,
        """
        select coalesce(agency, source_file) as k, count(distinct report_year), min(report_year),
            max(report_year)
        from reports
        group by k
        order by 2 desc, count(*) desc, k
        limit 1
        """,
    )
    # The seeds: one scraped website (002) holds 15 yearly reports of 天桥区 that name no agency.
    assert key.startswith("002_") and (years, first, last) == (15, 2008, 2022)
    choose = cell(executed, "trend_table")
    assert f"[{key}]: {years} years of reports, {first}-{last}" in stream_of(choose)
    assert "天桥区" in stream_of(choose)
    table = outputs_of(choose, "text/html")
    report_ids = query(
        warehouse_file,
        "select report_id from reports where coalesce(agency, source_file) = ?",
        [key],
    )
    assert len(report_ids) == years
    assert all(report_id in table for (report_id,) in report_ids)
    assert f"shape: ({years}, " in table


@pytest.mark.slow
def test_comparison_table_has_one_row_per_agency(
    executed: nbformat.NotebookNode, warehouse_file: Path
):
    keys = query(warehouse_file, "select distinct coalesce(agency, source_file) from reports")
    table = outputs_of(cell(executed, "compare_table"), "text/html")
    assert f"shape: ({len(keys)}, " in table
    assert all(key in table for (key,) in keys)


@pytest.mark.slow
def test_failing_reports_and_their_rules_are_listed(
    executed: nbformat.NotebookNode, warehouse_file: Path
):
    inconsistent = query(
        warehouse_file, "select report_id from mart_data_quality where not is_consistent"
    )
    assert inconsistent  # the seeds break rules (DOMAIN.md); the notebook must show them
    listed = outputs_of(cell(executed, "inconsistent"), "text/html")
    assert all(report_id in listed for (report_id,) in inconsistent)
    failures = query(
        warehouse_file, "select distinct report_id, rule from reconciliation where status = 'fail'"
    )
    why = outputs_of(cell(executed, "failures"), "text/html")
    rows = query(warehouse_file, "select count(*) from reconciliation where status = 'fail'")
    assert f"shape: ({rows[0][0]}, " in why
    assert all(report_id in why and rule in why for report_id, rule in failures)


@pytest.mark.slow
def test_source_lines_of_a_failure_are_printed_as_the_file_has_them(
    executed: nbformat.NotebookNode, raw_dir: Path, warehouse_file: Path
):
    printed = stream_of(cell(executed, "source_lines"))
    report_id = printed.split()[0]
    ((source_file,),) = query(
        warehouse_file, "select source_file from reports where report_id = ?", [report_id]
    )
    text, _, _ = decode_document(source_file, (raw_dir / source_file).read_bytes())
    lines = (text or "").split("\n")
    shown = re.findall(r"^\s*(\d+) \| (.*)$", printed, flags=re.MULTILINE)
    assert shown
    assert all(lines[int(number) - 1] == content for number, content in shown)
