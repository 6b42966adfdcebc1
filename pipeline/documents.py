"""Inventory of the raw directory: every file, its hash, and its decoded text.

Raw files are only ever read. A file that cannot become text is not an error of the run: it
gets a quarantine row with the reason and the run goes on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pipeline.html import declared_charset, html_to_text, looks_like_html
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


def iter_raw_files(raw_dir: Path) -> Iterator[Path]:
    """Every regular file below the raw dir, in a stable order; hidden files are skipped."""
    for path in sorted(raw_dir.rglob("*")):
        relative = path.relative_to(raw_dir)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            yield path


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
    markup_named = source_file.lower().endswith(HTML_SUFFIXES)
    declared = declared_charset(data) if markup_named or b"<" in data[:_SNIFF] else None
    text, encoding, rejected = decode_bytes(data, declared)
    if text is None:
        return None, None, rejected
    if is_html(source_file, text):
        text = html_to_text(text)
        encoding = f"{encoding}+html"
        if not text.strip():
            return None, None, Rejected("empty_file", "the page holds no text", None, "")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding, None
