"""Saved web pages to the plain-text form of the seed files.

The parsers read text where a table row is one line of `cell | cell |` and every other block
(a paragraph, a heading, a list item) is a line of its own: the form in which the seeds were
scraped. `html_to_text` turns a saved `.html` page into that form with a real HTML parser
(lxml), so a report published as a page parses exactly like the same report scraped as text.

Pure functions only: no file, no network. Text is returned as printed (entities decoded,
HTML whitespace collapsed); NFKC and the rest of normalisation stay in `pipeline.text`, so
a figure's raw line is what the page showed.

The elements' meaning (dropped, block, heading) is `pipeline.html_elements`; a data table's
rows and merged cells are laid out by `pipeline.html_tables`.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from pipeline.html_elements import BARS, BLOCKS, collapse, is_dropped, tag_of
from pipeline.html_tables import grid_lines, is_layout_table, row_cells, table_rows

# What lxml refuses in a Python string: an encoding declaration (the text is decoded
# already), NUL and other C0 controls, lone surrogates.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_UNPARSABLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")


def html_to_text(markup: str) -> str:
    """The text of an HTML page in the seed form: one block per line, one table row per line.

    - Block elements (p, div, h1–h6, li, section, …) and `<br>` end a line. Empty lines are
      dropped.
    - A data table's row is `cell | cell |`. `<br>` and paragraphs inside a cell join with a
      space, so a wrapped cell (`商业<br>企业`) stays one cell; `compact_label` removes the
      space between Han characters later.
    - Merged cells: a merged figure (a number) is printed once, in the first slot it covers;
      the other slots are left empty, so the cells after it keep their columns and no figure
      is ever duplicated. Any other merged cell (a label, `——`) is written once in every row it
      covers, so `三、本年度办理结果` (rowspan) stands before each of its rows and
      `一、本年新收…` (colspan=3) is one label cell, exactly as the table parsers read the seeds.
      A row that prints nothing of its own is dropped.
    - A layout table (one that holds another table, has one column, or whose cells hold whole
      pages of text) is read as blocks; the tables inside it are read as tables.
    - Scripts, styles, `<head>`, forms' widgets, `<nav>`, page-level header/footer/aside,
      hidden elements and comments are dropped; entities are decoded.
    """
    cleaned = _UNPARSABLE.sub("", _XML_DECLARATION.sub("", markup))
    if not cleaned.strip():
        return ""
    # huge_tree lifts libxml2's nesting limit of 255 elements (tag soup of unclosed <div> or
    # <font> passes it easily; past it the rest of the page was lost) to 2048.
    parser = lxml.html.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, huge_tree=True
    )
    try:
        root = lxml.html.document_fromstring(cleaned, parser=parser)
    except (etree.ParserError, ValueError):
        return ""  # nothing an HTML parser can build a document from (only comments, …)
    writer = _Writer()
    writer.walk(root)
    writer.flush()
    return "\n".join([*head_fields(root), *writer.lines])


# `<meta name=…>` fields of article pages and the metadata field each becomes (the field names
# `pipeline/segment.py` reads from scrapers' headers, schemas/layouts.yaml `metadata`).
_META_FIELDS = {
    "articletitle": "标题",
    "title": "标题",
    "author": "发布机构",
    "contentsource": "来源",
    "pubdate": "发布时间",
}
# what sites append to a <title>: `报告名_栏目_站点名`
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|—|–|-{1,2})\s*")


def head_fields(root: etree._Element) -> list[str]:
    """The page's own metadata as header lines (`标题: …`, `发布机构: …`), before its text.

    A report page names itself in `<meta name="ArticleTitle">` (or `<title>`, whose site
    suffix `_栏目_站点` is cut at the piece that names a report) and its publisher in
    `<meta name="Author">`. Each field is written once, the first found.
    """
    fields: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = str(meta.get("name") or "").strip().lower()
        content = collapse(str(meta.get("content") or ""))
        field = _META_FIELDS.get(name)
        if field and content and field not in fields:
            fields[field] = content
    if "标题" not in fields:
        title = next(iter(root.iter("title")), None)
        text = collapse(title.text_content()) if title is not None else ""
        pieces = [p for p in _TITLE_SEPARATORS.split(text) if p]
        named = next((p for p in pieces if "报告" in p), text)
        if named:
            fields["标题"] = named
    return [f"{field}: {value.translate(BARS)}" for field, value in fields.items()]


def looks_like_html(text: str) -> bool:
    """True when text is markup even though its file name does not say so.

    A doctype or an `<html>`, `<head>` or `<body>` tag decides. Otherwise the text must close
    block elements (`</p>`, `</td>`, …) and carry tags on a good share of its lines: scraped
    text with a few stray `<br>` left in its cells is text, and reading it as HTML would join
    its lines. Report text never holds tags of its own (titles are quoted with 《》, not <>).
    """
    head = text[:65536]
    if _DOCUMENT_TAG.search(head):
        return True
    if len(_COMMON_TAG.findall(head)) < 3 or not _CLOSING_BLOCK.search(head):
        return False
    lines = [line for line in head.splitlines() if line.strip()]
    tagged = sum(1 for line in lines if _COMMON_TAG.search(line))
    return tagged * 4 >= len(lines)


_DOCUMENT_TAG = re.compile(r"<!doctype\s+html|<(?:html|head|body)(?:\s[^<>]*)?>", re.IGNORECASE)
_COMMON_TAG = re.compile(
    r"</?(?:p|div|span|table|tbody|tr|td|th|br|a|font|strong|b|li|ul|h[1-6]|meta|title|script"
    r"|style|img|center)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_CLOSING_BLOCK = re.compile(r"</(?:p|div|table|tr|td|th|li|ul|h[1-6]|span|a|font)\s*>", re.I)


# --- the tree walk --------------------------------------------------------------------------


class _Writer:
    """Collects the lines of a page; the inline text of the current block waits in `inline`."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.inline: list[str] = []

    def flush(self) -> None:
        line = "".join(self.inline).strip(" ")
        self.inline = []
        if line and not line.isspace():
            self.lines.append(line)

    def text(self, text: str | None) -> None:
        if text:
            self.inline.append(collapse(text))

    def walk(self, element: etree._Element) -> None:
        """Write an element and its content (its tail is the caller's).

        Iterative, not recursive: a page nested 2,000 deep must not exhaust Python's stack.
        The work list holds elements still to write, texts (a child's tail) and None (the end
        of a block: flush the line).
        """
        todo: list[etree._Element | str | None] = [element]
        while todo:
            item = todo.pop()
            if item is None:
                self.flush()
            elif isinstance(item, str):
                self.text(item)
            else:
                todo.extend(reversed(self._enter(item)))

    def _enter(self, element: etree._Element) -> list[etree._Element | str | None]:
        """Write what comes before an element's children; return the rest, in order."""
        if is_dropped(element):
            return []
        tag = tag_of(element)
        if tag == "br":
            self.flush()
            return []
        if tag == "table":
            self.flush()
            self.table(element)
            return []
        if tag == "pre":
            self.flush()
            self.lines.extend(
                line.rstrip() for line in element.text_content().splitlines() if line.strip()
            )
            return []
        block = tag in BLOCKS
        if block:
            self.flush()
        self.text(element.text)
        rest: list[etree._Element | str | None] = []
        for child in element:
            rest.append(child)
            if child.tail:
                rest.append(child.tail)
        if block:
            rest.append(None)
        return rest

    def table(self, table: etree._Element) -> None:
        caption = next((c for c in table if tag_of(c) == "caption"), None)
        if caption is not None:
            self.walk(caption)
        self.stray(table)
        self.flush()
        rows = [(row, row_cells(row)) for row in table_rows(table)]
        if is_layout_table(rows):
            for _, cells in rows:
                for cell in cells:  # what a row holds outside its cells was written by stray
                    self.walk(cell)
                    self.flush()
            return
        for line in grid_lines([cells for _, cells in rows]):
            self.lines.append(line)

    def stray(self, element: etree._Element) -> None:
        """Text a table holds outside its cells; browsers show it before the table."""
        self.text(element.text)
        for child in element:
            tag = tag_of(child)
            if tag in _TABLE_PARTS:
                self.flush()
                self.stray(child)
                self.flush()
            elif tag not in _NOT_STRAY:
                self.walk(child)
            self.text(child.tail)


_TABLE_PARTS = frozenset({"thead", "tbody", "tfoot", "tr"})
_NOT_STRAY = frozenset({"td", "th", "caption", "colgroup", "col"})
