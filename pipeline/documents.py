"""Inventory of the raw directory: every file, its hash, and its decoded text.

Raw files are only ever read. A file that cannot become text is not an error of the run: it
gets a quarantine row with the reason and the run goes on.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Any

from pipeline.charset import declared_charset
from pipeline.html import html_to_text, looks_like_html
from pipeline.model import Rejected

# Encodings tried, in order, for files without a byte-order mark. GB18030 is a superset of
# GBK and GB2312, the commonest encodings on county government sites.
_FALLBACK_ENCODINGS = ("utf-8", "gb18030")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def same_stat(entry: Mapping[str, Any] | None, stat: os.stat_result) -> bool:
    """The inventory row still describes the file: same size and mtime (so it is not read)."""
    return (
        entry is not None
        and entry["size_bytes"] == stat.st_size
        and entry["mtime_ns"] == stat.st_mtime_ns
    )


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One entry of the raw directory: a file to read, or what could not be (and why).

    `name` is the path relative to the raw directory (a folder's ends with "/"). `problem` is
    None for a regular file to read; otherwise the entry is never opened and gets a quarantine
    row with the reason: `outside_raw_dir` (a symbolic link out of the raw directory),
    `unreadable_file` (a broken link, a device, a pipe, an error), `unreadable_folder` (a
    folder that cannot be listed).
    """

    name: str
    path: Path
    problem: Rejected | None = None

    @property
    def is_folder(self) -> bool:
        return self.name.endswith("/")


def _sort_key(entry: RawEntry) -> tuple[str, ...]:
    return tuple(entry.name.rstrip("/").split("/"))


def walk_raw_dir(raw_dir: Path) -> list[RawEntry]:
    """Every entry below the raw dir, in a stable order; hidden names are skipped.

    Symbolic links are never followed: a link whose target lies outside the raw directory is
    an `outside_raw_dir` entry and is never opened; a link to a file or folder inside it is
    skipped, since the walk reaches its target under its own name (so it is read once, and a
    link loop is harmless). A folder that cannot be listed is an `unreadable_folder` entry,
    and the walk goes on. Only the raw directory itself failing to list raises.
    """
    root = Path(os.path.realpath(raw_dir))
    entries: list[RawEntry] = []
    pending: list[tuple[Path, tuple[str, ...]]] = [(raw_dir, ())]
    while pending:
        folder, parts = pending.pop()
        try:
            with os.scandir(folder) as listing:
                children = list(listing)
        except OSError as error:
            if not parts:
                raise  # the raw directory itself: nothing can be read, the user must act
            entries.append(RawEntry("/".join(parts) + "/", folder, unreadable(error, "folder")))
            continue
        for child in children:
            if child.name.startswith("."):
                continue
            relative = (*parts, child.name)
            name = "/".join(relative)
            path = Path(child.path)
            try:
                if child.is_symlink():
                    problem = _link_problem(root, path)
                    if problem is not None:
                        entries.append(RawEntry(name, path, problem))
                elif child.is_dir(follow_symlinks=False):
                    pending.append((path, relative))
                elif child.is_file(follow_symlinks=False):
                    entries.append(RawEntry(name, path))
                else:
                    entries.append(
                        RawEntry(
                            name,
                            path,
                            Rejected(
                                "unreadable_file",
                                "not a regular file (a device, pipe or socket): not read",
                                None,
                                "",
                            ),
                        )
                    )
            except OSError as error:
                entries.append(RawEntry(name, path, unreadable(error, "file")))
    return sorted(entries, key=_sort_key)


def _link_problem(root: Path, link: Path) -> Rejected | None:
    """Why a symbolic link is not read, or None when its target is read under its own name."""
    target = Path(os.path.realpath(link))  # never opens the target; a loop stays a path
    if not target.is_relative_to(root):
        return Rejected(
            "outside_raw_dir",
            "a symbolic link to a path outside the raw directory: never opened",
            None,
            "",
        )
    if not os.path.lexists(target) or os.path.islink(target):
        return Rejected("unreadable_file", "a broken symbolic link (or a link loop)", None, "")
    return None


def unreadable(error: OSError, what: str = "file") -> Rejected:
    """The quarantine reason for an entry the operating system would not let us read."""
    cause = error.strerror or str(error)
    if isinstance(error, FileNotFoundError):
        return Rejected("vanished", f"the {what} disappeared while the run read it", None, "")
    return Rejected(f"unreadable_{what}", f"the {what} cannot be read: {cause}", None, "")


def iter_raw_files(raw_dir: Path) -> Iterator[Path]:
    """Every regular file below the raw dir that can be read, in a stable order (see
    `walk_raw_dir`; entries with a problem are left out)."""
    for entry in walk_raw_dir(raw_dir):
        if entry.problem is None:
            yield entry.path


def read_raw_file(path: Path, raw_dir: Path) -> tuple[bytes, os.stat_result]:
    """The bytes and stat of one raw file, never through a link and never from outside.

    The file is opened with O_NOFOLLOW and must be a regular file whose real path (of the
    opened descriptor) lies inside the raw directory: a file swapped for a link after the
    walk, or a folder swapped for one, is refused. Raises OSError.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        stat = os.fstat(fd)
        if not S_ISREG(stat.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        opened = f"/proc/self/fd/{fd}"
        if os.path.exists(opened):
            real = Path(os.readlink(opened))
            if not real.is_relative_to(Path(os.path.realpath(raw_dir))):
                raise OSError(errno.EXDEV, "outside the raw directory", str(path))
        chunks = []
        while block := os.read(fd, 1 << 20):
            chunks.append(block)
        return b"".join(chunks), stat
    finally:
        os.close(fd)


# File signatures of formats that are never report text (PDF, Office, archives, images).
_BINARY_MAGIC = (
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
    b"Rar!",
    b"\x1f\x8b",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"7z\xbc\xaf",
)
_SNIFF = 4096
# Share of control characters (other than tab and line ends) above which text is not text.
_MAX_CONTROL_SHARE = 0.05
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
# The most a file may hold to be read: the parse keeps every line of a file in memory (about
# 1 KB a line at worst), so these bound the memory of one file to about 200 MB. The largest
# report seen is a few thousand lines and a few hundred KB; an agency's site of many reports
# stays far below too. A larger file is quarantined as `too_large`, not read.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_FILE_LINES = 100_000


def _utf16_without_bom(data: bytes) -> str | None:
    """utf-16-le / utf-16-be when the NUL bytes sit mostly on one side of each code unit.

    Every ASCII character (digits, bars, line ends) puts a NUL in the high byte; CJK
    characters rarely do. Binary data has its NULs on both sides alike.
    """
    head = data[: _SNIFF - _SNIFF % 2]
    if len(head) < 4:
        return None
    even = head[0::2].count(0) / len(head[0::2])
    odd = head[1::2].count(0) / len(head[1::2])
    if odd > 0.1 and odd > 4 * even:
        return "utf-16-le"
    if even > 0.1 and even > 4 * odd:
        return "utf-16-be"
    return None


# Control characters other than tab and line ends (\t \n \v \f \r), and the replacement mark.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")


def _control_share(text: str) -> float:
    head = text[:_SNIFF]
    if not head:
        return 0.0
    return len(_CONTROL.findall(head)) / len(head)


def decode_bytes(
    data: bytes, declared: str | None = None
) -> tuple[str | None, str | None, Rejected | None]:
    """(text, encoding, None) for readable bytes, or (None, None, why not).

    Order: a byte-order mark; then a charset the file declares (HTML); then UTF-8, then
    GB18030 (a superset of GBK and GB2312). UTF-16 without a mark is recognised by its NUL
    bytes. Known binary formats, NUL bytes and control characters make a file binary.
    """
    if not data.strip():
        return None, None, Rejected("empty_file", "the file is empty", None, "")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, None
            except UnicodeDecodeError as error:
                return (
                    None,
                    None,
                    Rejected("undecodable", f"{encoding} with BOM: {error}", None, ""),
                )
    if data.startswith(_BINARY_MAGIC):
        return (
            None,
            None,
            Rejected("binary_file", f"a binary format (starts {data[:4]!r}), not text", None, ""),
        )
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            text = None
        if text is not None and _control_share(text) <= _MAX_CONTROL_SHARE:
            return text, utf16, None
    if b"\x00" in data[:_SNIFF]:
        return None, None, Rejected("binary_file", "the file holds NUL bytes: not text", None, "")
    candidates = [declared] if declared else []
    candidates.extend(e for e in _FALLBACK_ENCODINGS if e != declared)
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _control_share(text) > _MAX_CONTROL_SHARE:
            return (
                None,
                None,
                Rejected(
                    "binary_file", "mostly control characters once decoded: not text", None, ""
                ),
            )
        return text, encoding, None
    return (
        None,
        None,
        Rejected("undecodable", f"not valid in any of {', '.join(candidates)}", None, ""),
    )


def is_html(source_file: str, text: str) -> bool:
    """A saved web page: by its name, or by its markup when the name does not say."""
    return source_file.lower().endswith(HTML_SUFFIXES) or looks_like_html(text)


def decode_document(
    source_file: str, data: bytes
) -> tuple[str | None, str | None, Rejected | None]:
    """The text of one raw file in the seed form: (text, encoding, None) or (None, None, why).

    Line ends are unified. A saved HTML page (by name or by content) is decoded with the
    charset it declares and turned into lines and `cell | cell |` rows (`pipeline.html`);
    its encoding is then recorded as `<codec>+html`.
    """
    if len(data) > MAX_FILE_BYTES:
        return None, None, _too_large(f"{len(data):,} bytes, more than {MAX_FILE_BYTES:,}")
    markup_named = source_file.lower().endswith(HTML_SUFFIXES)
    declared = declared_charset(data) if markup_named or b"<" in data[:_SNIFF] else None
    text, encoding, rejected = decode_bytes(data, declared)
    if text is None:
        return None, None, rejected
    if text.count("\n") >= MAX_FILE_LINES:
        return None, None, _too_large(f"more than {MAX_FILE_LINES:,} lines")
    if is_html(source_file, text):
        text = html_to_text(text)
        encoding = f"{encoding}+html"
        if not text.strip():
            return None, None, Rejected("empty_file", "the page holds no text", None, "")
        if text.count("\n") >= MAX_FILE_LINES:
            return None, None, _too_large(f"more than {MAX_FILE_LINES:,} lines of page text")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding, None


def _too_large(what: str) -> Rejected:
    return Rejected(
        "too_large", f"{what}: far larger than any report, not read (memory per file)", None, ""
    )
