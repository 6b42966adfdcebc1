"""Golden test set: the seed reports, transcribed by hand, against the parser.

The expectations in `tests/golden/*.yaml` were written from the seed text itself (`cat -n`),
never from parser output, so these tests catch parser mistakes rather than freeze them. One
YAML file per seed file; each lists its reports in file order with:

- metadata: ordinal, report_year, template, agency, published_on, title, line_start,
  line_end, spam_detected;
- `tables`: every printed cell of every statistics table, compactly:
    `{line, metric, value}`                       one figure, dimension `total`;
    `{line, metric, value: null, kind: empty}`    a printed row whose value cell is blank;
    `{line, metric, values: [7 numbers]}`         a table-3 row, one figure per applicant column;
    `{line, review: [15 numbers]}`                the table-4 row, one figure per position;
    an optional `unit` is checked separately;
- `prose`: figures stated in sentences, `{line, metric, value[, qualifier]}`, checked as a
  subset (of `statistics` for prose-only reports, of `prose` for reports with tables).

The table check is exact: the set of (source_line, metric, dimension, value, value_kind) of the
parser's table figures (table_kind != 'prose') must equal the golden set, nothing missing and
nothing extra.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.extract import extract_document

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

DIMENSIONS = (
    "natural_person",
    "commercial",
    "research",
    "social_org",
    "legal_service",
    "other_org",
    "total",
)
REVIEW_CODES = tuple(
    f"{group}.{outcome}"
    for group in ("review", "litigation_direct", "litigation_after_review")
    for outcome in ("upheld", "corrected", "other", "pending", "total")
)
METADATA_FIELDS = (
    "ordinal",
    "report_year",
    "template",
    "agency",
    "published_on",
    "title",
    "line_start",
    "line_end",
    "spam_detected",
)

# (source_line, metric, dimension, value, value_kind)
Row = tuple[int, str, str, float | None, str]


# --- golden data -----------------------------------------------------------------------------


def _load_golden() -> dict[str, list[dict[str, Any]]]:
    golden: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(GOLDEN_DIR.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        golden[spec["source_file"]] = spec["reports"]
    return golden


GOLDEN = _load_golden()
REPORT_CASES = [
    pytest.param(
        source_file, report, id=f"{source_file[:3]}#{report['ordinal']}-{report['report_year']}"
    )
    for source_file, reports in GOLDEN.items()
    for report in reports
]
PROSE_CASES = [case for case in REPORT_CASES if case.values[1].get("prose")]
UNIT_CASES = [
    case
    for case in REPORT_CASES
    if any("unit" in entry for entry in case.values[1].get("tables", []))
]


def _number(value: Any) -> float | None:
    return None if value is None else round(float(value), 9)


def _expand(entry: dict[str, Any]) -> list[tuple[Row, str | None]]:
    """One golden table entry as rows, each with the unit it must carry (or None)."""
    line = int(entry["line"])
    if "review" in entry:
        values = entry["review"]
        assert len(values) == len(REVIEW_CODES), f"line {line}: table 4 needs 15 values"
        return [
            ((line, code, "total", _number(v), "number"), None)
            for code, v in zip(REVIEW_CODES, values, strict=True)
        ]
    if "values" in entry:
        values = entry["values"]
        assert len(values) == len(DIMENSIONS), f"line {line}: table 3 needs 7 values"
        return [
            ((line, entry["metric"], dim, _number(v), "number"), None)
            for dim, v in zip(DIMENSIONS, values, strict=True)
        ]
    value = _number(entry["value"])
    kind = entry.get("kind", "number" if value is not None else "empty")
    dimension = entry.get("dimension", "total")
    return [((line, entry["metric"], dimension, value, kind), entry.get("unit"))]


def _golden_rows(report: dict[str, Any]) -> set[Row]:
    rows = [row for entry in report.get("tables", []) for row, _unit in _expand(entry)]
    duplicates = [row for row, n in Counter(rows).items() if n > 1]
    assert not duplicates, f"golden file lists a row twice: {duplicates}"
    return set(rows)


# --- parser output ---------------------------------------------------------------------------


@cache
def _extracted(source_file: str) -> list[Any]:
    text = (RAW_DIR / source_file).read_text(encoding="utf-8")
    return extract_document(source_file, text)


def _found(source_file: str, ordinal: int) -> tuple[Any, Any]:
    found = _extracted(source_file)
    for segmented, figures in found:
        if segmented.report.ordinal == ordinal:
            return segmented, figures
    spans = [
        (s.report.ordinal, s.report.report_year, s.report.line_start, s.report.line_end)
        for s, _ in found
    ]
    pytest.fail(
        f"{source_file}: the parser found no report #{ordinal}; it found "
        f"(ordinal, year, line_start, line_end) = {spans}"
    )


def _row(figure: Any) -> Row:
    return (
        figure.source_line,
        figure.metric,
        figure.dimension,
        _number(figure.value),
        figure.value_kind,
    )


def _value(row: Row) -> str:
    value, kind = row[3], row[4]
    return f"{'null' if value is None else f'{value:.12g}'} ({kind})"


def _show(row: Row) -> str:
    line, metric, dimension = row[:3]
    return f"line {line:>4} {metric}[{dimension}] = {_value(row)}"


def _table_diff(expected: set[Row], figures: list[Any]) -> list[str]:
    """Readable differences between golden rows and the parser's table figures."""
    parsed = [_row(f) for f in figures]
    by_row = {_row(f): f for f in figures}
    actual = set(parsed)
    missing = expected - actual
    extra = actual - expected
    missing_by_key = {r[:3]: r for r in missing}
    extra_by_key = {r[:3]: r for r in extra}
    lines: list[str] = []
    for k in sorted(missing_by_key.keys() & extra_by_key.keys()):
        want, got = missing_by_key[k], extra_by_key[k]
        figure = by_row[got]
        lines.append(
            f"  value differs  {_show(want)}; parsed {_value(got)}  "
            f"[label {figure.label_raw!r}, raw {figure.value_raw!r}]"
        )
    for k in sorted(missing_by_key.keys() - extra_by_key.keys()):
        lines.append(f"  missing        {_show(missing_by_key[k])}")
    for k in sorted(extra_by_key.keys() - missing_by_key.keys()):
        got = extra_by_key[k]
        figure = by_row[got]
        lines.append(
            f"  unexpected     {_show(got)}  [table {figure.table_kind}, "
            f"label {figure.label_raw!r}, raw {figure.value_raw!r}]"
        )
    for row, n in Counter(parsed).items():
        if n > 1:
            lines.append(f"  duplicated x{n}  {_show(row)}")
    return lines


# --- tests -----------------------------------------------------------------------------------


def test_golden_covers_every_seed() -> None:
    seeds = sorted(p.name for p in RAW_DIR.glob("*.txt"))
    assert sorted(GOLDEN) == seeds
    assert sum(len(reports) for reports in GOLDEN.values()) == 19


@pytest.mark.parametrize("source_file", sorted(GOLDEN))
def test_report_count(source_file: str) -> None:
    found = _extracted(source_file)
    spans = [
        (s.report.ordinal, s.report.report_year, s.report.line_start, s.report.line_end)
        for s, _ in found
    ]
    assert len(found) == len(GOLDEN[source_file]), (
        f"{source_file}: expected {len(GOLDEN[source_file])} reports, parser found "
        f"{len(found)}: {spans}"
    )


@pytest.mark.parametrize(("source_file", "golden"), REPORT_CASES)
def test_report_metadata(source_file: str, golden: dict[str, Any]) -> None:
    segmented, _figures = _found(source_file, golden["ordinal"])
    report = segmented.report
    diffs = [
        f"  {name}: golden {golden[name]!r}, parsed {getattr(report, name)!r}"
        for name in METADATA_FIELDS
        if getattr(report, name) != golden[name]
    ]
    assert not diffs, f"{report.report_id} metadata differs:\n" + "\n".join(diffs)


@pytest.mark.parametrize(("source_file", "golden"), REPORT_CASES)
def test_table_figures(source_file: str, golden: dict[str, Any]) -> None:
    segmented, figures = _found(source_file, golden["ordinal"])
    expected = _golden_rows(golden)
    tables = [f for f in figures.statistics if f.table_kind != "prose"]
    diff = _table_diff(expected, tables)
    assert not diff, (
        f"{segmented.report.report_id}: {len(expected)} golden table cells, parser gave "
        f"{len(tables)}; differences:\n" + "\n".join(diff)
    )


@pytest.mark.parametrize(("source_file", "golden"), UNIT_CASES)
def test_table_units(source_file: str, golden: dict[str, Any]) -> None:
    segmented, figures = _found(source_file, golden["ordinal"])
    by_row = {_row(f): f for f in figures.statistics if f.table_kind != "prose"}
    problems = []
    for entry in golden["tables"]:
        for row, unit in _expand(entry):
            if unit is None:
                continue
            figure = by_row.get(row)
            if figure is None:
                problems.append(f"  {_show(row)}: not parsed (see test_table_figures)")
            elif figure.unit != unit:
                problems.append(f"  {_show(row)}: unit golden {unit!r}, parsed {figure.unit!r}")
    assert not problems, f"{segmented.report.report_id} units:\n" + "\n".join(problems)


@pytest.mark.parametrize(("source_file", "golden"), REPORT_CASES)
def test_no_rejected_rows(source_file: str, golden: dict[str, Any]) -> None:
    segmented, figures = _found(source_file, golden["ordinal"])
    shown = [
        f"  line {r.source_line} {r.reason}: {r.message} | {r.raw!r}" for r in figures.rejected
    ]
    assert not figures.rejected, (
        f"{segmented.report.report_id}: the parser rejected rows of a seed table:\n"
        + "\n".join(shown)
    )


@pytest.mark.parametrize(("source_file", "golden"), PROSE_CASES)
def test_prose_figures(source_file: str, golden: dict[str, Any]) -> None:
    segmented, figures = _found(source_file, golden["ordinal"])
    prose_only = golden["template"] == "prose"
    pool = (
        [f for f in figures.statistics if f.table_kind == "prose"]
        if prose_only
        else list(figures.prose)
    )
    where = "statistics (table_kind prose)" if prose_only else "prose"
    missing = []
    for entry in golden["prose"]:
        line, metric, value = int(entry["line"]), entry["metric"], _number(entry["value"])
        qualifier = entry.get("qualifier", "exact")
        hit = [
            f
            for f in pool
            if f.source_line == line
            and f.metric == metric
            and f.dimension == "total"
            and f.value_kind == "number"
            and _number(f.value) == value
            and f.qualifier == qualifier
        ]
        if hit:
            continue
        near = [
            f"{f.metric}={f.value} ({f.qualifier}, {f.value_kind}, {f.dimension})"
            for f in pool
            if f.source_line == line
        ]
        missing.append(
            f"  line {line:>4} {metric} = {value:.12g} ({qualifier}); the parser "
            f"read on that line: {near or 'nothing'}"
        )
    assert not missing, (
        f"{segmented.report.report_id}: prose figures missing from {where}:\n" + "\n".join(missing)
    )
