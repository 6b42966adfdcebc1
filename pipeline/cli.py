"""Command line: `python -m pipeline run [--raw-dir DIR] [--warehouse-dir DIR]`.

`run` materialises every asset of the Definitions in process. Exit status 0 when the pipeline
ran (reports that break their own arithmetic do not make it fail); 1 or 2 with a message when
the pipeline itself could not run; with `--strict`, 3 when any report breaks a rule.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import dagster as dg

from pipeline.defs.resources import DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE_DIR, PipelineStorage
from pipeline.documents import decode_bytes
from pipeline.extract import extract_document
from pipeline.model import RECONCILIATION_SCHEMA
from pipeline.reconcile import FAILED
from pipeline.storage import read_parquet

log = logging.getLogger("pipeline")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_RULES_FAILED = 3


def _run(args: argparse.Namespace) -> int:
    from pipeline.definitions import pipeline_definitions

    raw_dir = Path(args.raw_dir)
    if not raw_dir.is_dir():
        print(f"error: raw directory not found: {raw_dir}", file=sys.stderr)
        return EXIT_USAGE
    warehouse_dir = Path(args.warehouse_dir)
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    storage = PipelineStorage(raw_dir=str(raw_dir), warehouse_dir=str(warehouse_dir))
    job = pipeline_definitions(storage).resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    failed_checks = [
        evaluation.check_name
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    ]
    if not result.success:
        print("error: the pipeline failed:", file=sys.stderr)
        for event in result.all_events:
            if event.is_failure and event.message:
                print(f"  {event.message}", file=sys.stderr)
        return EXIT_FAILED
    if failed_checks:
        print(f"error: contract checks failed: {', '.join(failed_checks)}", file=sys.stderr)
        return EXIT_FAILED
    print(f"warehouse written to {storage.layout.database}")
    if args.strict:
        results = read_parquet(storage.layout.file("reconciliation.parquet"), RECONCILIATION_SCHEMA)
        failures = results.filter(FAILED)
        if failures.height:
            print(
                f"strict: {failures.height} reconciliation rule(s) fail in "
                f"{failures['report_id'].n_unique()} report(s); see the `reconciliation` "
                "table",
                file=sys.stderr,
            )
            return EXIT_RULES_FAILED
    return EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return EXIT_USAGE
    text, _encoding, problem = decode_bytes(path.read_bytes())
    if text is None:
        print(f"error: {path}: {problem.message if problem else 'unreadable'}", file=sys.stderr)
        return EXIT_FAILED
    found = extract_document(path.name, text.replace("\r\n", "\n"))
    payload = [
        {
            "report": asdict(segmented.report),
            "sections": [asdict(section) for section in segmented.sections],
            "statistics": [asdict(figure) for figure in figures.statistics],
            "prose_figures": [asdict(figure) for figure in figures.prose],
            "rejected": [asdict(rejected) for rejected in figures.rejected],
        }
        for segmented, figures in found
    ]
    print(json.dumps(payload, ensure_ascii=False, indent=1))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="materialise everything: raw files to DuckDB marts")
    run.add_argument("--raw-dir", default=DEFAULT_RAW_DIR)
    run.add_argument("--warehouse-dir", default=DEFAULT_WAREHOUSE_DIR)
    run.add_argument(
        "--strict",
        action="store_true",
        help="also exit non-zero (3) when any report breaks a reconciliation rule",
    )
    run.set_defaults(handler=_run)
    extract = commands.add_parser("extract", help="print the reports and figures of one file")
    extract.add_argument("file")
    extract.set_defaults(handler=_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m pipeline`."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
