"""The metric catalogue and layout rules, loaded from the data files in `schemas/`.

Every data file of the catalogue (metrics, layouts, prose patterns, agencies, rules, the
harmonised metrics) is read from `SCHEMAS_DIR`: the repository's `schemas/`, or the folder named
by the environment variable `PIPELINE_SCHEMAS_DIR` when it is set (read once, here, when the
process starts; worker processes inherit it). A copy of `schemas/` with one more metric in
`metrics.yaml` is then the whole catalogue of a run: its rows are read, stored and summed into
their `parent` with no other change (`tests/test_metric_recipe.py`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

SCHEMAS_ENV = "PIPELINE_SCHEMAS_DIR"
DEFAULT_SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"


def configured_schemas_dir() -> Path:
    """The catalogue folder: `$PIPELINE_SCHEMAS_DIR` when set, else the repository's schemas/."""
    configured = os.environ.get(SCHEMAS_ENV)
    if not configured:
        return DEFAULT_SCHEMAS_DIR
    folder = Path(configured).resolve()
    if not (folder / "metrics.yaml").is_file():
        raise FileNotFoundError(f"{SCHEMAS_ENV}={configured}: no metrics.yaml in that folder")
    return folder


SCHEMAS_DIR = configured_schemas_dir()

_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十\d]+[)]|\d+[.、]|[\u2460-\u2473]"
    r"|其中[:]?|\d{1,2}(?=[\u4e00-\u9fff]))\s*"
)
_NOTE = re.compile(r"[(][^)]*[)]?$")


@dataclass(frozen=True, slots=True)
class Metric:
    """One catalogue entry (see the header of `schemas/metrics.yaml`)."""

    code: str
    label: str
    english: str
    unit: str | None
    templates: tuple[str, ...]
    table: str
    variants: tuple[str, ...] = ()
    parent: str | None = None
    context: str | None = None
    header: bool = False
    harmonised: str | None = None
    harmonised_match: str | None = None
    keys: tuple[str, ...] = field(default=())


@lru_cache(maxsize=1 << 14)
def label_key(label: str) -> str:
    """A printed label reduced to what identifies it: no numbering, notes, quotes or spaces."""
    text = re.sub(r"\s+", "", label)
    previous = None
    while previous != text:
        previous = text
        text = _NUMBERING.sub("", text)
    text = _NOTE.sub("", text)
    return text.strip(':;,。 "“”')


@cache
def load_yaml(name: str) -> Any:  # noqa: ANN401 - parsed YAML has no static type
    """Parse one YAML file of `schemas/`."""
    with (SCHEMAS_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def metrics() -> dict[str, Metric]:
    """All catalogue metrics by code."""
    result: dict[str, Metric] = {}
    for entry in load_yaml("metrics.yaml")["metrics"]:
        variants = tuple(entry.get("variants", ()))
        keys = tuple(dict.fromkeys(label_key(v) for v in (entry["label"], *variants)))
        result[entry["code"]] = Metric(
            code=entry["code"],
            label=entry["label"],
            english=entry["english"],
            unit=entry.get("unit"),
            templates=tuple(entry["templates"]),
            table=entry["table"],
            variants=variants,
            parent=entry.get("parent"),
            context=entry.get("context"),
            header=bool(entry.get("header", False)),
            harmonised=entry.get("harmonised"),
            harmonised_match=entry.get("harmonised_match"),
            keys=keys,
        )
    return result


def metric_codes() -> frozenset[str]:
    """Every metric code the pipeline may write."""
    return frozenset(metrics())


def layouts() -> dict[str, Any]:
    """Layout rules: template markers, table shapes, agency and spam vocabularies."""
    return load_yaml("layouts.yaml")  # type: ignore[no-any-return]


@lru_cache(maxsize=1 << 14)
def match_label(label: str, tables: tuple[str, ...], context: str | None) -> Metric | None:
    """The catalogue metric a printed label names, within the given tables.

    Exact key matches win over prefix matches (a label that starts with a key, as truncated
    or annotated labels do). Where several metrics share a label, the one whose `context`
    is the heading the row stands under wins; with no way to choose, the answer is None.
    """
    key = label_key(label)
    if not key:
        return None
    candidates, by_key = _label_index(tables)
    exact = by_key.get(key, [])
    found = exact or _longest_prefix(key, candidates)
    if len(found) > 1:
        in_context = [m for m in found if m.context == context]
        found = in_context or [m for m in found if m.context is None]
    return found[0] if len(found) == 1 else None


@cache
def _label_index(tables: tuple[str, ...]) -> tuple[list[Metric], dict[str, list[Metric]]]:
    """The metrics of the given tables in catalogue order, and those of each label key."""
    candidates = [m for m in metrics().values() if m.table in tables]
    by_key: dict[str, list[Metric]] = {}
    for metric in candidates:
        for key in metric.keys:
            by_key.setdefault(key, []).append(metric)
    return candidates, by_key


def _longest_prefix(key: str, candidates: list[Metric]) -> list[Metric]:
    best = 0
    found: list[Metric] = []
    for metric in candidates:
        for k in metric.keys:
            if len(k) >= 2 and key.startswith(k):
                if len(k) > best:
                    best, found = len(k), [metric]
                elif len(k) == best and metric not in found:
                    found.append(metric)
    return found
