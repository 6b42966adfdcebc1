"""The developers' tools: `python -m tools synth | bench | score`.

Not part of the product (not in the wheel): `synth` writes a synthetic corpus, `bench` runs the
whole pipeline on one and times every stage, `score` measures how well real reports are read.
They use the pipeline through its public entry points; the pipeline never imports them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline.cli import positive_int
from pipeline.execution import EXIT_OK, EXIT_RULES_FAILED, EXIT_USAGE
from tools.bench import RESULTS_CSV, append_result, render, run_benchmark


def _synth(args: argparse.Namespace) -> int:
    from tools.synth import generate_corpus  # start-up time: a large module, one command

    if args.reports < 1:
        print("error: --reports must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    manifest = generate_corpus(args.reports, Path(args.out), args.seed)
    broken = sum(1 for entry in manifest.reports if entry.broken)
    print(
        f"{len(manifest.reports):,} reports written to {Path(args.out) / 'raw'}; "
        f"{broken} broken on purpose, listed in {manifest.path}"
    )
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    if args.reports < 1:
        print("error: --reports must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    result = run_benchmark(
        args.reports,
        workers=args.workers or None,
        seed=args.seed,
        work_dir=Path(args.work_dir) if args.work_dir else None,
        keep=bool(args.work_dir),
        corpus_from=[Path(folder) for folder in args.corpus],
    )
    sys.stdout.write(render(result))
    if not args.no_record:
        results = Path(args.results) if args.results else RESULTS_CSV
        append_result(result, results)
        print(f"result appended to {results}")
    return EXIT_OK if result.manifest_ok else EXIT_RULES_FAILED


def _score(args: argparse.Namespace) -> int:
    # Here, not above: the parser's matchers take most of a second to build at import.
    from tools.score import (
        render_labelled,
        render_unlabelled,
        score_labelled,
        score_unlabelled,
    )

    if args.unlabelled:
        folder = Path(args.unlabelled)
        if not folder.is_dir():
            print(f"error: no such directory: {folder}", file=sys.stderr)
            return EXIT_USAGE
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        files = [p for p in files if p.suffix.lower() not in {".md", ".json"}]
        unlabelled = score_unlabelled(files, folder)
        sys.stdout.write(
            json.dumps(unlabelled.as_dict(), ensure_ascii=False, indent=1) + "\n"
            if args.json
            else render_unlabelled(unlabelled)
        )
        return EXIT_OK
    if not args.expected or not args.raw_dir:
        print(
            "error: score needs --expected DIR and --raw-dir DIR, or --unlabelled DIR",
            file=sys.stderr,
        )
        return EXIT_USAGE
    expected, raw = Path(args.expected), Path(args.raw_dir)
    for folder in (expected, raw):
        if not folder.is_dir():
            print(f"error: no such directory: {folder}", file=sys.stderr)
            return EXIT_USAGE
    keys = Path(args.keys) if args.keys else None
    labelled = score_labelled(expected, raw, keys)
    sys.stdout.write(
        json.dumps(labelled.as_dict(), ensure_ascii=False, indent=1) + "\n"
        if args.json
        else render_labelled(labelled)
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser(
        "score",
        help="how well real reports are read: against hand-read values (--expected, --raw-dir) "
        "or label-free rates over a folder (--unlabelled)",
    )
    score.add_argument("--expected", default="", help="folder of <slug>.json hand-read values")
    score.add_argument("--raw-dir", default="", help="folder of the raw <slug>.* files")
    score.add_argument("--keys", default="", help="keys.json (default: beside or above --expected)")
    score.add_argument("--unlabelled", default="", help="folder of raw files without labels")
    score.add_argument("--json", action="store_true", help="totals as JSON")
    score.set_defaults(handler=_score)
    synth = commands.add_parser(
        "synth", help="write a synthetic corpus of N reports and a manifest of the broken ones"
    )
    synth.add_argument("--reports", type=int, required=True)
    synth.add_argument("--out", required=True, help="writes OUT/raw/ and OUT/manifest.json")
    synth.add_argument("--seed", type=int, default=0)
    synth.set_defaults(handler=_synth)
    bench = commands.add_parser(
        "bench", help="generate a corpus, run the whole pipeline on it, time every stage"
    )
    bench.add_argument("--reports", type=int, required=True)
    bench.add_argument(
        "--workers", type=positive_int, default=0, help="at least 1 (default: one per CPU)"
    )
    bench.add_argument("--seed", type=int, default=0)
    bench.add_argument(
        "--corpus",
        action="append",
        default=[],
        metavar="DIR",
        help="copy the real pages of DIR (repeatable) to N reports instead of a synthetic corpus",
    )
    bench.add_argument("--work-dir", default="", help="keep corpus and warehouse here")
    bench.add_argument("--results", default="", help="CSV to append to")
    bench.add_argument("--no-record", action="store_true", help="do not append to the CSV")
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m tools`."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
