"""The character set an HTML file declares in its first bytes (read before decoding it)."""

from __future__ import annotations

import codecs
import re

# How far into the file a declaration is looked for. The HTML standard's prescan stops at
# 1024 bytes; government pages often put scripts and comments first, so look further.
_CHARSET_PRESCAN = 4096
_BYTES_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_META_CHARSET = re.compile(
    rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*(?P<label>[A-Za-z0-9][A-Za-z0-9_.:+-]*)",
    re.IGNORECASE,
)
_XML_ENCODING = re.compile(
    rb"^\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"'](?P<label>[A-Za-z0-9][A-Za-z0-9_.:+-]*)",
    re.IGNORECASE,
)
# Labels that browsers decode with a wider encoding than the name says (WHATWG Encoding).
# GB18030 is a superset of GBK and GB2312, so a page labelled GB2312 that uses GBK characters
# (as most do) still decodes.
_WIDER = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "iso-ir-58": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    # A page that parsed as ASCII bytes cannot be UTF-16, whatever its meta says.
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}


def declared_charset(data: bytes) -> str | None:
    """The character set an HTML file declares in its first bytes, as a Python codec name.

    Reads `<meta charset=…>`, `<meta http-equiv="Content-Type" content="…; charset=…">`
    and an XML declaration's `encoding=`; the first declaration wins, declarations inside
    comments do not count. Labels are widened as browsers do (GB2312 and GBK → gb18030).
    None when nothing is declared or the label names no codec Python knows.
    """
    prefix = _BYTES_COMMENT.sub(b"", data[:_CHARSET_PRESCAN])
    match = _XML_ENCODING.search(prefix) or _META_CHARSET.search(prefix)
    if match is None:
        return None
    label = match["label"].decode("ascii").lower()
    label = _WIDER.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None
