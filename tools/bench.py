"""The benchmark: a synthetic corpus through the whole pipeline, timed stage by stage.

`run_benchmark` generates N reports with `tools.synth` (or copies real pages to N reports with
`tools.replicate`), measures a floor (plain Python reading, decoding and splitting the same
files into lines and cells with one regular expression, in as many processes as the pipeline
uses), runs the Dagster job over every year exactly as `python -m pipeline run` does, in a
fresh process of its own, and reports wall time per stage, reports/s and MB/s of the parse
stage (raw files to Parquet: the inventory and the year partitions), its ratio to the floor,
and the peak memory of that process's tree (sampled from /proc). Then it checks the warehouse
against the corpus: on the synthetic one, every deliberately broken report fails exactly its
listed rules and no other report fails any; on copies of real pages, every copy reads as its
first round's copy. A row goes to benchmarks/results.csv.

Nothing here asserts a time; benchmarks/README.md says what the targets are.
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipeline.allocator import prepare_environment
from pipeline.defs.partitions import MODE_TAG, range_tags
from pipeline.defs.resources import PipelineStorage
from pipeline.pool import default_workers
from pipeline.storage import WarehouseLayout
from pipeline.years import all_years
from tools.replicate import check_copies, replicate_corpus

ROOT = Path(__file__).resolve().parent.parent
RESULTS_CSV = ROOT / "benchmarks" / "results.csv"
_CELL = re.compile(r"\s*\|\s*")
# Dagster step keys of the job, in order, and the stage each belongs to.
STAGES = {
    "documents": "inventory",
    "parse_years": "parse_years",
    "reconciliation": "reconciliation",
    "warehouse": "warehouse",
}


@dataclass
class BenchResult:
    """One benchmark run: what was measured and whether the corpus checks held."""

    started_at: str
    git_revision: str
    corpus: str  # `synthetic`, or `real` (copies of real pages, `tools.replicate`)
    reports: int
    files: int
    megabytes: float
    workers: int
    cpus: int
    synth_s: float
    floor_s: float
    inventory_s: float
    parse_years_s: float
    reconciliation_s: float
    warehouse_s: float
    end_to_end_s: float
    parse_stage_s: float
    floor_ratio: float
    reports_per_s: float
    mb_per_s: float
    peak_rss_mb: float
    peak_pss_mb: float
    peak_inventory_mb: float
    peak_parse_years_mb: float
    peak_reconciliation_mb: float
    peak_warehouse_mb: float
    reports_found: int
    broken_expected: int
    broken_flagged: int
    manifest_ok: bool
    problems: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        """The CSV row (problems joined, floats rounded)."""
        record = asdict(self)
        record["problems"] = "; ".join(self.problems)[:500]
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in record.items()}


def git_revision() -> str:
    """The checked-out commit (with `+dirty` when the tree has changes), or `unknown`."""
    try:
        revision = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return revision + ("+dirty" if dirty else "")


# ---------------------------------------------------------------------------- the floor


def _floor_job(path: str) -> int:
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    return sum(len(_CELL.split(line)) for line in text.splitlines())


def measure_floor(paths: list[Path], workers: int) -> tuple[float, int]:
    """Seconds to read, decode and split every file into lines and cells; cells seen.

    Measured in this process, then divided by `workers`: the floor is what `workers` processes
    would take if they shared the work perfectly, with no start-up cost. That is a floor the
    parse stage (which pays for starting its processes) can only approach.
    """
    started = time.perf_counter()
    cells = sum(_floor_job(str(path)) for path in paths)
    return (time.perf_counter() - started) / max(1, workers), cells


# ---------------------------------------------------------------------------- memory


def _proportional_bytes(pid: int, resident: int) -> int:
    """A process's proportional set size (PSS: each page it shares counted as its share), from
    /proc/PID/smaps_rollup; its resident size where that cannot be read."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return resident


def _tree_memory(root_pid: int) -> tuple[int, int]:
    """Memory of a process and all its descendants, from /proc: (resident, proportional) bytes.

    The resident sum (RSS) counts a page shared by several processes of the tree once per
    process (the forkserver's imports, once more in every worker forked from it); the
    proportional sum (PSS) counts it once, as the machine's memory holds it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            parent = int(fields[1])
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                rss[pid] = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(pid)
    resident = proportional = 0
    stack = [root_pid]
    while stack:
        pid = stack.pop()
        if pid in rss:
            resident += rss[pid]
            proportional += _proportional_bytes(pid, rss[pid])
        stack.extend(children.get(pid, []))
    return resident, proportional


# A sample of the tree's memory: (epoch s, resident bytes, proportional bytes).
MemorySample = tuple[float, int, int]


@contextmanager
def peak_memory(root_pid: int, interval: float = 0.2) -> Iterator[list[MemorySample]]:
    """Sample the memory of `root_pid`'s process tree while the block runs:
    (epoch s, resident bytes, proportional bytes)."""
    samples: list[MemorySample] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.time(), *_tree_memory(root_pid)))
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield samples
    finally:
        stop.set()
        sampler.join()


# ---------------------------------------------------------------------------- the run


def run_pipeline(
    raw_dir: Path, warehouse_dir: Path, workers: int
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """One run of the whole job over every year: wall seconds per stage and end to end, and
    each stage's (start, end) in epoch seconds."""
    # Imported here for start-up time: the module builds every definition as it loads (2 s).
    from pipeline.definitions import pipeline_definitions

    storage = PipelineStorage(
        raw_dir=str(raw_dir), warehouse_dir=str(warehouse_dir), workers=workers
    )
    job = pipeline_definitions(storage).resolve_job_def("pipeline_job")
    years = all_years()
    started = time.perf_counter()
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags={**range_tags(years[0], years[-1]), MODE_TAG: "bench"},
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
        total = time.perf_counter() - started
        if not result.success:
            failures = [e.message for e in result.all_events if e.is_failure and e.message]
            raise RuntimeError(f"the pipeline failed: {failures}")
        seconds: dict[str, float] = {}
        starts: dict[str, float] = {}
        spans: dict[str, tuple[float, float]] = {}
        for entry in instance.all_logs(result.run_id):
            event = entry.dagster_event
            if event is None or event.step_key not in STAGES:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                starts[event.step_key] = entry.timestamp
            elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
                stage = STAGES[event.step_key]
                seconds[stage] = entry.timestamp - starts[event.step_key]
                spans[stage] = (starts[event.step_key], entry.timestamp)
    seconds["end_to_end"] = total
    return seconds, spans


def _pipeline_child(send: Connection, raw_dir: str, warehouse_dir: str, workers: int) -> None:
    try:
        seconds, spans = run_pipeline(Path(raw_dir), Path(warehouse_dir), workers)
        own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        send.send(("ok", (seconds, spans, own_peak)))
    except Exception as error:  # the parent raises it; a traceback is no use across processes
        send.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        send.close()


def run_pipeline_apart(
    raw_dir: Path, warehouse_dir: Path, workers: int, interval: float = 0.2
) -> tuple[dict[str, float], dict[str, tuple[float, float]], list[MemorySample]]:
    """`run_pipeline` in a fresh process of its own, as `python -m pipeline run` runs: what
    was timed, and the memory of that process's tree sampled every `interval` seconds.

    Spawned, not forked, so that nothing this process holds (the corpus generator and its
    manifest, the floor's reads) is in the measured memory: only the pipeline's own."""
    prepare_environment()  # as `python -m pipeline` does before it imports Polars
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_pipeline_child,
        args=(send, str(raw_dir), str(warehouse_dir), workers),
        name="bench-pipeline",
    )
    child.start()
    send.close()
    assert child.pid is not None  # started
    with peak_memory(child.pid, interval) as samples:
        try:
            status, payload = receive.recv()
        except EOFError:
            status, payload = "error", "the pipeline process ended without an answer"
        finally:
            child.join()
            receive.close()
    if status != "ok":
        raise RuntimeError(f"{payload} (exit code {child.exitcode})")
    seconds, spans, own_peak = payload
    # The pipeline process's own high-water mark: a floor for a resident peak the sampling
    # missed (its proportional share is not known: none counted).
    samples.append((time.time(), own_peak, 0))
    return seconds, spans, samples


def stage_peaks(
    samples: list[MemorySample], spans: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """Peak resident memory (MB) of the process tree within each stage."""
    return {
        stage: max((b for t, b, _ in samples if start <= t <= end), default=0) / 1e6
        for stage, (start, end) in spans.items()
    }


def check_against_manifest(
    database: Path, manifest_reports: list[Any]
) -> tuple[int, int, int, list[str]]:
    """Reports found, broken expected, broken flagged, and every disagreement with the manifest."""
    with duckdb.connect(str(database), read_only=True) as con:
        found = {
            report_id: (year, template)
            for report_id, year, template in con.execute(
                "select report_id, report_year, template from reports"
            ).fetchall()
        }
        failing: dict[str, set[str]] = {}
        # the synthetic corpus breaks arithmetic on purpose; its dates and headings are not drawn
        # to meet the inspectors' rules (issue 16), which are not part of its manifest
        for report_id, rule in con.execute(
            "select distinct report_id, rule from reconciliation "
            "where status = 'fail' and rule not like 'inspection.%'"
        ).fetchall():
            failing.setdefault(report_id, set()).add(rule)
    problems: list[str] = []
    expected_broken = {e.report_id: set(e.expected_failures) for e in manifest_reports if e.broken}
    for entry in manifest_reports:
        if entry.report_id not in found:
            problems.append(f"{entry.report_id}: not found")
        elif found[entry.report_id] != (entry.report_year, entry.template):
            problems.append(f"{entry.report_id}: found as {found[entry.report_id]}")
    for report_id, rules in expected_broken.items():
        if failing.get(report_id, set()) != rules:
            problems.append(
                f"{report_id}: expected to fail {sorted(rules)}, "
                f"fails {sorted(failing.get(report_id, set()))}"
            )
    problems.extend(
        f"{report_id}: fails {sorted(rules)} but is not broken on purpose"
        for report_id, rules in sorted(failing.items())
        if report_id not in expected_broken
    )
    flagged = sum(1 for report_id in expected_broken if report_id in failing)
    return len(found), len(expected_broken), flagged, problems


# What a row written before a column existed holds in it: every row before `corpus` was
# measured on the synthetic corpus.
_EARLIER_ROWS = {"corpus": "synthetic"}


def append_result(result: BenchResult, path: Path = RESULTS_CSV) -> None:
    """Add one row to the results file (its header written when the file is new).

    A file written before a column was added is rewritten once with the new header, its
    earlier rows keeping their values (a new column empty, or what `_EARLIER_ROWS` says).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    row = result.row()
    fields = list(row)
    if path.exists() and path.stat().st_size:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != fields:
                earlier = [
                    {**_EARLIER_ROWS, **{k: v for k, v in old.items() if k in row}}
                    for old in reader
                ]
                with path.open("w", newline="", encoding="utf-8") as rewritten:
                    writer = csv.DictWriter(rewritten, fieldnames=fields, restval="")
                    writer.writeheader()
                    writer.writerows(earlier)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        if new:
            writer.writeheader()
        writer.writerow(row)


@dataclass(frozen=True)
class Corpus:
    """A corpus on disk and how its warehouse is checked: (reports found, broken expected,
    broken flagged, problems)."""

    kind: str
    reports: int
    check: Callable[[Path], tuple[int, int, int, list[str]]]


def synthetic_corpus(reports: int, out: Path, seed: int) -> Corpus:
    """`tools.synth`'s corpus, checked against its manifest of deliberate breaks."""
    from tools.synth import generate_corpus  # start-up time: a large module, one command

    manifest = generate_corpus(reports, out, seed)
    return Corpus(
        "synthetic",
        len(manifest.reports),
        lambda database: check_against_manifest(database, manifest.reports),
    )


def real_corpus(reports: int, out: Path, folders: Sequence[Path]) -> Corpus:
    """Real pages replicated (`tools.replicate`), each copy checked against its first round."""
    manifest = replicate_corpus(folders, reports, out)

    def check(database: Path) -> tuple[int, int, int, list[str]]:
        found, problems = check_copies(database, manifest.copies)
        return found, 0, 0, problems

    return Corpus("real", manifest.reports, check)


def run_benchmark(
    reports: int,
    *,
    workers: int | None = None,
    seed: int = 0,
    work_dir: Path | None = None,
    keep: bool = False,
    corpus_from: Sequence[Path] = (),
) -> BenchResult:
    """Make the corpus (synthetic, or copies of the real pages in `corpus_from`), measure the
    floor, run the pipeline, check the warehouse against the corpus."""
    workers = workers or default_workers()
    base = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="pipeline-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        clock = time.perf_counter()
        if corpus_from:
            corpus = real_corpus(reports, base / "corpus", corpus_from)
        else:
            corpus = synthetic_corpus(reports, base / "corpus", seed)
        synth_s = time.perf_counter() - clock
        raw_dir = base / "corpus" / "raw"
        paths = sorted(p for p in raw_dir.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in paths)
        floor_s, _cells = measure_floor(paths, workers)
        warehouse_dir = base / "warehouse"
        shutil.rmtree(warehouse_dir, ignore_errors=True)
        seconds, spans, samples = run_pipeline_apart(raw_dir, warehouse_dir, workers)
        peaks = stage_peaks(samples, spans)
        found, expected, flagged, problems = corpus.check(WarehouseLayout(warehouse_dir).database)
        parse_stage = seconds.get("inventory", 0.0) + seconds.get("parse_years", 0.0)
        megabytes = size / 1e6
        return BenchResult(
            started_at=started_at,
            git_revision=git_revision(),
            corpus=corpus.kind,
            reports=corpus.reports,
            files=len(paths),
            megabytes=megabytes,
            workers=workers,
            cpus=os.cpu_count() or 1,
            synth_s=synth_s,
            floor_s=floor_s,
            inventory_s=seconds.get("inventory", 0.0),
            parse_years_s=seconds.get("parse_years", 0.0),
            reconciliation_s=seconds.get("reconciliation", 0.0),
            warehouse_s=seconds.get("warehouse", 0.0),
            end_to_end_s=seconds["end_to_end"],
            parse_stage_s=parse_stage,
            floor_ratio=parse_stage / floor_s if floor_s else float("nan"),
            reports_per_s=corpus.reports / parse_stage if parse_stage else 0.0,
            mb_per_s=megabytes / parse_stage if parse_stage else 0.0,
            peak_rss_mb=max(b for _, b, _ in samples) / 1e6,
            peak_pss_mb=max(p for _, _, p in samples) / 1e6,
            peak_inventory_mb=peaks.get("inventory", 0.0),
            peak_parse_years_mb=peaks.get("parse_years", 0.0),
            peak_reconciliation_mb=peaks.get("reconciliation", 0.0),
            peak_warehouse_mb=peaks.get("warehouse", 0.0),
            reports_found=found,
            broken_expected=expected,
            broken_flagged=flagged,
            manifest_ok=not problems,
            problems=problems,
        )
    finally:
        if not keep and work_dir is None:
            shutil.rmtree(base, ignore_errors=True)


def render(result: BenchResult) -> str:
    """The benchmark's terminal summary."""
    lines = [
        f"corpus ({result.corpus}): {result.reports:,} reports in {result.files:,} files, "
        f"{result.megabytes:,.1f} MB (made in {result.synth_s:.1f} s)",
        f"workers: {result.workers} of {result.cpus} CPUs; revision {result.git_revision}",
        "",
        "stage                 wall s   peak MB",
        f"  inventory         {result.inventory_s:8.1f}  {result.peak_inventory_mb:8,.0f}",
        f"  parse_years       {result.parse_years_s:8.1f}  {result.peak_parse_years_mb:8,.0f}",
        f"  reconciliation    {result.reconciliation_s:8.1f}  "
        f"{result.peak_reconciliation_mb:8,.0f}",
        f"  warehouse         {result.warehouse_s:8.1f}  {result.peak_warehouse_mb:8,.0f}",
        f"  end to end        {result.end_to_end_s:8.1f}  (raw to marts, with Dagster)",
        "",
        f"parse stage (inventory + parse_years): {result.parse_stage_s:.1f} s, "
        f"{result.reports_per_s:,.0f} reports/s, {result.mb_per_s:.2f} MB/s",
        f"floor (read, decode, split lines and cells): {result.floor_s:.2f} s; "
        f"parse stage / floor = {result.floor_ratio:.1f}x",
        f"peak memory (process tree): {result.peak_rss_mb:,.0f} MB resident (RSS), "
        f"{result.peak_pss_mb:,.0f} MB proportional (PSS: shared pages counted once)",
        f"manifest: {result.reports_found:,} reports found; "
        + (
            f"{result.broken_flagged}/{result.broken_expected} broken reports flagged; "
            if result.corpus == "synthetic"
            else "every copy read as its first round's: "
        )
        + ("every check holds" if result.manifest_ok else f"{len(result.problems)} problems"),
    ]
    lines.extend(f"  {problem}" for problem in result.problems[:20])
    return "\n".join(lines) + "\n"
