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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from pipeline.catalogue import metrics
from pipeline.model import Figure
from pipeline.prose_patterns import (
    MASK_CHAR,
    Negation,
    PatternError,
    Statement,
    pattern_metrics,
    rules,
)
from pipeline.text import Line, chinese_numeral, is_table_line

__all__ = ["PatternError", "extract_prose_figures", "pattern_metrics"]


@dataclass(frozen=True, slots=True)
class _Hit:
    """A figure and the span (in line coordinates) of what was printed for it."""

    line: int
    start: int
    end: int
    figure: Figure
    negation: bool = False


# --- reading sentences ---------------------------------------------------------------------


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """Blank out titles and document numbers, keeping every other character's position."""
    return pattern.sub(lambda m: MASK_CHAR * len(m[0]), text)


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
        subject = None
        for subject in self.rules.scope_subject.finditer(self.masked, 0, position):  # noqa: B007
            pass  # the last one is kept
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
        self, sentence: str, offset: int, position: int, statement: Statement, total: str | None
    ) -> list[_Hit]:
        """Read a list of parts starting at `position`, until text that is no part."""
        hits: list[_Hit] = []
        while True:
            filler = self.rules.fillers.match(sentence, position)
            position = filler.end() if filler else position
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

    def totals(self, sentence: str, offset: int, statement: Statement) -> list[_Hit]:
        hits: list[_Hit] = []
        metric = self.metric(statement.metric_old, statement.metric_new)
        for form in statement.forms:
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
        self, sentence: str, offset: int, statement: Statement, boundaries: set[int]
    ) -> list[_Hit]:
        """Lists of parts stated without their total.

        `boundaries` are the sentence start and the ends of its `boundary` matches (the same
        for every statement, so found once per sentence).
        """
        if statement.alone_min is None:
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

    def negations(self, sentence: str, offset: int, negations: Sequence[Negation]) -> list[_Hit]:
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
            n
            for n in rules.negations
            if self.template in n.templates and n.screen.may_match(masked)
        ]
        numbers = rules.any_number.may_match(masked)
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

    def possible(self, text: str) -> list[Statement]:
        """The statements of the template that may match in `text`.

        Every form and part of a statement holds its {N}, so a statement whose {N} cannot
        match in the text cannot match there either.
        """
        rules = self.rules
        if not rules.any_number.may_match(text):
            return []
        found: dict[int, bool] = {}  # statements with the same units share one {N}
        possible = []
        for statement in rules.statements:
            if self.template not in statement.templates:
                continue
            key = id(statement.number)
            if key not in found:
                found[key] = statement.number.may_match(text)
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
        # read at all. (Tested before masking: masking only blanks characters out.)
        if not any_number.may_match(text) and not any(n.screen.may_match(text) for n in negations):
            continue
        hits.extend(_Reader(line, new_template).read())
    figures = _deduplicate(hits)
    return [replace(f, unit=_default_unit(f)) if f.unit is None else f for f in figures]


def _default_unit(figure: Figure) -> str | None:
    """A negated figure prints no unit: it takes the unit its metric is counted in."""
    metric = metrics().get(figure.metric)
    return metric.unit if metric else None
