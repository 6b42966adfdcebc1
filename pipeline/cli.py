"""Command line: `python -m pipeline run | backfill | status | extract | export | problems |
dictionary | report` (the developers' synth, bench and score are `python -m tools`).

`run` materialises every asset over every year, in process and incrementally (files whose
sha256 and parser version are unchanged are not parsed again). `backfill --years 2010-2015`
re-extracts exactly those years and rebuilds the marts. Exit status 0 when the pipeline ran
(reports that break their own arithmetic do not make it fail); 1 or 2 with a message when the
pipeline itself could not run; with `--strict`, 3 when any report breaks a rule.
"""

# The docstring above is the `--help` text. This module is the command line: its arguments and
# each command's body; how `run` and `backfill` execute the job and turn its outcome into an
# exit status is `pipeline/execution.py`.

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from pipeline.accounting import account
from pipeline.defs.partitions import FORCE_TAG, MODE_TAG
from pipeline.defs.resources import DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE_DIR, PipelineStorage
from pipeline.dictionary import DEFAULT_OUTPUT as DEFAULT_DICTIONARY
from pipeline.dictionary import write_dictionary
from pipeline.execution import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    actionable_error,
    execute,
    say_what_ran,
    strict_status,
)
from pipeline.model import DOCUMENTS_SCHEMA, RUNS_SCHEMA
from pipeline.problems import write_problems
from pipeline.storage import WarehouseLayout, combine_quarantine, read_parquet, read_table
from pipeline.years import all_years, contiguous_ranges, parse_years

log = logging.getLogger("pipeline")


def _storage(args: argparse.Namespace) -> PipelineStorage | None:
    raw_dir = Path(args.raw_dir)
    if not raw_dir.is_dir():
        print(f"error: raw directory not found: {raw_dir}", file=sys.stderr)
        return None
    warehouse_dir = Path(args.warehouse_dir)
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    return PipelineStorage(
        raw_dir=str(raw_dir),
        warehouse_dir=str(warehouse_dir),
        workers=args.workers,
    )


def _run(args: argparse.Namespace) -> int:
    storage = _storage(args)
    if storage is None:
        return EXIT_USAGE
    years = all_years()
    status = execute(storage, years[0], years[-1], {MODE_TAG: "run"})
    if status != EXIT_OK:
        return status
    say_what_ran(storage)
    return strict_status(storage) if args.strict else EXIT_OK


def _backfill(args: argparse.Namespace) -> int:
    try:
        years = parse_years(args.years)
    except ValueError as error:
        print(f"error: --years: {error}", file=sys.stderr)
        return EXIT_USAGE
    storage = _storage(args)
    if storage is None:
        return EXIT_USAGE
    for first, last in contiguous_ranges(years):
        status = execute(storage, first, last, {MODE_TAG: "backfill", FORCE_TAG: "true"})
        if status != EXIT_OK:
            return status
    say_what_ran(storage)
    return strict_status(storage) if args.strict else EXIT_OK


def _status(args: argparse.Namespace) -> int:
    layout = WarehouseLayout(Path(args.warehouse_dir))
    if not layout.documents.exists():
        print(
            f"error: no pipeline output under {layout.root}: run the pipeline first",
            file=sys.stderr,
        )
        return EXIT_USAGE
    documents = read_parquet(layout.documents, DOCUMENTS_SCHEMA)
    reports = read_table(layout, "reports")
    statistics = read_table(layout, "statistics")
    quarantine = combine_quarantine(layout)
    encodings = documents.group_by("encoding").len().sort("encoding", nulls_last=True)
    templates = reports.group_by("template").len().sort("template")
    print(f"warehouse: {layout.root}")
    print(
        f"files: {documents.height} ("
        + ", ".join(f"{e or 'undecoded'} {n}" for e, n in encodings.iter_rows())
        + ")"
    )
    print(
        f"reports: {reports.height} in {reports['report_year'].n_unique()} years ("
        + ", ".join(f"{t} {n}" for t, n in templates.iter_rows())
        + f"); spam flagged in {int(reports['spam_detected'].sum() or 0)}"
    )
    print(f"statistics: {statistics.height} rows")
    print(f"quarantine: {quarantine.height} rows")
    reasons = quarantine.group_by("stage", "reason").len().sort("stage", "reason")
    for stage, reason, count in reasons.iter_rows():
        print(f"  {stage:<11} {reason:<22} {count}")
    ledger = account(layout)
    verdict = "BROKEN" if not ledger.holds else "INCOMPLETE" if not ledger.complete else "holds"
    print(
        f"accounting: {verdict}: {ledger.files} files = "
        f"{ledger.files_with_reports} with reports + {ledger.files_only_quarantined} only "
        f"quarantined ({ledger.files_unread} of them not readable) + "
        f"{len(ledger.files_pending)} pending; {ledger.table_rows_read} table "
        f"rows read = {ledger.table_rows_in_statistics} in statistics + "
        f"{ledger.table_rows_quarantined} quarantined"
    )
    for problem in [*ledger.files_lost, *ledger.table_rows_lost][:20]:
        print(f"  lost: {problem}")
    for folder in ledger.folders_unlisted[:20]:
        print(f"  not listed: {folder} (the folder cannot be read: its files are not counted)")
    runs = read_parquet(layout.runs, RUNS_SCHEMA)
    if runs.height:
        run = runs.row(-1, named=True)
        print(
            f"last run: {run['mode']} finished {run['finished_at']:%Y-%m-%d %H:%M:%S} UTC, "
            f"{run['files_parsed']} files parsed, {run['rule_failures']} rule failures"
        )
    return EXIT_OK if ledger.holds and ledger.complete else EXIT_FAILED


def _extract(args: argparse.Namespace) -> int:
    # Here, not above: the parser's matchers take most of a second to build at import.
    from pipeline.examine import examine_file, render_text, to_json

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return EXIT_USAGE
    examination = examine_file(path.name, path.read_bytes())
    sys.stdout.write(to_json(examination) + "\n" if args.json else render_text(examination))
    if examination.reports.is_empty():
        problems = examination.quarantine["message"].to_list()
        print(f"error: {path}: no report read: {'; '.join(problems)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _published_warehouse(warehouse_dir: Path) -> Path | None:
    """The warehouse.duckdb under `warehouse_dir`; None, with the error said, when there is none."""
    warehouse = WarehouseLayout(warehouse_dir).database
    if warehouse.is_file():
        return warehouse
    print(
        f"error: no warehouse.duckdb under {warehouse_dir}: run the pipeline first",
        file=sys.stderr,
    )
    return None


def _export(args: argparse.Namespace) -> int:
    from pipeline.export import export_workbook  # start-up time: loads xlsxwriter

    warehouse = _published_warehouse(Path(args.warehouse_dir))
    if warehouse is None:
        return EXIT_FAILED
    try:
        sheets = export_workbook(
            warehouse,
            Path(args.xlsx),
            raw_dir=Path(args.raw_dir) if args.raw_dir else None,
            year=args.year,
            region=args.region or None,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"workbook written to {args.xlsx}: {len(sheets)} sheets ({', '.join(sheets)})")
    return EXIT_OK


def _problems(args: argparse.Namespace) -> int:
    warehouse = _published_warehouse(Path(args.warehouse_dir))
    if warehouse is None:
        return EXIT_FAILED
    try:
        text = write_problems(
            warehouse,
            Path(args.raw_dir) if args.raw_dir else None,
            args.agency,
            year=args.year,
            fmt=args.format,
        )
    except LookupError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return EXIT_FAILED
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"problem list written to {args.out}")
    else:
        sys.stdout.write(text + "\n")
    return EXIT_OK


def _dictionary(args: argparse.Namespace) -> int:
    out = write_dictionary(Path(args.out))
    print(f"data dictionary written to {out}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from pipeline.report import write_report  # start-up time: Altair and vl-convert, one command

    warehouse_dir = Path(args.warehouse_dir)
    if _published_warehouse(warehouse_dir) is None:
        return EXIT_USAGE
    raw_dir = Path(args.raw_dir) if args.raw_dir else None
    out = write_report(warehouse_dir, raw_dir, Path(args.out) if args.out else None)
    print(f"quality report written to {out}")
    return EXIT_OK


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1 (`--workers 0` is an error, not a default)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="materialise everything, incrementally: raw files to DuckDB marts"
    )
    backfill = commands.add_parser(
        "backfill", help="re-extract the given years (e.g. 2010-2015, 2019) and rebuild the marts"
    )
    backfill.add_argument("--years", required=True, help="a year, a range a-b, or a list a,b-c")
    for command in (run, backfill):
        command.add_argument("--raw-dir", default=DEFAULT_RAW_DIR)
        command.add_argument("--warehouse-dir", default=DEFAULT_WAREHOUSE_DIR)
        command.add_argument(
            "--workers",
            type=positive_int,
            default=0,
            help="parser processes, at least 1 (default: one per CPU)",
        )
        command.add_argument(
            "--strict",
            action="store_true",
            help="also exit non-zero (3) when any report breaks a reconciliation rule",
        )
    run.set_defaults(handler=_run)
    backfill.set_defaults(handler=_backfill)
    status = commands.add_parser(
        "status", help="counts, quarantine reasons and the accounting invariant of a warehouse"
    )
    status.add_argument("--warehouse-dir", default=DEFAULT_WAREHOUSE_DIR)
    status.set_defaults(handler=_status)
    extract = commands.add_parser(
        "extract",
        help="parse one file and print its reports, figures, problems and failing rules "
        "(reads and writes no warehouse)",
    )
    extract.add_argument("file")
    extract.add_argument("--json", action="store_true", help="JSON instead of a table")
    extract.set_defaults(handler=_extract)
    export = commands.add_parser(
        "export", help="write an Excel workbook: a sheet per mart and the failing checks"
    )
    export.add_argument("--xlsx", required=True, help="the workbook to write")
    export.add_argument("--year", type=int, default=None, help="only this report year")
    export.add_argument(
        "--region", default="", help="only this division (6-digit code; 370000 = a province)"
    )
    problems = commands.add_parser(
        "problems", help="the list of problems to send back to one agency (in Chinese)"
    )
    problems.add_argument("--agency", required=True, help="agency_id, normalised or printed name")
    problems.add_argument("--year", type=int, default=None, help="only this report year")
    problems.add_argument("--format", choices=("text", "md", "html"), default="text")
    problems.add_argument("--out", default="", help="write to this file instead of stdout")
    for command in (export, problems):
        command.add_argument("--warehouse-dir", default=DEFAULT_WAREHOUSE_DIR)
        command.add_argument(
            "--raw-dir", default=DEFAULT_RAW_DIR, help="raw files, to quote the printed lines"
        )
    export.set_defaults(handler=_export)
    problems.set_defaults(handler=_problems)
    dictionary = commands.add_parser(
        "dictionary",
        help="write the data dictionary (docs/data_dictionary.md) from the dbt project in sql/",
    )
    dictionary.add_argument("--out", default=str(DEFAULT_DICTIONARY))
    dictionary.set_defaults(handler=_dictionary)
    report = commands.add_parser(
        "report", help="write a self-contained quality report (report.html) of a warehouse"
    )
    report.add_argument("--warehouse-dir", default=DEFAULT_WAREHOUSE_DIR)
    report.add_argument(
        "--raw-dir", default=DEFAULT_RAW_DIR, help="raw files, to quote source lines"
    )
    report.add_argument("--out", default="", help="default: WAREHOUSE_DIR/report.html")
    report.set_defaults(handler=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m pipeline`."""
    # Other libraries' INFO chatter (Dagster's instance set-up) stays off the terminal.
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    logging.getLogger("pipeline").setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except OSError as error:
        plain = actionable_error([f"{type(error).__name__}: {error}"])
        if plain is None:
            raise
        traceback.print_exc()
        print(plain, file=sys.stderr)
        return EXIT_FAILED
