"""Saved web pages to the plain-text form of the seed files.

The parsers read text where a table row is one line of `cell | cell |` and every other block
(a paragraph, a heading, a list item) is a line of its own: the form in which the seeds were
scraped. `html_to_text` turns a saved `.html` page into that form with a real HTML parser
(lxml), so a report published as a page parses exactly like the same report scraped as text.

Pure functions only: no file, no network. Text is returned as printed (entities decoded,
HTML whitespace collapsed); NFKC and the rest of normalisation stay in `pipeline.text`, so
a figure's raw line is what the page showed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree

from pipeline.text import parse_value

# Elements whose content is never report text: code, styling, embedded objects, form widgets.
_DROPPED = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "meta",
        "link",
        "base",
        "svg",
        "math",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "canvas",
        "audio",
        "video",
        "map",
        "select",
        "option",
        "button",
        "input",
        "textarea",
        "nav",
    }
)
# Page chrome when it belongs to the page; inside an <article> or <main> the same elements
# hold the report's own title or signature, so they are kept there.
_CHROME = frozenset({"header", "footer", "aside"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "menu", "menubar"})
_CONTENT_ROOTS = frozenset({"article", "main"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

# Elements that end the line before them and start a new one after them.
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "ol",
        "p",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# HTML collapses ASCII whitespace only; a no-break or ideographic space is printed text.
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
# `|` is the cell separator of the text form, so a printed bar becomes a broken bar (¦),
# which NFKC leaves alone (the full-width ｜ would turn back into `|`).
_BARS = str.maketrans({"|": "¦", "｜": "¦"})
# What lxml refuses in a Python string: an encoding declaration (the text is decoded
# already), NUL and other C0 controls, lone surrogates.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_UNPARSABLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")

# A cell longer than this that holds several blocks is a page column, not a table cell.
_LAYOUT_CELL_CHARS = 300
_MAX_COLSPAN = 1000  # the HTML limits
_MAX_ROWSPAN = 65534


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
        content = _collapse(str(meta.get("content") or ""))
        field = _META_FIELDS.get(name)
        if field and content and field not in fields:
            fields[field] = content
    if "标题" not in fields:
        title = next(iter(root.iter("title")), None)
        text = _collapse(title.text_content()) if title is not None else ""
        pieces = [p for p in _TITLE_SEPARATORS.split(text) if p]
        named = next((p for p in pieces if "报告" in p), text)
        if named:
            fields["标题"] = named
    return [f"{field}: {value.translate(_BARS)}" for field, value in fields.items()]


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


def _tag(element: etree._Element) -> str:
    """The lower-case tag name; "" for comments and processing instructions."""
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _is_dropped(element: etree._Element) -> bool:
    tag = _tag(element)
    if tag in _DROPPED or not tag:
        return True
    if element.get("hidden") is not None or _HIDDEN_STYLE.search(element.get("style") or ""):
        return True
    if (element.get("role") or "").lower() in _CHROME_ROLES:
        return True
    if tag in _CHROME:
        return not any(_tag(a) in _CONTENT_ROOTS for a in element.iterancestors())
    return False


def _collapse(text: str) -> str:
    return _HTML_SPACE.sub(" ", text).translate(_BARS)


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
            self.inline.append(_collapse(text))

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
        if _is_dropped(element):
            return []
        tag = _tag(element)
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
        block = tag in _BLOCKS
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
        caption = next((c for c in table if _tag(c) == "caption"), None)
        if caption is not None:
            self.walk(caption)
        self.stray(table)
        self.flush()
        rows = [(row, _cells(row)) for row in _rows(table)]
        if _is_layout(rows):
            for _, cells in rows:
                for cell in cells:  # what a row holds outside its cells was written by stray
                    self.walk(cell)
                    self.flush()
            return
        for line in _grid_lines([cells for _, cells in rows]):
            self.lines.append(line)

    def stray(self, element: etree._Element) -> None:
        """Text a table holds outside its cells; browsers show it before the table."""
        self.text(element.text)
        for child in element:
            tag = _tag(child)
            if tag in _TABLE_PARTS:
                self.flush()
                self.stray(child)
                self.flush()
            elif tag not in _NOT_STRAY:
                self.walk(child)
            self.text(child.tail)


_TABLE_PARTS = frozenset({"thead", "tbody", "tfoot", "tr"})
_NOT_STRAY = frozenset({"td", "th", "caption", "colgroup", "col"})


# --- tables ---------------------------------------------------------------------------------


def _rows(table: etree._Element) -> Iterator[etree._Element]:
    """The table's own rows, in order, wherever lxml put them (thead, tbody, a stray form)."""
    for row in table.iter("tr"):
        if next(row.iterancestors("table"), None) is table:
            yield row


def _cells(row: etree._Element) -> list[etree._Element]:
    """The row's own cells (not those of a table nested in one of them)."""
    return [
        cell
        for cell in row.iter("td", "th")
        if next(cell.iterancestors("tr"), None) is row and not _is_dropped(cell)
    ]


def _is_layout(rows: list[tuple[etree._Element, list[etree._Element]]]) -> bool:
    """A table used to lay out a page rather than to print figures."""
    if all(len(cells) <= 1 for _, cells in rows):
        return True
    for _, cells in rows:
        for cell in cells:
            if cell.find(".//table") is not None:
                return True
            if any(_tag(e) in _HEADINGS for e in cell.iterdescendants()):
                return True
            blocks = sum(1 for e in cell.iterdescendants() if _tag(e) in _BLOCKS)
            if blocks >= 2 and len(cell.text_content()) > _LAYOUT_CELL_CHARS:
                return True
    return False


def _cell_text(cell: etree._Element) -> str:
    """A cell's text on one line: its blocks and line breaks become spaces."""
    parts: list[str] = []
    # Iterative (see `_Writer.walk`): elements to visit, and texts to append, in order.
    todo: list[etree._Element | str] = [cell]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if _is_dropped(item):
            continue
        tag = _tag(item)
        if tag == "br" or tag in _BLOCKS:
            parts.append(" ")
        if item.text:
            parts.append(item.text)
        rest: list[etree._Element | str] = []
        for child in item:
            rest.append(child)
            if child.tail:
                rest.append(child.tail)
        if tag in _BLOCKS:
            rest.append(" ")
        todo.extend(reversed(rest))
    return _collapse("".join(parts)).strip(" ")


def _span(cell: etree._Element, name: str, limit: int) -> int:
    match = re.match(r"\s*(\d+)", cell.get(name) or "")
    value = int(match[1]) if match else 1
    return min(value, limit) if value > 0 else 0


@dataclass(frozen=True, slots=True)
class _Slot:
    """One grid position: the text shown there and the cell that covers it."""

    text: str
    cell: int
    origin: bool


def _grid_lines(rows: list[list[etree._Element]]) -> list[str]:
    """`cell | cell |` lines of a data table, merged cells laid out as `html_to_text` says."""
    grid: list[dict[int, _Slot]] = [{} for _ in rows]
    cell_id = 0
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while c in grid[r]:
                c += 1
            text = _cell_text(cell)
            colspan = max(_span(cell, "colspan", _MAX_COLSPAN), 1)
            rowspan = _span(cell, "rowspan", _MAX_ROWSPAN)
            # rowspan="0" runs to the end of the table; no span runs past it.
            rowspan = len(rows) - r if rowspan == 0 else min(rowspan, len(rows) - r)
            carried = "" if parse_value(text).kind == "number" else text
            for dr in range(rowspan):
                for dc in range(colspan):
                    origin = dr == 0 and dc == 0
                    grid[r + dr].setdefault(
                        c + dc, _Slot(text if origin else carried, cell_id, origin)
                    )
            cell_id += 1
            c += colspan
    lines: list[str] = []
    for row in grid:
        if not any(slot.origin and slot.text for slot in row.values()):
            continue  # the row prints nothing of its own
        texts: list[str] = []
        previous: _Slot | None = None
        for c in range(max(row) + 1):
            slot = row.get(c)
            if slot is None:  # a hole left by a short row above a merged cell
                texts.append("")
            # A merged label is written once per row; a merged figure's other slots stay
            # empty cells so that the cells after it keep their columns.
            elif previous is None or previous.cell != slot.cell or not slot.text:
                texts.append(slot.text)
            previous = slot
        lines.append(" | ".join(texts) + " |")
    return lines
