"""How well the parser reads real reports: against hand-read values, or label-free.

`score_labelled` compares what a pipeline run would store for each raw file (the same code:
`examine_file`) with the values a person read from it (`expected/<slug>.json`, keys mapped to
catalogue metrics by `keys.json`). A field is right when exactly one row of that metric and
dimension in that report holds the value; it is *wrong* when a row is there with another
value (or several rows disagree), and *missing* otherwise. Pages marked `readable: false`
count only their wrong values. `score_unlabelled` gives rates that need no labels.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.catalogue import metrics
from pipeline.examine import Examination, examine_file
from pipeline.model import DIMENSIONS

# A key whose metric ends so means the sum of the leaf rows under that group code.
GROUP_SUM = ".%"
# The checks of table 3 that the label-free score reports (schemas/rules.yaml ids).
TABLE3_RULES = {
    "R1": "requests.r1_balance",
    "R2": "requests.r2_outcomes",
    "R3": "requests.r3_row_total",
}
NEW_TEMPLATES = ("new_2019", "new_2021")
# What follows a place's name when the name stands for its government (judging agencies).
GOVERNMENT_BODIES = frozenset({"管委会", "管理委员会", "人民政府", "政府"})
# Rows of table 3 that a whole table prints (the outcome groups are printed through their leaves).
TABLE3_ROWS = (
    "apply.new",
    "apply.carried_over",
    "outcome.granted",
    "outcome.partial",
    "apply.handled",
    "apply.carried_forward",
)


@dataclass(frozen=True, slots=True)
class FieldResult:
    """One hand-read field of one report and what the parser made of it."""

    key: str
    metric: str
    dimension: str
    expected: float
    status: str  # right | missing | wrong
    found: tuple[float | None, ...] = ()
    lines: tuple[int, ...] = ()


@dataclass(slots=True)
class FileScore:
    """One labelled file: its fields, year, template and agency against the labels."""

    slug: str
    readable: bool
    fields: list[FieldResult] = field(default_factory=list)
    year_expected: int | None = None
    year_found: int | None = None
    template_expected: str | None = None
    template_found: str | None = None
    agency_expected: str | None = None
    agency_found: str | None = None
    agency_status: str = "null"  # right | null | wrong
    reports_found: int = 0


@dataclass(slots=True)
class LabelledScore:
    """Totals over a labelled folder."""

    files: list[FileScore]

    @property
    def counted(self) -> list[FieldResult]:
        """Fields that count towards the share read (those of readable pages)."""
        return [f for s in self.files if s.readable for f in s.fields]

    @property
    def fields_right(self) -> int:
        return sum(f.status == "right" for f in self.counted)

    @property
    def fields_expected(self) -> int:
        return len(self.counted)

    @property
    def wrong(self) -> list[tuple[str, FieldResult]]:
        return [(s.slug, f) for s in self.files for f in s.fields if f.status == "wrong"]

    @property
    def share_right(self) -> float:
        return self.fields_right / self.fields_expected if self.fields_expected else 1.0

    @property
    def years_right(self) -> int:
        return sum(s.year_found == s.year_expected for s in self.files)

    def agencies(self, status: str) -> int:
        return sum(s.agency_status == status for s in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fields_right": self.fields_right,
            "fields_expected": self.fields_expected,
            "share_right": round(self.share_right, 4),
            "wrong_values": len(self.wrong),
            "files": len(self.files),
            "years_right": self.years_right,
            "templates_right": sum(s.template_found == s.template_expected for s in self.files),
            "agencies_right": self.agencies("right"),
            "agencies_null": self.agencies("null"),
            "agencies_wrong": self.agencies("wrong"),
        }


def template_family(template: str | None) -> str | None:
    """The label files' template names: `new` for both versions of the new template."""
    if template in NEW_TEMPLATES:
        return "new"
    return template


def agency_names(label: str) -> set[str]:
    """The names a hand-written agency label accepts: the name, and aliases in its brackets.

    `平潭综合实验区管委会（福建省）` accepts 平潭综合实验区管委会; `上海市科学技术委员会（市科委）`
    also 市科委. Places and notes in the brackets are accepted as aliases only when they could
    be a name at all; a wrong agency is judged against all of them.
    """
    text = label.replace("(", "（").replace(")", "）")
    head, _, rest = text.partition("（")
    names = {head.strip()}
    for alias in rest.rstrip("）").replace("；", "，").replace(";", "，").split("，"):
        alias = alias.strip()
        if alias:
            names.add(alias)
    return {n for n in names if n}


def judge_agency(found: str | None, label: str | None) -> str:
    """right, null or wrong: a found name is right when it is the labelled name or an alias."""
    if found is None:
        return "null"
    if label is None:
        return "wrong"
    names = agency_names(label)
    if found in names:
        return "right"
    head = next(iter(sorted(names, key=lambda n: label.find(n))))
    # a place standing for its government (平潭综合实验区 for 平潭综合实验区管委会), or a short
    # form with its place (上海市科委 for 上海市科学技术委员会, alias 市科委)
    if head.startswith(found) and head[len(found) :] in GOVERNMENT_BODIES:
        return "right"
    if any(
        found.endswith(alias) and head.startswith(found[: -len(alias)])
        for alias in names
        if alias != found and len(found) > len(alias)
    ):
        return "right"
    return "wrong"


def _rows(statistics: pl.DataFrame, report_id: str) -> list[dict[str, Any]]:
    if statistics.is_empty():
        return []
    return statistics.filter(pl.col("report_id") == report_id).to_dicts()


def _same(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=0, abs_tol=1e-9)


def judge_field(
    key: str, metric: str, dimension: str, expected: float, rows: list[dict[str, Any]]
) -> FieldResult:
    """One field against the report's statistics rows."""
    if metric.endswith(GROUP_SUM):
        group = metric[: -len(GROUP_SUM)]
        own = [r for r in rows if r["metric"] == group and r["dimension"] == dimension]
        if own:
            return _judge(key, metric, dimension, expected, own)
        # every leaf the catalogue puts under the group must be read once, else it is missing
        children = [m.code for m in metrics().values() if m.parent == group]
        leaves = [r for r in rows if r["metric"] in children and r["dimension"] == dimension]
        by_metric: dict[str, list[dict[str, Any]]] = {code: [] for code in children}
        for row in leaves:
            by_metric[row["metric"]].append(row)
        values = [r[0]["value"] if len(r) == 1 else None for r in by_metric.values()]
        lines = tuple(r["source_line"] for r in leaves)
        if not children or any(v is None for v in values):
            return FieldResult(key, metric, dimension, expected, "missing", (), lines)
        total = float(sum(values))  # type: ignore[arg-type]
        status = "right" if _same(total, expected) else "wrong"
        return FieldResult(key, metric, dimension, expected, status, (total,), lines)
    matching = [r for r in rows if r["metric"] == metric and r["dimension"] == dimension]
    return _judge(key, metric, dimension, expected, matching)


def _judge(
    key: str, metric: str, dimension: str, expected: float, rows: list[dict[str, Any]]
) -> FieldResult:
    found = tuple(r["value"] for r in rows)
    lines = tuple(r["source_line"] for r in rows)
    numbers = [v for v in found if v is not None]
    if not numbers:
        return FieldResult(key, metric, dimension, expected, "missing", found, lines)
    if len(rows) == 1 and _same(found[0], expected):
        return FieldResult(key, metric, dimension, expected, "right", found, lines)
    return FieldResult(key, metric, dimension, expected, "wrong", found, lines)


def score_file(slug: str, expected: dict[str, Any], keys: dict[str, Any], raw: Path) -> FileScore:
    """One labelled file: examine it as a run would and judge every hand-read field."""
    examination = examine_file(raw.name, raw.read_bytes())
    score = FileScore(
        slug=slug,
        readable=bool(expected.get("readable", True)),
        year_expected=expected.get("report_year"),
        template_expected=expected.get("template"),
        agency_expected=expected.get("agency"),
        reports_found=examination.reports.height,
    )
    reports = examination.reports.to_dicts()
    # The labelled files hold one report each: the one of the labelled year, else the first.
    report = next(
        (r for r in reports if r["report_year"] == score.year_expected),
        reports[0] if reports else None,
    )
    rows = _rows(examination.statistics, report["report_id"]) if report else []
    if report is not None:
        score.year_found = report["report_year"]
        score.template_found = template_family(report["template"])
        score.agency_found = report["agency"]
    score.agency_status = judge_agency(score.agency_found, score.agency_expected)
    for key, value in expected.get("values", {}).items():
        spec = keys[key]
        score.fields.append(judge_field(key, spec["metric"], spec["dimension"], value, rows))
    return score


def score_labelled(
    expected_dir: Path, raw_dir: Path, keys_file: Path | None = None
) -> LabelledScore:
    """Every `expected_dir/<slug>.json` against `raw_dir/<slug>.*`."""
    keys_path = keys_file or _find_keys(expected_dir)
    keys = json.loads(keys_path.read_text(encoding="utf-8"))
    files: list[FileScore] = []
    for path in sorted(expected_dir.glob("*.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        raws = sorted(p for p in raw_dir.glob(path.stem + ".*") if p.is_file())
        if not raws:
            raise FileNotFoundError(f"no raw file for {path.name} in {raw_dir}")
        files.append(score_file(path.stem, expected, keys, raws[0]))
    return LabelledScore(files)


def _find_keys(expected_dir: Path) -> Path:
    for folder in (expected_dir, *expected_dir.parents):
        candidate = folder / "keys.json"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no keys.json beside or above {expected_dir}")


def render_labelled(score: LabelledScore) -> str:
    """Per file, every missing field and wrong value with its lines; then the totals."""
    out: list[str] = []
    for s in score.files:
        bad = [f for f in s.fields if f.status != "right"]
        right = len(s.fields) - len(bad)
        flags = [] if s.readable else ["unreadable page: only wrong values count"]
        if s.year_found != s.year_expected:
            flags.append(f"year {s.year_found} (expected {s.year_expected})")
        if s.template_found != s.template_expected:
            flags.append(f"template {s.template_found} (expected {s.template_expected})")
        flags.append(f"agency {s.agency_status}: {s.agency_found}")
        out.append(f"{s.slug}: {right}/{len(s.fields)} fields; " + "; ".join(flags))
        for f in bad:
            if f.status == "missing" and not s.readable:
                continue
            where = f" line {', '.join(map(str, f.lines))}" if f.lines else ""
            found = f" found {list(f.found)}" if f.found else ""
            out.append(
                f"  {f.status:7} {f.key} ({f.metric}, {f.dimension}) "
                f"expected {f.expected:g}{found}{where}"
            )
    totals = score.as_dict()
    out.append("")
    out.append(
        f"fields right: {totals['fields_right']}/{totals['fields_expected']} "
        f"({100 * totals['share_right']:.1f}%), wrong values: {totals['wrong_values']}"
    )
    out.append(f"years right: {totals['years_right']}/{totals['files']}")
    out.append(f"templates right: {totals['templates_right']}/{totals['files']}")
    out.append(
        f"agencies: {totals['agencies_right']} right, {totals['agencies_null']} NULL, "
        f"{totals['agencies_wrong']} wrong"
    )
    return "\n".join(out) + "\n"


# --- label-free rates --------------------------------------------------------------------------


@dataclass(slots=True)
class UnlabelledScore:
    """Rates over a folder of raw files that need no hand-read values."""

    files: int = 0
    files_with_report: int = 0
    files_quarantined_only: int = 0
    files_silent: list[str] = field(default_factory=list)
    reports: int = 0
    reports_with_year: int = 0
    templates: Counter[str] = field(default_factory=Counter)
    new_template_reports: int = 0
    table3_whole: int = 0
    figures: int = 0
    rules: dict[str, Counter[str]] = field(default_factory=dict)
    quarantine: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "files_with_report": self.files_with_report,
            "files_quarantined_only": self.files_quarantined_only,
            "files_silent": self.files_silent,
            "reports": self.reports,
            "reports_with_year": self.reports_with_year,
            "templates": dict(self.templates),
            "new_template_reports": self.new_template_reports,
            "table3_whole": self.table3_whole,
            "figures": self.figures,
            "rules": {k: dict(v) for k, v in self.rules.items()},
            "quarantine": dict(self.quarantine),
        }


def table3_whole(rows: list[dict[str, Any]]) -> bool:
    """Every row of table 3 read with a number in all seven columns."""
    have = Counter(
        (r["metric"], r["dimension"])
        for r in rows
        if r["table_kind"] == "requests" and r["value"] is not None
    )
    return all(have[(m, d)] >= 1 for m in TABLE3_ROWS for d in DIMENSIONS)


def score_unlabelled(raw_files: Iterable[Path], root: Path) -> UnlabelledScore:
    """Label-free rates over raw files (paths relative to `root` name them)."""
    score = UnlabelledScore(rules={name: Counter() for name in TABLE3_RULES})
    for path in raw_files:
        score.files += 1
        name = path.relative_to(root).as_posix()
        examination = examine_file(name, path.read_bytes())
        _count(score, name, examination)
    return score


def _count(score: UnlabelledScore, name: str, examination: Examination) -> None:
    reports = examination.reports.to_dicts()
    quarantine = examination.quarantine
    score.quarantine.update(quarantine["reason"].to_list() if quarantine.height else [])
    if reports:
        score.files_with_report += 1
    elif quarantine.height:
        score.files_quarantined_only += 1
    else:
        score.files_silent.append(name)
    reconciliation = examination.reconciliation
    for report in reports:
        score.reports += 1
        score.reports_with_year += report["report_year"] is not None
        score.templates[report["template"]] += 1
        rows = _rows(examination.statistics, report["report_id"])
        score.figures += len(rows)
        if report["template"] in NEW_TEMPLATES:
            score.new_template_reports += 1
            score.table3_whole += table3_whole(rows)
        if reconciliation.is_empty():
            continue
        own = reconciliation.filter(pl.col("report_id") == report["report_id"])
        for short, rule in TABLE3_RULES.items():
            statuses = own.filter(pl.col("rule") == rule)["status"].to_list()
            if not statuses:
                continue
            verdict = (
                "fail" if "fail" in statuses else "pass" if "pass" in statuses else "not_assessable"
            )
            score.rules[short][verdict] += 1


def render_unlabelled(score: UnlabelledScore) -> str:
    """The label-free rates as lines of text."""

    def share(n: int, d: int) -> str:
        return f"{n}/{d} ({100 * n / d:.1f}%)" if d else f"{n}/0"

    out = [
        f"files: {score.files}; with a report: {share(score.files_with_report, score.files)}; "
        f"quarantined only: {score.files_quarantined_only}; silent: {len(score.files_silent)}",
        f"reports: {score.reports}; with a year: {share(score.reports_with_year, score.reports)}",
        "templates: " + ", ".join(f"{k} {v}" for k, v in sorted(score.templates.items())),
        f"new-template reports with table 3 read whole: "
        f"{share(score.table3_whole, score.new_template_reports)}",
        f"figures per report: {score.figures / score.reports:.1f}"
        if score.reports
        else "figures per report: -",
    ]
    for short, counts in score.rules.items():
        assessed = counts["pass"] + counts["fail"]
        out.append(
            f"{short} ({TABLE3_RULES[short]}): pass {share(counts['pass'], assessed)}, "
            f"not assessable {counts['not_assessable']}"
        )
    out.append(
        "quarantine reasons: " + ", ".join(f"{k} {v}" for k, v in score.quarantine.most_common())
    )
    for name in score.files_silent:
        out.append(f"  silent file (no report, no quarantine row): {name}")
    return "\n".join(out) + "\n"
