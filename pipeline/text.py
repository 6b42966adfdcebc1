"""Text primitives shared by every parser: normalisation, table cells and printed values.

Everything here is pure. Parsers match on normalised text but keep the raw line and its
1-based line number, so every figure can point back at what was printed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

from pipeline.catalogue import layouts

# Characters that carry no meaning in scraped text but break matching: zero-width spaces and
# joiners, byte-order marks left inside text, soft hyphens, direction marks and embeddings.
_INVISIBLE: dict[int, str | None] = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u061c"), None
)
_INVISIBLE.update(dict.fromkeys(range(0x202A, 0x202F), None))  # embeddings and overrides
_INVISIBLE.update(dict.fromkeys(range(0x2061, 0x2065), None))  # invisible operators
_INVISIBLE.update(dict.fromkeys(range(0x2066, 0x206A), None))  # isolates
# NFKC leaves the minus sign alone; sites print it for a signed change (本年增/减 −32).
_INVISIBLE[0x2212] = "-"
# Most lines hold none of them: finding one is much cheaper than `translate` with a dict.
_ANY_INVISIBLE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_INVISIBLE)) + "]")
# Pure functions of one string called again and again on the same strings (every table reader
# compacts the same lines, the same cells recur in every report): their results are kept. The
# bound keeps the memory of a long run flat; results are immutable, so sharing them is safe.
_CACHED = 1 << 14
# Runs of spaces become one space; a single plain space (the commonest run by far) is left
# where it is instead of being replaced by itself.
_SPACES = re.compile(r" [ \t\u00a0\u3000]+|[\t\u00a0\u3000][ \t\u00a0\u3000]*")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
# A space between two Han characters is a wrapped word ("社 会稳定"), never a separator.
_SPACE_IN_HAN = re.compile(rf"(?<=[{_HAN}\"“”、()《》])\s+(?=[{_HAN}\"“”、()《》])")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_WHITESPACE = re.compile(r"\s")

# The chrome of the scraped site glues its font-size switcher onto the first sentence.
FONT_SWITCHER_PREFIX = re.compile(r"^\s*大\s*中\s*小\s*")


def normalise_line(raw: str) -> str:
    """NFKC-normalise one line: full-width punctuation to ASCII, odd spaces to one space."""
    text = raw.translate(_INVISIBLE) if _ANY_INVISIBLE.search(raw) else raw
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r", "")
    text = _SPACES.sub(" ", text)
    return text.strip()


@lru_cache(maxsize=_CACHED)
def compact_label(text: str) -> str:
    """A label as a key: no spaces inside Han words, no surrounding space."""
    if _WHITESPACE.search(text) is None:  # what `_SPACE_IN_HAN` removes is whitespace
        return text
    return _SPACE_IN_HAN.sub("", text).strip()


def has_han(text: str, minimum: int = 1) -> bool:
    """True when the text holds at least `minimum` Han characters."""
    return len(_HAN_CHAR.findall(text)) >= minimum


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a source file: its 1-based number, the raw text and the normalised text."""

    number: int
    raw: str
    text: str


def split_lines(text: str) -> list[Line]:
    """Split decoded text into numbered, normalised lines (numbers are 1-based)."""
    raws = text.split("\n")
    normalised = _normalise_text(text).split("\n")
    if len(normalised) != len(raws):  # cannot happen (see `_normalise_text`); stay safe
        normalised = [normalise_line(raw) for raw in raws]
    else:
        normalised = [line.strip() for line in normalised]
    return [
        Line(i, raw.rstrip("\r"), line)
        for i, (raw, line) in enumerate(zip(raws, normalised, strict=True), start=1)
    ]


def _normalise_text(text: str) -> str:
    """`normalise_line` of every line at once, but for the final `strip`.

    Each step works on each line alone: `translate`, the `\r` and the space runs (which hold
    no line end) character by character, and NFKC never across a line end, which is a
    character of its own that never composes, reorders or decomposes.
    """
    text = text.translate(_INVISIBLE) if _ANY_INVISIBLE.search(text) else text
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text.replace("\r", ""))


# --- table cells ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell as printed, with the line it ends on."""

    text: str
    line: int


def is_table_line(text: str) -> bool:
    """A line of a pipe-delimited table."""
    return "|" in text


def cell_stream(lines: list[Line]) -> list[Cell]:
    """Read consecutive table lines as one stream of cells.

    A `|` closes a cell. A line that does not end with `|` leaves its last cell open, so the
    next line continues it: that is how a row split over two lines (`七、…报送信息数` then
    `| 条 | 0 |`) and the one-cell-per-line layout (`label |`, `unit |`, `value |`) both come
    out as the same cells as a one-row-per-line table.
    """
    cells: list[Cell] = []
    parts: list[str] = []
    first_line: int | None = None
    for line in lines:
        pieces = line.text.split("|")
        closed = len(pieces) - 1
        for i, piece in enumerate(pieces):
            piece = piece.strip()
            if piece:
                parts.append(piece)
                first_line = first_line or line.number
            if i < closed:  # a pipe follows: the cell is closed
                cells.append(Cell(compact_label(" ".join(parts)), first_line or line.number))
                parts, first_line = [], None
    if parts:
        cells.append(Cell(compact_label(" ".join(parts)), first_line or lines[-1].number))
    return cells


def row_cells(text: str) -> list[str]:
    """Cells of a single table line; the empty remainder after the last `|` is dropped."""
    return list(row_cell_tuple(text))


@lru_cache(maxsize=_CACHED)
def row_cell_tuple(text: str) -> tuple[str, ...]:
    """`row_cells` as a tuple, shared between callers (for those that do not change it)."""
    pieces = [compact_label(p) for p in text.split("|")]
    if pieces and pieces[-1] == "":
        pieces.pop()
    return tuple(pieces)


# --- printed values ------------------------------------------------------------------------

NA_TOKENS = frozenset({"/", "\\", "—", "——", "———", "-", "--", "---", "－", "一", "×", "x", "X"})
# Thousands separators only in groups of exactly three after a first group that does not start
# with 0: "1,234" and "12,345,678" are numbers; "1,2", "3,4,5", "0,123" and "1,2345" are not
# (a list or a decimal comma), so they stay text rather than become a wrong figure.
_NUMBER = re.compile(
    r"^(?P<sign>[+-])?\s*(?P<int>[1-9]\d{0,2}(?:,\d{3})+(?![\d,])|\d+)(?P<frac>\.\d+)?\s*"
    r"(?P<approx>余|多|以上|左右)?\s*(?P<tail>.*)$"
)
# What may follow a number: a unit, bare or in brackets, and/or a note in brackets.
_TAIL = re.compile(
    r"^(?:[(](?P<bracketed>[\u4e00-\u9fff]{1,4})[)]|(?P<bare>[\u4e00-\u9fff]{1,4}))?"
    r"\s*(?:[(](?P<note>.+)[)])?$"
)


@dataclass(frozen=True, slots=True)
class Value:
    """A printed value read as printed: the number (or None), its kind, qualifier and unit."""

    value: float | None
    kind: str  # number | empty | na | text
    qualifier: str  # exact | approx
    unit: str | None
    raw: str
    note: str | None = None


@lru_cache(maxsize=_CACHED)
def parse_value(raw: str) -> Value:
    """Read one printed value without changing it.

    Empty stays empty (NULL, never zero); "/" and dashes are `na`; "110余" is an approximate
    110; an inline unit ("7710(次)", "104367.1万元") is split off; a note in brackets
    ("22(其中修订16件)") is kept beside the number. Anything else is `text` with no value.
    """
    text = compact_label(normalise_line(raw))
    if text == "":
        return Value(None, "empty", "exact", None, raw)
    if text in NA_TOKENS:
        return Value(None, "na", "exact", None, raw)
    match = _NUMBER.match(text)
    if match is None:
        return Value(None, "text", "exact", None, raw)
    unit, note, readable = _read_tail(match["tail"].strip())
    if not readable:
        # "1 2" or "12 3": more than one number in one cell is not a value we can trust.
        return Value(None, "text", "exact", None, raw)
    number = float(match["int"].replace(",", "") + (match["frac"] or ""))
    if not math.isfinite(number):  # hundreds of digits: garbage, not a figure
        return Value(None, "text", "exact", None, raw)
    if match["sign"] == "-":
        number = -number
    qualifier = "approx" if match["approx"] else "exact"
    return Value(number, "number", qualifier, unit, raw, note)


@cache
def _units() -> frozenset[str]:
    return frozenset(layouts()["units"])


def _read_tail(tail: str) -> tuple[str | None, str | None, bool]:
    """(unit, note, readable) of what follows a number in a cell.

    "万元" and "(次)" are units; "(其中修订16件)" is a note; "件(其中修订16件)" is both. A
    bracketed word that is no unit ("(含修订)") is a note, and a note after a bare word
    needs that word to be a unit ("12345热线(件)" is a label, not the number 12345).
    """
    if not tail:
        return None, None, True
    match = _TAIL.match(tail)
    if match is None:
        return None, None, False
    unit = match["bracketed"] or match["bare"]
    note = match["note"]
    if match["bracketed"] and unit not in _units():
        if note is not None:
            return None, None, False
        return None, unit, True
    if match["bare"] and note is not None and unit not in _units():
        return None, None, False
    return unit, note, True


_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "两": 2,
}


def chinese_numeral(text: str) -> int | None:
    """Value of a small Chinese numeral (一 … 九十九), None if it is not one."""
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    tens_value = _CN_DIGITS.get(tens, 0) if tens else 1
    units_value = _CN_DIGITS.get(units, 0) if units else 0
    return tens_value * 10 + units_value


# --- regex prefilters -----------------------------------------------------------------------
# A prefilter is a cheap test that holds wherever a pattern can match: a text (a line, a
# sentence, a position) where it fails is skipped without running the pattern, so it saves time
# and never loses a match. Prefilters are derived from the compiled patterns themselves (their
# parse trees), never written by hand beside them; where a pattern holds something the
# derivation does not follow, there is no prefilter and the pattern itself is run.

# Conditions a text must meet, all of them: each is a set of literals, one of which it holds.
Needs = tuple[tuple[str, ...], ...]

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


# A piece of a character class (`a`, `a-z`, `\\d`) and whether it is matched ignoring case.
ClassPiece = tuple[str, bool]


def edge_pieces(
    items: Sequence[tuple[Any, Any]], last: bool, icase: bool = False
) -> tuple[set[ClassPiece] | None, bool]:
    """(class pieces of the first or last character a match of `items` can have, nullable).

    None as the pieces: any character (something the derivation does not follow).
    """
    pieces: set[ClassPiece] = set()
    for op, value in reversed(items) if last else items:
        found: set[ClassPiece] | None
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
            found, nullable = edge_pieces(value[3], last, inner)
        elif op is _sre.BRANCH:
            found, nullable = set(), False
            for alternative in value[1]:
                more, empty = edge_pieces(alternative, last, icase)
                if more is None:
                    return None, True
                found, nullable = found | more, nullable or empty
        elif op in _REPEATS:
            found, nullable = edge_pieces(value[2], last, icase)
            nullable = nullable or value[0] == 0
        else:
            return None, True
        if found is None:
            return None, True
        pieces |= found
        if not nullable:
            return pieces, False
    return pieces, True


def character_class(pieces: set[ClassPiece]) -> str:
    """A character class of the pieces as written (ignore-case ones as if they were not)."""
    return f"[{''.join(sorted(piece for piece, _ in pieces))}]"


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


def literal_needs(*patterns: re.Pattern[str] | None) -> Needs:
    """What a text must hold for each of `patterns` to match somewhere in it.

    For a prefilter that costs a few `in` tests: a text (a sentence, a line) lacking one of
    these literals cannot hold a match, so the patterns are not run on it.
    """
    found: set[tuple[str, ...]] = set()
    for pattern in patterns:
        if pattern is None or pattern.flags & re.IGNORECASE:
            continue
        try:
            tree = _sre_parse.parse(pattern.pattern, pattern.flags & ~re.UNICODE)
        except re.error:
            continue
        found |= {tuple(sorted(c)) for c in _literals(tree.data)}
    # the longest literals first: they are the rarest
    return tuple(sorted(found, key=lambda c: (-min(map(len, c)), c)))


def meets(needs: Needs, text: str) -> bool:
    """True when `text` holds one literal of every condition of `needs`."""
    for alternatives in needs:
        for literal in alternatives:
            if literal in text:
                break
        else:
            return False
    return True


@cache
def _cased_pieces() -> frozenset[ClassPiece]:
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
    pieces: set[ClassPiece] = set()
    for pattern in patterns:
        try:
            tree = _sre_parse.parse(pattern.pattern, pattern.flags & ~re.UNICODE)
        except re.error:
            return None
        found, nullable = edge_pieces(tree.data, False, bool(tree.state.flags & re.IGNORECASE))
        if found is None or nullable:
            return None
        pieces |= found
    if any(icase for _, icase in pieces):
        pieces |= _cased_pieces()
    return re.compile(character_class(pieces)) if pieces else None


def _anchored(pattern: re.Pattern[str]) -> bool:
    """The pattern can only match at the start of the text (`^` without MULTILINE, `\\A`)."""
    try:
        items = list(_sre_parse.parse(pattern.pattern, pattern.flags & ~re.UNICODE).data)
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
        items = list(_sre_parse.parse(pattern.pattern, pattern.flags & ~re.UNICODE).data)
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


class AnyOf:
    """`any(p.search(text) for p in patterns)`, with as few scans of the text as possible.

    Patterns that start with a literal are searched as one alternation (the engine jumps from
    one possible first character to the next); the others only in a text holding a character
    that can start one of them. Patterns with groups, or that cannot be combined, are searched
    one by one, as given.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        compiled = [re.compile(p) for p in patterns]
        self._each: list[re.Pattern[str]] = [p for p in compiled if p.groups]
        plain = [p for p in compiled if not p.groups]
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


@cache
def _starts(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    return _first_class([pattern])


def last_match(pattern: re.Pattern[str], text: str, endpos: int) -> re.Match[str] | None:
    """The last match of `pattern.finditer(text, 0, endpos)`, found faster.

    `finditer` tries a match at every position; a match can only start at a character that
    can start it (`_first_class`), so the positions in between are skipped in one scan. The
    matches found, and so the last one, are the same.
    """
    starts = _starts(pattern)
    last: re.Match[str] | None = None
    if starts is None:
        for last in pattern.finditer(text, 0, endpos):  # noqa: B007 - the last one is kept
            pass
        return last
    position = 0
    while (start := starts.search(text, position, endpos)) is not None:
        match = pattern.match(text, start.start(), endpos)
        if match is None:
            position = start.start() + 1
        else:
            last, position = match, match.end()  # never empty: `_starts` needs a character
    return last
