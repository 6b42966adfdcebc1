"""Sets of regular expressions with the same answers as plain `re`, found faster.

The one place of the parsers' regex shortcuts (benchmarks/README.md, "Speed tricks", says what
each is worth):

    matcher = Matcher(patterns)      # strings or compiled patterns
    matcher.search(text)             # any(re.search(p, text) for p in patterns)
    matcher.may_match(text)          # False only where no pattern can match

`search` is exact. `may_match` is a cheap screen: False guarantees that no pattern matches in
`text` nor in any text made of its characters with some of them blanked out (so a sentence of a
line, or a masked line, need not be tried); True promises nothing. The shortcuts are derived
from the compiled patterns themselves (their parse trees), never written by hand beside them;
where a pattern holds something the derivation does not follow, it has no shortcut and the
pattern itself is run (or, for `may_match`, the answer is True).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import cache
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

# A piece of a character class (`a`, `a-z`, `\\d`) and whether it is matched ignoring case.
_ClassPiece = tuple[str, bool]
# Conditions a text must meet, all of them: each a set of literals, one of which it holds.
_Needs = tuple[tuple[str, ...], ...]
# A parse tree of `re._parser` (a SubPattern: `.data`, `.state`), untyped there.
_Tree = Any

_CATEGORIES = {
    _sre.CATEGORY_DIGIT: r"\d",
    _sre.CATEGORY_NOT_DIGIT: r"\D",
    _sre.CATEGORY_SPACE: r"\s",
    _sre.CATEGORY_NOT_SPACE: r"\S",
    _sre.CATEGORY_WORD: r"\w",
    _sre.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = (_sre.ASSERT, _sre.ASSERT_NOT, _sre.AT)
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)
# The longest gap a hint spans between two required pieces (see `_hint`).
_HINT_MAX_GAP = 8


class Matcher:
    """Regular expressions searched as one set (see the module docstring)."""

    def __init__(self, patterns: Sequence[str | re.Pattern[str]]) -> None:
        self.patterns: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in patterns)
        # search: patterns that start with a literal as one alternation (the engine jumps from
        # one possible first character to the next); the others as one alternation tried only
        # in a text holding a character that can start them; the rest one by one.
        self._each: list[re.Pattern[str]] = [p for p in self.patterns if p.groups]
        plain = [p for p in self.patterns if not p.groups]
        led = [p for p in plain if _literal_led(p)]
        rest = [p for p in plain if not _literal_led(p)]
        self._led = _union(led) if led else None
        if led and self._led is None:
            self._each.extend(led)
        self._rest = _union(rest) if rest else None
        if rest and self._rest is None:
            self._each.extend(rest)
        self._rest_first = _first_class(rest) if self._rest else None
        # patterns anchored at the start can only start matching at the first character
        self._rest_anchored = bool(rest) and all(_anchored(p) for p in rest)
        # may_match: one screen per pattern, None where a pattern has none
        self._screens = [_screen(p) for p in self.patterns]
        self._unscreened = any(screen is None for screen in self._screens)
        # the commonest case, one pattern with a hint, without the loop (called per line)
        only = self._screens[0] if len(self._screens) == 1 else None
        self._hint_search = only.search if isinstance(only, re.Pattern) else None

    def search(self, text: str) -> bool:
        """True when one of the patterns matches somewhere in `text`."""
        if self._led is not None and self._led.search(text) is not None:
            return True
        if self._rest is not None:
            first = self._rest_first
            if (
                first is None
                or (first.match(text) if self._rest_anchored else first.search(text)) is not None
            ) and self._rest.search(text) is not None:
                return True
        return bool(self._each) and any(p.search(text) is not None for p in self._each)

    def may_match(self, text: str) -> bool:
        """False only when no pattern can match in `text` (nor in a text made of its
        characters with some blanked out); True when one may."""
        if self._hint_search is not None:
            return self._hint_search(text) is not None
        if self._unscreened:
            return True
        for screen in self._screens:
            if isinstance(screen, re.Pattern):
                if screen.search(text) is not None:
                    return True
            elif _meets(screen, text):  # type: ignore[arg-type]
                return True
        return False


# --- screens: what a text must hold for a pattern to match in it -----------------------------


def _screen(pattern: re.Pattern[str]) -> re.Pattern[str] | _Needs | None:
    """A hint regex (`_hint`), else the literals every match holds, else None."""
    hint = _hint(pattern)
    if hint is not None:
        return hint
    needs = _literal_needs(pattern)
    return needs or None


def _parse(pattern: re.Pattern[str]) -> _Tree:
    """The parse tree of a compiled pattern (`re`'s own parser)."""
    return _sre_parse.parse(pattern.pattern, pattern.flags & ~re.UNICODE)


def _flat(items: Sequence[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The items of a sequence with its case-sensitive groups opened up (a group matches its
    items one after the other)."""
    flat: list[tuple[Any, Any]] = []
    for op, value in items:
        if op is _sre.SUBPATTERN and not (value[1] | value[2]) & _sre.SRE_FLAG_IGNORECASE:
            flat.extend(_flat(value[3]))
        else:
            flat.append((op, value))
    return flat


def _hint(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A fast regex that matches wherever `pattern` matches, or None.

    Two pieces every match holds one after the other (a number, then a counting unit), at
    most `_HINT_MAX_GAP` characters apart: a character that can end the first, the gap, a
    character that can start the second. It starts with a character class, which the regex
    engine scans for quickly, and never runs the pattern's own look-arounds. Pieces that are
    plain characters are left to the literals (`_literal_needs`), which look for whole words.
    """
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        tree = _parse(pattern)
    except re.error:
        return None
    state = tree.state
    items = _flat(tree.data)
    widths = [_sre_parse.SubPattern(state, [item]).getwidth() for item in items]
    required = [i for i, (low, _) in enumerate(widths) if low >= 1]
    for first, second in itertools.pairwise(required):
        gap = sum(widths[i][1] for i in range(first + 1, second))
        if gap > _HINT_MAX_GAP or _sre.LITERAL in (items[first][0], items[second][0]):
            continue  # a literal is better looked for among the literals of every match
        ends, empty_end = _edge_pieces([items[first]], last=True)
        starts, empty_start = _edge_pieces([items[second]], last=False)
        if not ends or not starts or empty_end or empty_start:
            continue
        if any(icase for _, icase in ends | starts):
            continue  # a class written out would not hold what ignoring case matches
        return re.compile(f"{_character_class(ends)}(?s:.){{0,{gap}}}{_character_class(starts)}")
    return None


def _literals(items: Sequence[tuple[Any, Any]]) -> list[frozenset[str]]:
    """Conditions every match of `items` meets: each a set of strings, one of which it holds.

    A run of literal characters is one such string; a group or a repeat taken at least once
    adds its own conditions; an alternation adds one condition whose strings are one from
    each alternative (when every alternative has one). Anything else adds nothing.
    """
    conditions: list[frozenset[str]] = []
    run: list[str] = []
    for op, value in [*items, (None, None)]:
        if op is _sre.LITERAL:
            run.append(chr(value))
            continue
        if run:
            conditions.append(frozenset({"".join(run)}))
            run = []
        if op is _sre.SUBPATTERN and not value[1] & _sre.SRE_FLAG_IGNORECASE:
            conditions.extend(_literals(value[3]))
        elif op in _REPEATS and value[0] >= 1:
            conditions.extend(_literals(value[2]))
        elif op is _sre.BRANCH:
            alternatives = [_literals(alternative) for alternative in value[1]]
            if all(alternatives):
                strongest = (max(a, key=lambda c: min(map(len, c))) for a in alternatives)
                conditions.append(frozenset().union(*strongest))
    return conditions


def _literal_needs(pattern: re.Pattern[str]) -> _Needs:
    """What a text must hold for `pattern` to match somewhere in it (longest literals first:
    they are the rarest)."""
    if pattern.flags & re.IGNORECASE:
        return ()
    try:
        tree = _parse(pattern)
    except re.error:
        return ()
    found = {tuple(sorted(c)) for c in _literals(tree.data)}
    return tuple(sorted(found, key=lambda c: (-min(map(len, c)), c)))


def _meets(needs: _Needs, text: str) -> bool:
    """True when `text` holds one literal of every condition of `needs`."""
    for alternatives in needs:
        for literal in alternatives:
            if literal in text:
                break
        else:
            return False
    return True


# --- search: the characters a match can start with -------------------------------------------


def _class_pieces(items: Sequence[tuple[Any, Any]]) -> set[str] | None:
    """The members of a parsed character class as regex class pieces (None: a negated class)."""
    pieces: set[str] = set()
    for op, value in items:
        if op is _sre.LITERAL:
            pieces.add(re.escape(chr(value)))
        elif op is _sre.RANGE:
            pieces.add(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
        elif op is _sre.CATEGORY and value in _CATEGORIES:
            pieces.add(_CATEGORIES[value])
        else:
            return None
    return pieces


def _edge_pieces(
    items: Sequence[tuple[Any, Any]], last: bool, icase: bool = False
) -> tuple[set[_ClassPiece] | None, bool]:
    """(class pieces of the first or last character a match of `items` can have, nullable).

    None as the pieces: any character (something the derivation does not follow).
    """
    pieces: set[_ClassPiece] = set()
    for op, value in reversed(items) if last else items:
        found: set[_ClassPiece] | None
        if op in _ZERO_WIDTH:
            continue
        if op is _sre.LITERAL:
            found, nullable = {(re.escape(chr(value)), icase)}, False
        elif op is _sre.IN:
            members = _class_pieces(value)
            found = None if members is None else {(m, icase) for m in members}
            nullable = False
        elif op is _sre.SUBPATTERN:
            inner = (icase or bool(value[1] & re.IGNORECASE)) and not value[2] & re.IGNORECASE
            found, nullable = _edge_pieces(value[3], last, inner)
        elif op is _sre.BRANCH:
            found, nullable = set(), False
            for alternative in value[1]:
                more, empty = _edge_pieces(alternative, last, icase)
                if more is None:
                    return None, True
                found, nullable = found | more, nullable or empty
        elif op in _REPEATS:
            found, nullable = _edge_pieces(value[2], last, icase)
            nullable = nullable or value[0] == 0
        else:
            return None, True
        if found is None:
            return None, True
        pieces |= found
        if not nullable:
            return pieces, False
    return pieces, True


def _character_class(pieces: set[_ClassPiece]) -> str:
    """A character class of the pieces as written (ignore-case ones as if they were not)."""
    return f"[{''.join(sorted(piece for piece, _ in pieces))}]"


@cache
def _cased_pieces() -> frozenset[_ClassPiece]:
    """Class pieces covering every character that has case: what a character matched
    ignoring case can be besides itself (Unicode folds the Kelvin sign to k, the long s to
    s…). Those of the BMP are listed; every character beyond it is counted in."""
    ranges: list[list[int]] = []
    for code in range(0x10000):
        char = chr(code)
        if char.lower() != char or char.upper() != char:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    ranges.append([0x10000, 0x10FFFF])
    return frozenset(
        (re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}", False)
        for a, b in ranges
    )


def _first_class(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """A class of every character a match of one of `patterns` can start with; None when
    some pattern can start with anything (or match the empty string)."""
    pieces: set[_ClassPiece] = set()
    for pattern in patterns:
        try:
            tree = _parse(pattern)
        except re.error:
            return None
        found, nullable = _edge_pieces(tree.data, False, bool(tree.state.flags & re.IGNORECASE))
        if found is None or nullable:
            return None
        pieces |= found
    if any(icase for _, icase in pieces):
        pieces |= _cased_pieces()
    return re.compile(_character_class(pieces)) if pieces else None


def _anchored(pattern: re.Pattern[str]) -> bool:
    """The pattern can only match at the start of the text (`^` without MULTILINE, `\\A`)."""
    try:
        items = list(_parse(pattern).data)
    except re.error:
        return False
    if not items or items[0][0] is not _sre.AT:
        return False
    where = items[0][1]
    return where is _sre.AT_BEGINNING_STRING or (
        where is _sre.AT_BEGINNING and not pattern.flags & re.MULTILINE
    )


def _literal_led(pattern: re.Pattern[str]) -> bool:
    """The pattern starts with a literal character (which the regex engine scans for fast)."""
    if pattern.flags & re.IGNORECASE:
        return False
    try:
        items = list(_parse(pattern).data)
    except re.error:
        return False
    return bool(items) and items[0][0] is _sre.LITERAL


_LEADING_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")
_SCOPED_FLAGS = (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X))


def _union(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One regex that finds a match where one of the (group-free) patterns would."""
    alternatives = []
    for pattern in patterns:
        if pattern.flags & (re.ASCII | re.LOCALE):
            return None
        source = _LEADING_FLAGS.sub("", pattern.pattern)  # global flags become scoped ones
        letters = "".join(f for f, bit in _SCOPED_FLAGS if pattern.flags & bit)
        alternatives.append(f"(?{letters}:{source})" if letters else f"(?:{source})")
    try:
        return re.compile("|".join(alternatives))
    except re.error:
        return None
