"""The printed lines a failing rule cites, quoted from the raw files.

The quality report, the Excel `checks` sheet and the per-agency problem lists all quote the lines
a rule evaluation cites. They read them here, decoded exactly as the parser decoded them (for a
saved web page, line numbers count lines of the converted text), so a quoted line is the line
the figure was read from.
"""

from __future__ import annotations

import stat
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from pipeline.documents import decode_document

# (source file, first line, last line) of a report in its file.
Span = tuple[str, int | None, int | None]

# A quoted value line gets up to this many lines above it, until one holds a label.
_CONTEXT_LINES = 3
_LABEL_CHARACTERS = 3
_WIDE = ("W", "F")


class SourceLines:
    """The text lines of raw files, decoded the way the parser decoded them."""

    def __init__(self, raw_dir: Path | None) -> None:
        self.raw_dir = raw_dir
        self._lines: dict[str, list[str] | None] = {}
        self._folders: dict[Path, Path] = {}

    def path(self, source_file: str) -> Path | None:
        """The raw file, when a raw directory is given and the file is there."""
        if self.raw_dir is None:
            return None
        path = self.raw_dir / source_file
        try:
            return path if path.is_file() else None
        except OSError:  # a folder the run may not search: cited, not quoted
            return None

    def uri(self, source_file: str) -> str | None:
        """The raw file's `file:` URI (its real path), when it is there."""
        if self.raw_dir is None:
            return None
        path = self.raw_dir / source_file
        try:
            mode = path.lstat().st_mode
        except OSError:  # not there, or a folder the run may not search
            return None
        if stat.S_ISREG(mode):
            # A plain file's real path is its folder's plus its name: each folder is resolved
            # once for all its files (benchmarks/README.md, lesson 23).
            return (self._real_folder(path.parent) / path.name).as_uri()
        target = self.path(source_file)  # a link: followed, as the quoted lines follow it
        return target.resolve().as_uri() if target is not None else None

    def _real_folder(self, folder: Path) -> Path:
        if folder not in self._folders:
            self._folders[folder] = folder.resolve()
        return self._folders[folder]

    def line(self, source_file: str, number: int) -> str | None:
        """Line `number` (1-based) as the parser numbered it, or None when it cannot be read."""
        if source_file not in self._lines:
            self._lines[source_file] = self._read(source_file)
        lines = self._lines[source_file]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _read(self, source_file: str) -> list[str] | None:
        path = self.path(source_file)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        text, _, _ = decode_document(source_file, data)
        return text.split("\n") if text is not None else None


def line_owner(
    line: int, report_id: str, other_report_id: str | None, spans: Mapping[str, Span]
) -> str:
    """The report a cited line belongs to: the report itself, or for a cross-year rule the
    earlier report when the line falls inside that report's lines and not inside this one's
    (the two may even be in different files)."""

    def inside(span: Span | None) -> bool:
        return span is not None and span[1] is not None and span[1] <= line <= (span[2] or line)

    if other_report_id and not inside(spans.get(report_id)) and inside(spans.get(other_report_id)):
        return other_report_id
    return report_id


def _wide_characters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.east_asian_width(ch) in _WIDE)


def quoted_lines(sources: SourceLines, source_file: str, line: int) -> list[tuple[int, str]]:
    """The cited line, preceded by its label when the line holds only a value.

    In the one-cell-per-line layout (`001`) a cited line reads `33 |`; the lines above it, up
    to the first that holds a label (three CJK characters or more), say what 33 is.
    """
    text = sources.line(source_file, line)
    if text is None:
        return []
    quoted = [(line, text)]
    number = line
    while _wide_characters(quoted[0][1]) < _LABEL_CHARACTERS and line - number < _CONTEXT_LINES:
        number -= 1
        above = sources.line(source_file, number)
        if above is None:
            break
        quoted.insert(0, (number, above))
    return quoted
