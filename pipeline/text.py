"""Text primitives shared by every parser: normalisation, table cells and printed values.

Everything here is pure. Parsers match on normalised text but keep the raw line and its
1-based line number, so every figure can point back at what was printed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from pipeline.catalogue import layouts
from pipeline.readonly import readonly

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

# A markdown heading's marks at the start of a line (`## 一、总体情况`).
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s*")

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


@readonly
class Line:
    """One line of a source file: its 1-based number, the raw text and the normalised text."""

    number: int
    raw: str
    text: str


def split_lines(text: str) -> list[Line]:
    """Split decoded text into numbered, normalised lines (numbers are 1-based)."""
    return [
        Line(i, raw.rstrip("\r"), normalise_line(raw))
        for i, raw in enumerate(text.split("\n"), start=1)
    ]


# --- table cells ---------------------------------------------------------------------------


@readonly
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
