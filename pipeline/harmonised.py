"""Harmonised metrics across the 2019 template change, loaded from `schemas/harmonised.yaml`.

The catalogue says, for each harmonised metric, which printed metrics a report's figure comes
from (tried in order) and whether that source matches the new template exactly or only
approximately. The warehouse loads it as the `harmonised_sources` table, which the mart
`mart_harmonised_metrics` joins to the statistics; `rate_value` is the same rate arithmetic as
`mart_report_rates`, for tests and for anyone computing a rate outside SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pipeline.catalogue import load_yaml, metrics
from pipeline.model import TEMPLATES

MATCHES = ("exact", "approximate")


@dataclass(frozen=True, slots=True)
class Source:
    """One way a report can state a harmonised figure: a metric, or the sum of several."""

    metrics: tuple[str, ...]
    match: str
    templates: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class HarmonisedMetric:
    """A figure comparable across templates, with the sources that give it, in order."""

    code: str
    label_zh: str
    english: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Rate:
    """A derived rate: the sum of numerator metrics over a denominator metric."""

    code: str
    english: str
    numerator: tuple[str, ...]
    denominator: str


class HarmonisedCatalogueError(ValueError):
    """`schemas/harmonised.yaml` names something the metric catalogue does not have."""


@cache
def harmonised_metrics() -> dict[str, HarmonisedMetric]:
    """The harmonised metrics by code, in catalogue order, checked against the metric catalogue."""
    known = metrics()
    result: dict[str, HarmonisedMetric] = {}
    for entry in load_yaml("harmonised.yaml")["harmonised"]:
        sources = []
        for source in entry["sources"]:
            codes = tuple(source["metrics"])
            unknown = [code for code in codes if code not in known]
            if unknown:
                raise HarmonisedCatalogueError(f"{entry['code']}: unknown metrics {unknown}")
            if source["match"] not in MATCHES:
                raise HarmonisedCatalogueError(
                    f"{entry['code']}: match must be one of {MATCHES}, not {source['match']!r}"
                )
            templates = source.get("templates")
            if templates is not None and not set(templates) <= set(TEMPLATES):
                raise HarmonisedCatalogueError(f"{entry['code']}: unknown templates {templates}")
            sources.append(
                Source(codes, source["match"], tuple(templates) if templates is not None else None)
            )
        if entry["code"] in result:
            raise HarmonisedCatalogueError(f"harmonised metric {entry['code']} defined twice")
        result[entry["code"]] = HarmonisedMetric(
            entry["code"], entry["label_zh"], entry["english"], tuple(sources)
        )
    return result


@cache
def rates() -> dict[str, Rate]:
    """The derived rates by code, checked against the harmonised metrics."""
    known = harmonised_metrics()
    result: dict[str, Rate] = {}
    for entry in load_yaml("harmonised.yaml")["rates"]:
        rate = Rate(
            entry["code"], entry["english"], tuple(entry["numerator"]), entry["denominator"]
        )
        unknown = [code for code in (*rate.numerator, rate.denominator) if code not in known]
        if unknown:
            raise HarmonisedCatalogueError(f"rate {rate.code}: unknown harmonised {unknown}")
        result[rate.code] = rate
    return result


def source_rows() -> list[tuple[str, int, list[str], list[str] | None, str]]:
    """Rows of the `harmonised_sources` table: metric, priority, metrics, templates, match."""
    return [
        (
            metric.code,
            priority,
            list(source.metrics),
            list(source.templates) if source.templates is not None else None,
            source.match,
        )
        for metric in harmonised_metrics().values()
        for priority, source in enumerate(metric.sources, start=1)
    ]


def rate_value(rate: Rate, figures: dict[str, float | None]) -> float | None:
    """The rate for one report's harmonised figures; None when it cannot be computed.

    None, not zero, when the denominator is zero or missing or any numerator part is missing:
    a report that did not print a figure has no rate.
    """
    denominator = figures.get(rate.denominator)
    parts = [figures.get(code) for code in rate.numerator]
    if denominator is None or denominator == 0 or any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None) / denominator
