"""The prose patterns of `schemas/prose_patterns.yaml`, loaded, checked and compiled.

What a phrase means is data there; this module turns it into compiled statements (a total's
forms, the parts that may follow it) and negations, checked against the catalogue. Reading
sentences with them is `pipeline/prose.py`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.catalogue import load_yaml, metric_codes
from pipeline.matcher import Matcher

PATTERNS_FILE = "prose_patterns.yaml"
TEMPLATES = ("old", "new")
_PLACEHOLDER = re.compile(r"\{([A-Z]+)\}")
# What masked text (titles, document numbers) is replaced by: no pattern matches across it.
MASK_CHAR = "\x00"


class PatternError(ValueError):
    """`schemas/prose_patterns.yaml` holds something that cannot be used."""


@dataclass(frozen=True, slots=True)
class Form:
    """One way of writing a stated total, with the checks a match must pass."""

    regex: re.Pattern[str]
    label_requires: re.Pattern[str] | None
    label_excludes: re.Pattern[str] | None
    sentence_requires: re.Pattern[str] | None
    clause_excludes: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class Part:
    """A labelled figure that may follow a total (or stand in a list without one)."""

    regex: re.Pattern[str]
    metric_old: str
    metric_new: str


@dataclass(frozen=True, slots=True)
class Statement:
    name: str
    metric_old: str
    metric_new: str
    templates: frozenset[str]
    forms: tuple[Form, ...]
    parts: tuple[Part, ...]
    alone_min: int | None
    alone_lead: re.Pattern[str] | None
    # The statement's {N}: every form and part holds it, so a text where it cannot match
    # cannot hold any of them.
    number: Matcher


@dataclass(frozen=True, slots=True)
class Negation:
    name: str
    metric_old: str
    metric_new: str
    templates: frozenset[str]
    regex: re.Pattern[str]
    gap_requires: re.Pattern[str] | None
    gap_excludes: re.Pattern[str] | None
    after_excludes: re.Pattern[str] | None
    sentence_requires: re.Pattern[str] | None
    # the negation's regex, to tell the lines where it cannot match
    screen: Matcher


@dataclass(frozen=True, slots=True)
class ProseRules:
    statements: tuple[Statement, ...]
    negations: tuple[Negation, ...]
    units: Mapping[str, str]
    fillers: re.Pattern[str]
    boundary: re.Pattern[str]
    clause_break: re.Pattern[str]
    mask: re.Pattern[str]
    sentence_end: re.Pattern[str]
    scope_subject: re.Pattern[str]
    # {N} with every unit: a line where it cannot match holds no figure any statement reads
    any_number: Matcher


# --- loading the patterns ------------------------------------------------------------------


def _optional(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _expand(template: str, placeholders: Mapping[str, str], where: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match[1]
        if name not in placeholders:
            raise PatternError(f"{where}: unknown placeholder {{{name}}}")
        return placeholders[name]

    return _PLACEHOLDER.sub(substitute, template)


def _compile(template: str, placeholders: Mapping[str, str], where: str) -> re.Pattern[str]:
    if template.count("{N}") != 1:
        raise PatternError(f"{where}: a template needs exactly one {{N}}: {template!r}")
    try:
        return re.compile(_expand(template, placeholders, where))
    except re.error as error:
        raise PatternError(f"{where}: {error}: {template!r}") from error


def _metrics_of(entry: Mapping[str, Any], where: str) -> tuple[str, str]:
    metric = entry.get("metric")
    metric_new = entry.get("metric_new", metric)
    known = metric_codes()
    for code in (metric, metric_new):
        if code not in known:
            raise PatternError(f"{where}: metric {code!r} is not in schemas/metrics.yaml")
    return str(metric), str(metric_new)


def _templates_of(entry: Mapping[str, Any], where: str) -> frozenset[str]:
    templates = frozenset(entry.get("templates", TEMPLATES))
    if not templates or not templates <= set(TEMPLATES):
        raise PatternError(f"{where}: templates must be a subset of {TEMPLATES}")
    return templates


def _placeholders(data: Mapping[str, Any], units: Sequence[str]) -> dict[str, str]:
    ordered = sorted(units, key=len, reverse=True)  # 人次 before 人
    number = str(data["number"]).replace("{UNITS}", "|".join(map(re.escape, ordered)))
    return {**{k: str(v) for k, v in data["placeholders"].items()}, "N": number}


def _load_statement(entry: Mapping[str, Any], data: Mapping[str, Any]) -> Statement:
    name = str(entry["name"])
    metric_old, metric_new = _metrics_of(entry, name)
    units = [str(u) for u in entry.get("units", data["units"])]
    unknown = set(units) - set(data["units"])
    if unknown:
        raise PatternError(f"{name}: units {sorted(unknown)} are not in the `units` map")
    placeholders = _placeholders(data, units)
    forms = tuple(
        Form(
            regex=_compile(str(form["regex"]), placeholders, name),
            label_requires=_optional(form.get("label_requires")),
            label_excludes=_optional(form.get("label_excludes")),
            sentence_requires=_optional(form.get("sentence_requires")),
            clause_excludes=_optional(form.get("clause_excludes")),
        )
        for form in entry.get("forms", ())
    )
    parts: list[Part] = []
    for part in entry.get("parts", ()):
        where = f"{name}, part {part.get('label') or part.get('regex')!r}"
        if "regex" in part:
            template = str(part["regex"])
        else:
            shape = data["part_number_first" if part.get("number_first") else "part"]
            template = str(shape).replace("{LABEL}", str(part["label"]))
        part_old, part_new = _metrics_of(part, where)
        parts.append(Part(_compile(template, placeholders, where), part_old, part_new))
    alone = entry.get("alone")
    if alone and not parts:
        raise PatternError(f"{name}: `alone` needs parts")
    if not forms and not alone:
        raise PatternError(f"{name}: a statement needs forms or an `alone` list")
    return Statement(
        name=name,
        metric_old=metric_old,
        metric_new=metric_new,
        templates=_templates_of(entry, name),
        forms=forms,
        parts=tuple(parts),
        alone_min=int(alone["min_parts"]) if alone else None,
        alone_lead=_optional(alone.get("lead")) if alone else None,
        number=_number(placeholders["N"]),
    )


def _load_negation(entry: Mapping[str, Any]) -> Negation:
    name = str(entry["name"])
    metric_old, metric_new = _metrics_of(entry, name)
    pattern = (
        f"(?P<neg>{entry['neg']})(?P<gap>[^,。;:!?{MASK_CHAR}]{{0,{int(entry['gap'])}}}?)"
        f"(?P<target>{entry['target']})"
    )
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise PatternError(f"{name}: {error}") from error
    gap_requires = _optional(entry.get("gap_requires"))
    sentence_requires = _optional(entry.get("sentence_requires"))
    return Negation(
        name=name,
        metric_old=metric_old,
        metric_new=metric_new,
        templates=_templates_of(entry, name),
        regex=regex,
        gap_requires=gap_requires,
        gap_excludes=_optional(entry.get("gap_excludes")),
        after_excludes=_optional(entry.get("after_excludes")),
        sentence_requires=sentence_requires,
        screen=Matcher([regex]),
    )


@cache
def rules() -> ProseRules:
    """The compiled patterns of `schemas/prose_patterns.yaml` (checked against the catalogue)."""
    data = load_yaml(PATTERNS_FILE)
    statements = tuple(_load_statement(entry, data) for entry in data["statements"])
    negations = tuple(_load_negation(entry) for entry in data.get("negations", ()))
    names = [s.name for s in statements] + [n.name for n in negations]
    if len(names) != len(set(names)):
        raise PatternError("pattern names must be unique")
    return ProseRules(
        statements=statements,
        negations=negations,
        units={str(k): str(v) for k, v in data["units"].items()},
        fillers=re.compile(str(data["fillers"])),
        boundary=re.compile(str(data["boundary"])),
        clause_break=re.compile(str(data["clause_break"])),
        mask=re.compile(str(data["mask"])),
        sentence_end=re.compile(str(data["sentence_end"])),
        scope_subject=re.compile(str(data["scope_subject"])),
        any_number=_number(_placeholders(data, [str(u) for u in data["units"]])["N"]),
    )


@cache
def _number(pattern: str) -> Matcher:
    """One matcher per {N} (statements with the same units share it)."""
    return Matcher([pattern])


def pattern_metrics() -> frozenset[str]:
    """Every metric code a prose pattern can write."""
    found: set[str] = set()
    for statement in rules().statements:
        found |= {statement.metric_old, statement.metric_new}
        found |= {m for part in statement.parts for m in (part.metric_old, part.metric_new)}
    for negation in rules().negations:
        found |= {negation.metric_old, negation.metric_new}
    return frozenset(found)
