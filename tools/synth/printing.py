"""How figures and text are printed: numbers as reports print them, Chinese numerals,
labels wrapped inside a word, and full-width forms (which NFKC folds back).
"""

from __future__ import annotations

import random


def format_figure(value: float | None) -> str:
    if value is None:
        return ""
    if type(value) is int:
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def chinese_numeral(n: int) -> str:
    """1..19 as a Chinese numeral (section numbering)."""
    digits = "一二三四五六七八九"
    if n < 10:
        return digits[n - 1]
    return "十" + (digits[n - 11] if n > 10 else "")


def wrap_word(rng: random.Random, label: str) -> str:
    """A label with a space inside a word, as wrapped table cells arrive (`社 会稳定`)."""
    spots = [
        i
        for i in range(4, len(label) - 1)
        if "\u4e00" <= label[i - 1] <= "\u9fff" and "\u4e00" <= label[i] <= "\u9fff"
    ]
    if not spots:
        return label
    i = rng.choice(spots)
    return f"{label[:i]} {label[i:]}"


# NFKC folds these back; sites that never normalise their text print them.
FULL_WIDTH_HTML = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "(),:;0123456789+-.%"})
_FULL_WIDTH_PAIRS = (*((chr(c), chr(c + 0xFEE0)) for c in range(0x21, 0x7F)), (" ", "\u3000"))


def full_width(text: str) -> str:
    """ASCII as its full-width forms and spaces as ideographic spaces (what NFKC undoes).

    A chain of `str.replace` is several times faster here than `str.translate`, whose
    non-ASCII output takes CPython's slow path.
    """
    for ascii_char, wide in _FULL_WIDTH_PAIRS:
        if ascii_char in text:
            text = text.replace(ascii_char, wide)
    return text


def full_width_lines(lines: list[str]) -> list[str]:
    return full_width("\n".join(lines)).split("\n")
