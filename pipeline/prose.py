"""Figures stated in sentences rather than tables (DOMAIN.md, "Statistics in prose only").

Pre-2019 reports without a table give their statistics in prose ("共办结政府信息公开申请283件,
其中“已主动公开”38件,…"); 2019+ reports repeat table figures in prose. This module reads such
sentences with the patterns of `schemas/prose_patterns.yaml`: what a phrase means is data there,
the code only applies it.

Precision before recall: a sentence that matches no pattern yields nothing, numbers inside
《》 titles and document numbers are masked, and the {N} of a pattern only accepts a number
followed by a counting unit (件, 条, 人, 次, …), so years, dates and percentages never qualify.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

from pipeline.catalogue import load_yaml, metric_codes, metrics
from pipeline.model import Figure
from pipeline.text import (
    Line,
    Needs,
    character_class,
    chinese_numeral,
    edge_pieces,
    is_table_line,
    last_match,
    literal_needs,
    meets,
)

PATTERNS_FILE = "prose_patterns.yaml"
TEMPLATES = ("old", "new")
_PLACEHOLDER = re.compile(r"\{([A-Z]+)\}")
_MASK_CHAR = "\x00"


class PatternError(ValueError):
    """`schemas/prose_patterns.yaml` holds something that cannot be used."""


@dataclass(frozen=True, slots=True)
class _Form:
    """One way of writing a stated total, with the checks a match must pass."""

    regex: re.Pattern[str]
    label_requires: re.Pattern[str] | None
    label_excludes: re.Pattern[str] | None
    sentence_requires: re.Pattern[str] | None
    clause_excludes: re.Pattern[str] | None
    # Literals a sentence must hold for the form to be read in it (see `_needs`).
    needs: Needs = ()


@dataclass(frozen=True, slots=True)
class _Part:
    """A labelled figure that may follow a total (or stand in a list without one)."""

    regex: re.Pattern[str]
    metric_old: str
    metric_new: str


@dataclass(frozen=True, slots=True)
class _Statement:
    name: str
    metric_old: str
    metric_new: str
    templates: frozenset[str]
    forms: tuple[_Form, ...]
    parts: tuple[_Part, ...]
    alone_min: int | None
    alone_lead: re.Pattern[str] | None
    # Matches wherever the statement's {N} does (see `_number_hint`): every form and part
    # holds {N}, so a sentence where it matches nowhere cannot hold any of them.
    number_hint: re.Pattern[str]
    # All parts as one alternation, tried in the parts' order: a position where it does not
    # match is one where no part matches, checked with one regex call instead of one per part.
    any_part: re.Pattern[str] | None
    # Literals a sentence must hold for any part to match in it (see `literal_needs`).
    part_needs: Needs = ()
    # Finds one of the literals of each form and of the parts in a text where the statement
    # can match (None: some form has no literal to look for).
    keywords: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class _Negation:
    name: str
    metric_old: str
    metric_new: str
    templates: frozenset[str]
    regex: re.Pattern[str]
    gap_requires: re.Pattern[str] | None
    gap_excludes: re.Pattern[str] | None
    after_excludes: re.Pattern[str] | None
    sentence_requires: re.Pattern[str] | None
    # Literals a line must hold for the negation to be read in it (see `_needs`).
    needs: Needs = ()


@dataclass(frozen=True, slots=True)
class _Rules:
    statements: tuple[_Statement, ...]
    negations: tuple[_Negation, ...]
    units: Mapping[str, str]
    fillers: re.Pattern[str]
    boundary: re.Pattern[str]
    clause_break: re.Pattern[str]
    mask: re.Pattern[str]
    sentence_end: re.Pattern[str]
    scope_subject: re.Pattern[str]
    # the `number_hint` of every statement in one regex: a line where it finds nothing holds
    # no figure any statement could read
    any_number: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class _Hit:
    """A figure and the span (in line coordinates) of what was printed for it."""

    line: int
    start: int
    end: int
    figure: Figure
    negation: bool = False


# --- prefilters (see "regex prefilters" in pipeline/text.py) ---------------------------------

_HINT_MAX_GAP = 8


def _holding(items: Sequence[tuple[Any, Any]], group: int) -> Sequence[tuple[Any, Any]] | None:
    """The sequence that holds `group` as an item, reached through groups only (so that every
    item of it is part of every match)."""
    for op, value in items:
        if op is _sre.SUBPATTERN:
            if value[0] == group:
                return items
            found = _holding(value[3], group)
            if found is not None:
                return found
    return None


def _number_hint(number: str) -> re.Pattern[str] | None:
    """A fast regex that matches wherever the {N} pattern `number` matches, or None.

    {N} is a number (group `num`) then, a few characters on, a unit (group `unit`). The hint
    is a character that can end the number, at most as many characters as can stand between
    the two, and a character that can start the unit: a superset of the matches of {N} that
    the regex engine scans for quickly, since it starts with a character class.
    """
    try:
        tree = _sre_parse.parse(number)
    except re.error:
        return None
    if tree.state.flags & _sre.SRE_FLAG_IGNORECASE:
        return None
    groups = tree.state.groupdict
    if "num" not in groups or "unit" not in groups:
        return None
    items = _holding(tree.data, groups["num"])
    if items is None:
        return None
    indices = {value[0]: i for i, (op, value) in enumerate(items) if op is _sre.SUBPATTERN}
    first, last = indices[groups["num"]], indices.get(groups["unit"], -1)
    if last <= first:
        return None
    gap = _sre_parse.SubPattern(tree.state, list(items[first + 1 : last])).getwidth()[1]
    ends, empty_number = edge_pieces(items[first][1][3], last=True)
    starts, empty_unit = edge_pieces(items[last][1][3], last=False)
    if not ends or not starts or empty_number or empty_unit or gap > _HINT_MAX_GAP:
        return None  # (a number or unit that can be empty has no character to look for)
    if any(icase for _, icase in ends | starts):
        return None  # a class written out would not hold what ignoring case matches
    return re.compile(f"{character_class(ends)}(?s:.){{0,{gap}}}{character_class(starts)}")


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


_GROUP_NAME = re.compile(r"\(\?P(?:<(\w+)>|=(\w+)\))|\(\?\((\w+)\)")


_NUMBERED_REFERENCE = re.compile(r"\\[1-9]|\(\?\(\d")


def _any_of(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One regex that matches at a position exactly where one of `patterns` matches there.

    A prefilter: one call tells whether any of them can match, and only then are they tried
    one by one, in their order, as before. Named groups are renamed apart (an alternation
    cannot hold one name twice); they do not change what matches.
    """
    if not patterns or any(_NUMBERED_REFERENCE.search(p.pattern) for p in patterns):
        return None  # group numbers shift in an alternation: such patterns are not combined

    def rename(i: int, source: str) -> str:
        def sub(match: re.Match[str]) -> str:
            if match[1]:
                return f"(?P<{match[1]}_{i}>"
            if match[2]:
                return f"(?P={match[2]}_{i})"
            return f"(?({match[3]}_{i})"

        return _GROUP_NAME.sub(sub, source)

    try:
        return re.compile("|".join(f"(?:{rename(i, p.pattern)})" for i, p in enumerate(patterns)))
    except re.error:  # e.g. a global inline flag: no prefilter, the parts are tried one by one
        return None


def _placeholders(data: Mapping[str, Any], units: Sequence[str]) -> dict[str, str]:
    ordered = sorted(units, key=len, reverse=True)  # 人次 before 人
    number = str(data["number"]).replace("{UNITS}", "|".join(map(re.escape, ordered)))
    return {**{k: str(v) for k, v in data["placeholders"].items()}, "N": number}


def _with_needs(form: _Form) -> _Form:
    # the label and the sentence are both parts of the sentence: what they need, it holds
    return replace(
        form, needs=literal_needs(form.regex, form.sentence_requires, form.label_requires)
    )


def _load_statement(entry: Mapping[str, Any], data: Mapping[str, Any]) -> _Statement:
    name = str(entry["name"])
    metric_old, metric_new = _metrics_of(entry, name)
    units = [str(u) for u in entry.get("units", data["units"])]
    unknown = set(units) - set(data["units"])
    if unknown:
        raise PatternError(f"{name}: units {sorted(unknown)} are not in the `units` map")
    placeholders = _placeholders(data, units)
    forms = tuple(
        _with_needs(
            _Form(
                regex=_compile(str(form["regex"]), placeholders, name),
                label_requires=_optional(form.get("label_requires")),
                label_excludes=_optional(form.get("label_excludes")),
                sentence_requires=_optional(form.get("sentence_requires")),
                clause_excludes=_optional(form.get("clause_excludes")),
            )
        )
        for form in entry.get("forms", ())
    )
    parts: list[_Part] = []
    for part in entry.get("parts", ()):
        where = f"{name}, part {part.get('label') or part.get('regex')!r}"
        if "regex" in part:
            template = str(part["regex"])
        else:
            shape = data["part_number_first" if part.get("number_first") else "part"]
            template = str(shape).replace("{LABEL}", str(part["label"]))
        part_old, part_new = _metrics_of(part, where)
        parts.append(_Part(_compile(template, placeholders, where), part_old, part_new))
    alone = entry.get("alone")
    if alone and not parts:
        raise PatternError(f"{name}: `alone` needs parts")
    if not forms and not alone:
        raise PatternError(f"{name}: a statement needs forms or an `alone` list")
    any_part = _any_of([part.regex for part in parts])
    part_needs = literal_needs(any_part)
    return _Statement(
        name=name,
        metric_old=metric_old,
        metric_new=metric_new,
        templates=_templates_of(entry, name),
        forms=forms,
        parts=tuple(parts),
        alone_min=int(alone["min_parts"]) if alone else None,
        alone_lead=_optional(alone.get("lead")) if alone else None,
        number_hint=_number_hint(placeholders["N"]) or re.compile(placeholders["N"]),
        any_part=any_part,
        part_needs=part_needs,
        keywords=_keywords(forms, part_needs if alone else None),
    )


def _keywords(forms: Sequence[_Form], part_needs: Needs | None) -> re.Pattern[str] | None:
    """A regex that finds something wherever one of `forms` (or a part) can match.

    A match of a form holds one literal of each of its conditions, so one literal of its
    strongest; the same for the parts (`part_needs`, None when the statement lists no parts
    alone). One search for all of them is cheaper than testing each form.
    """
    return _any_literal(
        [form.needs for form in forms] + ([] if part_needs is None else [part_needs])
    )


def _load_negation(entry: Mapping[str, Any]) -> _Negation:
    name = str(entry["name"])
    metric_old, metric_new = _metrics_of(entry, name)
    pattern = (
        f"(?P<neg>{entry['neg']})(?P<gap>[^,。;:!?{_MASK_CHAR}]{{0,{int(entry['gap'])}}}?)"
        f"(?P<target>{entry['target']})"
    )
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise PatternError(f"{name}: {error}") from error
    gap_requires = _optional(entry.get("gap_requires"))
    sentence_requires = _optional(entry.get("sentence_requires"))
    return _Negation(
        name=name,
        metric_old=metric_old,
        metric_new=metric_new,
        templates=_templates_of(entry, name),
        regex=regex,
        gap_requires=gap_requires,
        gap_excludes=_optional(entry.get("gap_excludes")),
        after_excludes=_optional(entry.get("after_excludes")),
        sentence_requires=sentence_requires,
        # gap and target are part of the match, the match part of the sentence, the
        # sentence part of the line: what any of them needs, the line holds
        needs=literal_needs(regex, sentence_requires, gap_requires),
    )


@cache
def rules() -> _Rules:
    """The compiled patterns of `schemas/prose_patterns.yaml` (checked against the catalogue)."""
    data = load_yaml(PATTERNS_FILE)
    statements = tuple(_load_statement(entry, data) for entry in data["statements"])
    negations = tuple(_load_negation(entry) for entry in data.get("negations", ()))
    names = [s.name for s in statements] + [n.name for n in negations]
    if len(names) != len(set(names)):
        raise PatternError("pattern names must be unique")
    return _Rules(
        statements=statements,
        negations=negations,
        units={str(k): str(v) for k, v in data["units"].items()},
        fillers=re.compile(str(data["fillers"])),
        boundary=re.compile(str(data["boundary"])),
        clause_break=re.compile(str(data["clause_break"])),
        mask=re.compile(str(data["mask"])),
        sentence_end=re.compile(str(data["sentence_end"])),
        scope_subject=re.compile(str(data["scope_subject"])),
        any_number=_any_number(data),
    )


def _any_literal(needs: Sequence[Needs]) -> re.Pattern[str] | None:
    """A regex finding one literal of the strongest condition of each of `needs` (so it finds
    something wherever one of them is met); None if one of them has no condition."""
    literals: set[str] = set()
    for conditions in needs:
        if not conditions:
            return None
        literals |= set(conditions[0])
    ordered = sorted(literals, key=lambda literal: (-len(literal), literal))
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


def _any_number(data: Mapping[str, Any]) -> re.Pattern[str] | None:
    """The number hint of {N} with every unit: it matches wherever a statement's {N} does."""
    return _number_hint(_placeholders(data, [str(u) for u in data["units"]])["N"])


def pattern_metrics() -> frozenset[str]:
    """Every metric code a prose pattern can write."""
    found: set[str] = set()
    for statement in rules().statements:
        found |= {statement.metric_old, statement.metric_new}
        found |= {m for part in statement.parts for m in (part.metric_old, part.metric_new)}
    for negation in rules().negations:
        found |= {negation.metric_old, negation.metric_new}
    return frozenset(found)


# --- reading sentences ---------------------------------------------------------------------


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """Blank out titles and document numbers, keeping every other character's position."""
    return pattern.sub(lambda m: _MASK_CHAR * len(m[0]), text)


def _sentences(text: str, end: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    start = 0
    for match in end.finditer(text):
        yield start, match.start()
        start = match.end()
    if start < len(text):
        yield start, len(text)


def _number(text: str) -> float | None:
    digits = text.replace(",", "")
    if digits[:1].isdigit():
        number = float(digits)
        return number if math.isfinite(number) else None  # hundreds of digits: not a figure
    value = chinese_numeral(text)
    return None if value is None else float(value)


def _clause_prefix(sentence: str, position: int, clause_break: re.Pattern[str]) -> str:
    """The text of the clause that holds `position`, up to `position`."""
    breaks = [m.end() for m in clause_break.finditer(sentence, 0, position)]
    return sentence[breaks[-1] if breaks else 0 : position]


def _label_span(match: re.Match[str]) -> tuple[int, int]:
    if match.re.groupindex.get("label") and match.start("label") >= 0:
        return match.span("label")
    value_start, value_end = match.span("value")
    if value_start > match.start():
        return match.start(), value_start
    return value_end, match.end()


class _Reader:
    """Reads the figures of one line's sentences."""

    def __init__(self, line: Line, new_template: bool) -> None:
        self.rules = rules()
        self.line = line
        self.template = "new" if new_template else "old"
        self.masked = _mask(line.text, self.rules.mask)

    def scope_note(self, position: int) -> str | None:
        """`scope: 区政府` when the subject nearest before `position` is a government body."""
        subject = last_match(self.rules.scope_subject, self.masked, position)
        if subject is not None and subject["body"]:
            return f"scope: {subject['body']}"
        return None

    def metric(self, old: str, new: str) -> str:
        return new if self.template == "new" else old

    def figure(
        self, offset: int, match: re.Match[str], metric: str, part_of: str | None
    ) -> _Hit | None:
        value = _number(match["num"])
        if value is None:
            return None
        approx = bool(match["pre"] or match["post"] or match["post2"])
        label_start, label_end = _label_span(match)
        start, end = match.span("value")
        text = self.line.text
        figure = Figure(
            metric=metric,
            dimension="total",
            value=value,
            value_kind="number",
            qualifier="approx" if approx else "exact",
            unit=self.rules.units[match["unit"]],
            label_raw=text[offset + label_start : offset + label_end].strip(),
            value_raw=text[offset + start : offset + end],
            source_line=self.line.number,
            table_kind="prose",
            part_of=part_of,
            note=self.scope_note(offset + start),
            read_by="prose",
        )
        return _Hit(self.line.number, offset + start, offset + end, figure)

    def scan_parts(
        self, sentence: str, offset: int, position: int, statement: _Statement, total: str | None
    ) -> list[_Hit]:
        """Read a list of parts starting at `position`, until text that is no part."""
        hits: list[_Hit] = []
        any_part = statement.any_part
        while True:
            filler = self.rules.fillers.match(sentence, position)
            position = filler.end() if filler else position
            if any_part is not None and any_part.match(sentence, position) is None:
                return hits
            for part in statement.parts:
                match = part.regex.match(sentence, position)
                if match is None:
                    continue
                hit = self.figure(
                    offset, match, self.metric(part.metric_old, part.metric_new), total
                )
                if hit is not None:
                    hits.append(hit)
                position = match.end()
                break
            else:
                return hits

    def totals(self, sentence: str, offset: int, statement: _Statement) -> list[_Hit]:
        hits: list[_Hit] = []
        metric = self.metric(statement.metric_old, statement.metric_new)
        for form in statement.forms:
            if not meets(form.needs, sentence):
                continue
            if form.sentence_requires and not form.sentence_requires.search(sentence):
                continue
            for match in form.regex.finditer(sentence):
                label = sentence[slice(*_label_span(match))]
                if form.label_requires and not form.label_requires.search(label):
                    continue
                if form.label_excludes and form.label_excludes.search(label):
                    continue
                prefix = _clause_prefix(sentence, match.start(), self.rules.clause_break)
                if form.clause_excludes and form.clause_excludes.search(prefix):
                    continue
                hit = self.figure(offset, match, metric, None)
                if hit is None:
                    continue
                hits.append(hit)
                hits.extend(self.scan_parts(sentence, offset, match.end(), statement, metric))
        return hits

    def alone(
        self, sentence: str, offset: int, statement: _Statement, boundaries: set[int]
    ) -> list[_Hit]:
        """Lists of parts stated without their total.

        `boundaries` are the sentence start and the ends of its `boundary` matches (the same
        for every statement, so found once per sentence).
        """
        if statement.alone_min is None or not meets(statement.part_needs, sentence):
            return []
        starts = boundaries
        if statement.alone_lead is not None:
            starts = starts | {m.end() for m in statement.alone_lead.finditer(sentence) if m.end()}
        hits: list[_Hit] = []
        covered = 0
        for start in sorted(starts):
            if start < covered:
                continue
            found = self.scan_parts(sentence, offset, start, statement, None)
            if len(found) >= statement.alone_min:
                hits.extend(found)
                covered = found[-1].end - offset
        return hits

    def negations(self, sentence: str, offset: int, negations: Sequence[_Negation]) -> list[_Hit]:
        hits: list[_Hit] = []
        for negation in negations:
            if negation.sentence_requires and not negation.sentence_requires.search(sentence):
                continue
            for match in negation.regex.finditer(sentence):
                gap = match["gap"]
                # what is negated is the gap plus the target ("没有收到依申请": 依 + 申请)
                negated = gap + match["target"]
                if negation.gap_requires and not negation.gap_requires.search(negated):
                    continue
                if negation.gap_excludes and negation.gap_excludes.search(gap):
                    continue
                after = sentence[match.end() :]
                if negation.after_excludes and negation.after_excludes.search(after):
                    continue
                start, end = match.span("neg")
                text = self.line.text
                figure = Figure(
                    metric=self.metric(negation.metric_old, negation.metric_new),
                    dimension="total",
                    value=0.0,
                    value_kind="number",
                    qualifier="exact",
                    unit=None,
                    label_raw=text[offset + match.start() : offset + match.end()],
                    value_raw=text[offset + start : offset + end],
                    source_line=self.line.number,
                    table_kind="prose",
                    note="stated as a negation",
                    read_by="prose",
                )
                hits.append(_Hit(self.line.number, offset + start, offset + end, figure, True))
        return hits

    def read(self) -> list[_Hit]:
        hits: list[_Hit] = []
        rules, masked = self.rules, self.masked
        # What cannot match anywhere in the line is not tried in its sentences: negations
        # whose words it lacks, statements when it holds no number with a unit.
        negations = [
            n for n in rules.negations if self.template in n.templates and meets(n.needs, masked)
        ]
        numbers = rules.any_number is None or rules.any_number.search(masked) is not None
        if not numbers and not negations:
            return hits
        for start, end in _sentences(masked, rules.sentence_end):
            sentence = masked[start:end]
            numbered = self.possible(sentence) if numbers else []
            for statement in numbered:
                hits.extend(self.totals(sentence, start, statement))
            if numbered:
                boundaries = {0} | {m.end() for m in self.rules.boundary.finditer(sentence)}
                for statement in numbered:
                    hits.extend(self.alone(sentence, start, statement, boundaries))
            if negations:
                hits.extend(self.negations(sentence, start, negations))
        return hits

    def possible(self, text: str) -> list[_Statement]:
        """The statements of the template that may match in `text`.

        Every form and part of a statement holds its {N}, so a statement whose number hint
        finds nothing cannot match; nor can a form lacking its literals, nor a list of parts
        where no part's literals occur. A text inside a line can only hold less than the line.
        """
        rules = self.rules
        if rules.any_number is not None and rules.any_number.search(text) is None:
            return []
        found: dict[str, bool] = {}
        possible = []
        for statement in rules.statements:
            if self.template not in statement.templates:
                continue
            if statement.keywords is not None and statement.keywords.search(text) is None:
                continue
            if not any(meets(form.needs, text) for form in statement.forms) and (
                statement.alone_min is None or not meets(statement.part_needs, text)
            ):
                continue
            key = statement.number_hint.pattern
            if key not in found:
                found[key] = statement.number_hint.search(text) is not None
            if found[key]:
                possible.append(statement)
        return possible


def _deduplicate(hits: Sequence[_Hit]) -> list[Figure]:
    """One figure per printed number: a part of a stated total wins, then the first pattern."""
    kept: dict[tuple[int, int, int, str], _Hit] = {}
    for hit in hits:
        metric = hit.figure.metric if hit.negation else ""
        key = (hit.line, hit.start, hit.end, metric)
        existing = kept.get(key)
        if existing is None or (existing.figure.part_of is None and hit.figure.part_of):
            kept[key] = hit
    ordered = sorted(kept.values(), key=lambda h: (h.line, h.start, h.figure.metric))
    return [h.figure for h in ordered]


def extract_prose_figures(lines: Sequence[Line], *, new_template: bool = False) -> list[Figure]:
    """Every figure stated in the prose of one report.

    `lines` are the report's lines; table lines (with `|`) are skipped. `new_template` says
    the report follows the 2019+ template, where the same words name other metrics
    (收到申请 is `apply.new` there, `apply.received` before; 办结 is `apply.handled`).
    Each printed number yields at most one figure; a negation ("没有收到…申请",
    "未发生…行政复议") yields a zero whose value_raw is the negating phrase.
    """
    hits: list[_Hit] = []
    any_number = rules().any_number
    template = "new" if new_template else "old"
    negations = [n for n in rules().negations if template in n.templates]
    for line in lines:
        text = line.text
        if not text or is_table_line(text):
            continue
        # Most lines hold neither a number with a unit nor a negation's words: they are not
        # read at all. (Tested before masking: masking only blanks characters out, so what is
        # found in the masked line is found in the line.)
        if (
            any_number is not None
            and any_number.search(text) is None
            and not any(meets(n.needs, text) for n in negations)
        ):
            continue
        hits.extend(_Reader(line, new_template).read())
    figures = _deduplicate(hits)
    return [replace(f, unit=_default_unit(f)) if f.unit is None else f for f in figures]


def _default_unit(figure: Figure) -> str | None:
    """A negated figure prints no unit: it takes the unit its metric is counted in."""
    metric = metrics().get(figure.metric)
    return metric.unit if metric else None
