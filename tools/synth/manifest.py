"""The manifest: one entry per report as the pipeline must find it (year, template, agency,
encoding, the rules it must fail), the corpus totals, and `manifest.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.synth.catalogue import RULES, TEMPLATES


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One generated report as the pipeline must find it, and the rules it must fail."""

    source_file: str
    ordinal: int
    report_id: str
    report_year: int
    agency: str | None
    template: str
    encoding: str
    html: bool
    fullwidth: bool
    broken: bool
    expected_failures: tuple[str, ...]
    # What was changed on purpose (None for an intact report).
    alteration: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "source_file": self.source_file,
            "ordinal": self.ordinal,
            "report_id": self.report_id,
            "report_year": self.report_year,
            "agency": self.agency,
            "template": self.template,
            "encoding": self.encoding,
            "html": self.html,
            "fullwidth": self.fullwidth,
            "broken": self.broken,
            "expected_failures": list(self.expected_failures),
            "alteration": self.alteration,
        }


@dataclass(frozen=True, slots=True)
class Manifest:
    """What `generate_corpus` wrote: parameters, totals and one entry per report."""

    path: Path
    seed: int
    parameters: dict[str, Any]
    totals: dict[str, Any]
    reports: list[ReportEntry]


@dataclass(slots=True)
class Totals:
    reports: int = 0
    files: int = 0
    bytes: int = 0
    multi_report_files: int = 0
    html_files: int = 0
    fullwidth_reports: int = 0
    broken_reports: int = 0
    altered_reports: int = 0
    html_reports: int = 0
    by_template: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TEMPLATES, 0))
    by_encoding: dict[str, int] = field(default_factory=lambda: {"utf-8": 0, "gbk": 0})
    reports_by_encoding: dict[str, int] = field(default_factory=lambda: {"utf-8": 0, "gbk": 0})
    by_rule: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))

    def add(self, other: Totals) -> None:
        for name in ("reports", "files", "bytes", "multi_report_files", "html_files"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("fullwidth_reports", "broken_reports", "altered_reports", "html_reports"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in (
            (self.by_template, other.by_template),
            (self.by_encoding, other.by_encoding),
            (self.reports_by_encoding, other.reports_by_encoding),
            (self.by_rule, other.by_rule),
        ):
            for key, value in theirs.items():
                mine[key] += value

    def as_json(self) -> dict[str, Any]:
        return {
            "reports": self.reports,
            "files": self.files,
            "bytes": self.bytes,
            "multi_report_files": self.multi_report_files,
            "html_files": self.html_files,
            "html_reports": self.html_reports,
            "fullwidth_reports": self.fullwidth_reports,
            "broken_reports": self.broken_reports,
            "altered_reports": self.altered_reports,
            "reports_by_template": self.by_template,
            "files_by_encoding": self.by_encoding,
            "reports_by_encoding": self.reports_by_encoding,
            "broken_reports_by_rule": self.by_rule,
        }


def write_manifest(
    path: Path,
    seed: int,
    parameters: dict[str, Any],
    totals: dict[str, Any],
    entries: list[ReportEntry],
) -> Manifest:
    """Write `manifest.json` (one report entry a line, so that a large one stays readable)."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("{\n")
        handle.write(f'"seed": {json.dumps(seed)},\n')
        handle.write(f'"parameters": {json.dumps(parameters, ensure_ascii=False)},\n')
        handle.write(f'"totals": {json.dumps(totals, ensure_ascii=False)},\n')
        handle.write('"reports": [\n')
        for i, entry in enumerate(entries):
            handle.write(json.dumps(entry.to_json(), ensure_ascii=False))
            handle.write(",\n" if i + 1 < len(entries) else "\n")
        handle.write("]\n}\n")
    return Manifest(path, seed, parameters, totals, entries)
