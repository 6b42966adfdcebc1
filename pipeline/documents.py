"""Inventory of the raw directory: every file, its hash, and its decoded text.

Raw files are only ever read. A file that cannot become text is not an error of the run: it
gets a quarantine row with the reason and the run goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.model import Rejected

# Encodings tried, in order, for files without a byte-order mark. GB18030 is a superset of
# GBK and GB2312, the commonest encodings on county government sites.
_FALLBACK_ENCODINGS = ("utf-8", "gb18030")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def iter_raw_files(raw_dir: Path) -> Iterator[Path]:
    """Every regular file below the raw dir, in a stable order; hidden files are skipped."""
    for path in sorted(raw_dir.rglob("*")):
        relative = path.relative_to(raw_dir)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            yield path


def decode_bytes(data: bytes) -> tuple[str | None, str | None, Rejected | None]:
    """(text, encoding, None) for readable bytes, or (None, None, why not)."""
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
    if b"\x00" in data[:4096]:
        return None, None, Rejected("binary_file", "the file holds NUL bytes: not text", None, "")
    for encoding in _FALLBACK_ENCODINGS:
        try:
            return data.decode(encoding), encoding, None
        except UnicodeDecodeError:
            continue
    return (
        None,
        None,
        Rejected("undecodable", f"not valid in any of {', '.join(_FALLBACK_ENCODINGS)}", None, ""),
    )


def decode_document(
    source_file: str, data: bytes
) -> tuple[str | None, str | None, Rejected | None]:
    """The text of one raw file with line ends unified: (text, encoding, None) or
    (None, None, why not). `source_file` names the file in messages."""
    text, encoding, rejected = decode_bytes(data)
    if text is None:
        return None, None, rejected
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding, None
