"""Stage 3: the reconciliation rules of every year, recomputed only where their inputs changed.

A year's signature is what its rules read: its own partition and the year before's (the
cross-year rules compare the two), by the hashes in their manifests, and the rules' version. A
year whose stored signature matches is skipped. Years are independent, so each is evaluated
and written in a worker process of its own, which hands its memory back when done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipeline.atomic_files import read_json, write_json_atomic
from pipeline.frames import ReconciliationFrame
from pipeline.pool import map_ordered
from pipeline.progress import Progress
from pipeline.reconcile import (
    FAILED,
    FIGURE_COLUMNS,
    earlier_year_metrics,
    reconcile,
    results_frame,
    series_key,
)
from pipeline.stages.contracts import contract_errors
from pipeline.stages.years import PARSE_STAGE
from pipeline.storage import (
    RECONCILIATION_TABLES,
    YEAR_TABLES,
    WarehouseLayout,
    read_year_table,
    remove_year_tables,
    stage_year_table,
    stored_years,
    year_locks,
)
from pipeline.versions import reconcile_version

RECONCILIATION_STAGE = "reconciliation"
# Reports of one year reconciled together (whole agency series): bounds the memory of a year.
# Measured on the largest year of the 100k corpus (11,550 reports), one worker: 1,000 reports
# peak at 0.78-0.82 GB in 8.1-8.8 s, 500 at 0.62-0.63 GB in 9.0-9.3 s, 250 at 0.52 GB in 11.6 s
# (each batch runs about 420 small Polars queries whatever its size, and reads the year's
# figures file through). With one jemalloc arena (pipeline/allocator.py), on a machine half
# as fast: 500 at 374-375 MB in 17.0-17.4 s, 350 at 330-334 MB in 18.4-19.1 s, 250 at 285 MB
# in 22.3 s. Two workers at 500 took the run to 1.58 GB at 100k reports: 300 keeps it under
# 1.5 GB for about 15% more time on the largest year.
RECONCILE_BATCH = 300


@dataclass(slots=True)
class ReconciliationSummary:
    """What the reconciliation stage did in one run."""

    years_written: list[int] = field(default_factory=list)
    years_removed: list[int] = field(default_factory=list)
    years_skipped: list[int] = field(default_factory=list)
    evaluations_written: int = 0
    failures_written: int = 0
    contract_errors: list[str] = field(default_factory=list)


def reconciliation_signature(layout: WarehouseLayout, year: int) -> str | None:
    """What a year's reconciliation is computed from: its and the year before's partitions."""
    current = read_json(layout.manifest(PARSE_STAGE, year))
    if current is None:
        return None
    before = read_json(layout.manifest(PARSE_STAGE, year - 1))
    payload = {
        "version": reconcile_version(),
        "year": current.get("outputs"),
        "year_before": before.get("outputs") if before else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _series(reports: pl.DataFrame) -> list[tuple[str, str]]:
    """(series key, report id) of every report, sorted."""
    return sorted(
        (series_key(agency_id, agency, source_file), report_id)
        for report_id, agency_id, agency, source_file in reports.select(
            "report_id", "agency_id", "agency", "source_file"
        ).iter_rows()
    )


def _series_batches(reports: pl.DataFrame, size: int) -> list[tuple[list[str], set[str]]]:
    """Report ids in batches of about `size`, never splitting one agency's series, each with
    the series keys it holds.

    The cross-year rules need to know whether a series has one report in a year, so a series
    stays in one batch.
    """
    batches: list[tuple[list[str], set[str]]] = []
    current: list[str] = []
    keys: set[str] = set()
    previous_key = None
    for key, report_id in _series(reports):
        if len(current) >= size and key != previous_key:
            batches.append((current, keys))
            current, keys = [], set()
        current.append(report_id)
        keys.add(key)
        previous_key = key
    if current:
        batches.append((current, keys))
    return batches


def reconcile_year(
    layout: WarehouseLayout, year: int, batch_size: int | None = None
) -> pl.DataFrame:
    """Every rule on the reports of one year (`reconcile_batches`, in one frame)."""
    frames = list(reconcile_batches(layout, year, batch_size))
    if frames:
        return pl.concat(frames)
    return results_frame([])


def reconcile_batches(
    layout: WarehouseLayout, year: int, batch_size: int | None = None
) -> Iterator[pl.DataFrame]:
    """Every rule on the reports of one year, batch by batch; cross-year rules read the
    year before.

    The year's reports are evaluated in batches of `batch_size` reports (default
    `RECONCILE_BATCH`; whole agency series), each read with the reports of the year before
    of its own series only (a report is paired with the report of its series the year
    before), and of those only the figures the cross-year rules compare with; of every
    figure, only the columns the rules read. So neither memory nor the work of a batch
    grows with the size of a year.
    """
    earlier_reports = read_year_table(layout, "reports", year - 1)
    earlier_series: dict[str, list[str]] = {}
    for key, report_id in _series(earlier_reports):
        earlier_series.setdefault(key, []).append(report_id)
    reports = read_year_table(layout, "reports", year)
    sections = read_year_table(layout, "sections", year)
    quarantine = read_year_table(layout, "quarantine/statistics", year)
    earlier_file = layout.year_part("statistics", year - 1)
    earlier_metrics = pl.col("metric").is_in(sorted(earlier_year_metrics()))
    statistics_file = layout.year_part("statistics", year)
    prose_file = layout.year_part("prose_figures", year)
    # Batches come in the order of their series keys, and rules in evaluation order: the
    # same rows in the same order on every run, whatever the size of a batch.
    for batch, keys in _series_batches(reports, batch_size or RECONCILE_BATCH):
        wanted = pl.col("report_id").is_in(batch)
        before = pl.col("report_id").is_in(
            sorted(report_id for key in keys for report_id in earlier_series.get(key, ()))
        )
        earlier = _read_rows(earlier_file, "statistics", year - 1, before & earlier_metrics)
        statistics = _read_rows(statistics_file, "statistics", year, wanted)
        prose = _read_rows(prose_file, "prose_figures", year, wanted)
        yield reconcile(
            pl.concat([earlier, statistics]),
            prose,
            pl.concat([earlier_reports.filter(before), reports.filter(wanted)]),
            years=[year],
            sections=sections.filter(wanted),
            quarantine=quarantine.filter(wanted),
        )


def _read_rows(path: Path, table: str, year: int, wanted: pl.Expr) -> pl.DataFrame:
    """The rows of a year's figures table that `wanted` selects, in the columns the rules
    read (`FIGURE_COLUMNS`)."""
    schema = {
        name: dtype
        for name, dtype in YEAR_TABLES[table].items()
        if name in FIGURE_COLUMNS or name == "report_year"
    }
    if not path.exists():
        return pl.DataFrame(schema=schema)
    frame = (
        pl.scan_parquet(path)
        .select(FIGURE_COLUMNS)
        .filter(wanted)
        .with_columns(pl.lit(year, dtype=pl.Int32).alias("report_year"))
        .collect()
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


@dataclass(frozen=True, slots=True)
class ReconcileOutcome:
    """What evaluating and writing one year's reconciliation did."""

    year: int
    evaluations: int = 0
    failures: int = 0
    contract_errors: tuple[str, ...] = ()


@dataclass(slots=True)
class _Checked:
    """A year's result batches as they pass its contract: counted, or the first breach."""

    year: int
    evaluations: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)

    def passed(self, frames: Iterable[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        for frame in frames:
            self.errors = contract_errors(
                ReconciliationFrame, frame, f"reconciliation of {self.year}"
            )
            if self.errors:
                return
            self.evaluations += frame.height
            self.failures += frame.filter(FAILED).height
            yield frame


def reconcile_and_write(item: tuple[str, int]) -> ReconcileOutcome:
    """Evaluate one year's rules and write them (in a worker: only counts travel back).

    Each batch's results are checked against the contract and written as they come, so a
    year's results never sit in memory whole; they replace the stored ones only when every
    batch held."""
    root, year = item
    layout = WarehouseLayout(Path(root))
    checked = _Checked(year)
    # Read under shared locks: no parse writes these years meanwhile. The signature read
    # here is the one stored with the result, so a year changed just after is redone next run.
    with year_locks(layout, [year - 1, year], shared=True):
        signature = reconciliation_signature(layout, year)
        staged = stage_year_table(
            layout, year, "reconciliation", checked.passed(reconcile_batches(layout, year))
        )
    if checked.errors:
        staged.discard()
        return ReconcileOutcome(year, contract_errors=tuple(checked.errors))
    with year_locks(layout, [year], shared=False):
        staged.swap_in()
        write_json_atomic(
            {
                "stage": RECONCILIATION_STAGE,
                "year": year,
                "signature": signature,
                "outputs": {"reconciliation": staged.sha256},
            },
            layout.manifest(RECONCILIATION_STAGE, year),
        )
    return ReconcileOutcome(year, checked.evaluations, checked.failures)


def update_reconciliation(
    layout: WarehouseLayout,
    years: Iterable[int] | None = None,
    *,
    force: bool = False,
    workers: int = 1,
) -> ReconciliationSummary:
    """Recompute the reconciliation of every year whose inputs changed (or all, with force).

    Years are independent (each reads itself and the year before), so they are evaluated in
    `workers` processes; results are written in year order.
    """
    summary = ReconciliationSummary()
    parsed_years = set(stored_years(layout, "reports"))
    candidates = sorted(
        set(years)
        if years is not None
        else parsed_years | set(stored_years(layout, "reconciliation"))
    )
    to_compute = []
    for year in candidates:
        manifest_path = layout.manifest(RECONCILIATION_STAGE, year)
        if year not in parsed_years:
            if manifest_path.exists() or layout.year_dir("reconciliation", year).exists():
                with year_locks(layout, [year], shared=False):
                    remove_year_tables(layout, year, RECONCILIATION_TABLES)
                    manifest_path.unlink(missing_ok=True)
                summary.years_removed.append(year)
            continue
        with year_locks(layout, [year - 1, year], shared=True):
            signature = reconciliation_signature(layout, year)
        stored = read_json(manifest_path)
        if not force and stored is not None and stored.get("signature") == signature:
            summary.years_skipped.append(year)
            continue
        to_compute.append(year)
    progress = Progress("reconcile", len(to_compute), "years")
    jobs = [(str(layout.root), year) for year in to_compute]
    # One year per worker process, which evaluates and writes it: a year's memory goes back
    # to the system when it is done, and only counts come back here.
    for outcome in map_ordered(
        reconcile_and_write, jobs, workers, chunksize=1, max_tasks_per_child=1
    ):
        progress.advance()
        if outcome.contract_errors:
            summary.contract_errors.extend(outcome.contract_errors)
            continue
        summary.years_written.append(outcome.year)
        summary.evaluations_written += outcome.evaluations
        summary.failures_written += outcome.failures
    progress.counts = {
        "rule evaluations": summary.evaluations_written,
        "rule failures": summary.failures_written,
    }
    progress.finish()
    return summary
