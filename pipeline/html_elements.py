"""What the elements of an HTML page are to the text form of the seeds.

Which elements are never report text (scripts, widgets, hidden elements, page chrome), which
end a line (blocks) or head a section, and how HTML whitespace and printed bars are written.
Shared by the page walk (`pipeline.html`) and the table grid (`pipeline.html_tables`).
"""

from __future__ import annotations

import re

from lxml import etree

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
BLOCKS = frozenset(
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
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# HTML collapses ASCII whitespace only; a no-break or ideographic space is printed text.
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
# `|` is the cell separator of the text form, so a printed bar becomes a broken bar (¦),
# which NFKC leaves alone (the full-width ｜ would turn back into `|`).
BARS = str.maketrans({"|": "¦", "｜": "¦"})


def tag_of(element: etree._Element) -> str:
    """The lower-case tag name; "" for comments and processing instructions."""
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def is_dropped(element: etree._Element) -> bool:
    """An element whose content is not report text: a dropped tag, a comment, a hidden
    element, page chrome outside the page's article."""
    tag = tag_of(element)
    if tag in _DROPPED or not tag:
        return True
    if element.get("hidden") is not None or _HIDDEN_STYLE.search(element.get("style") or ""):
        return True
    if (element.get("role") or "").lower() in _CHROME_ROLES:
        return True
    if tag in _CHROME:
        return not any(tag_of(a) in _CONTENT_ROOTS for a in element.iterancestors())
    return False


def collapse(text: str) -> str:
    """Text as HTML shows it: ASCII whitespace collapsed to one space, bars made `¦`."""
    return _HTML_SPACE.sub(" ", text).translate(BARS)
