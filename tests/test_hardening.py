"""Hardening (issue 13): deep tag soup, implausible figures, huge files, bad arguments.

The raw-directory walk (links, unreadable files and folders), scratch folders, a live writer
of the warehouse and the one-line errors are in `tests/test_hardening_runs.py`.
"""

from __future__ import annotations

import pytest

from pipeline.documents import decode_document
from pipeline.html import html_to_text
from pipeline.segment import segment_document
from tests.conftest import seed_text
from tests.test_html import as_page, figures


@pytest.mark.parametrize("tag", ["div", "font", "span"])
@pytest.mark.parametrize("depth", [300, 1500])
def test_a_seed_page_inside_deep_unclosed_tags_gives_the_seeds_figures(tag: str, depth: int):
    """libxml2 stops at 255 nested elements unless huge_tree; the walk must not recurse."""
    name, text = seed_text("004")
    segmented = segment_document(name, text)[0]
    page = as_page(segmented.lines)
    soup = f"<{tag} class=x>" * depth
    deep = page.replace("<body>", "<body>" + soup, 1)
    assert deep.count(f"<{tag} ") >= depth
    converted = html_to_text(deep)
    expected_statistics, expected_prose = figures(name, text)
    statistics, prose = figures("page.html", converted)
    assert sum(expected_statistics.values()) > 50
    assert statistics == expected_statistics
    assert prose == expected_prose


def test_a_deep_page_is_read_not_quarantined_as_empty():
    name, text = seed_text("004")
    page = as_page(segment_document(name, text)[0].lines)
    deep = page.replace("<body>", "<body>" + "<div>" * 300, 1).encode("gb18030")
    decoded, encoding, rejected = decode_document("deep.html", deep)
    assert rejected is None
    assert encoding == "gb18030+html"
    assert decoded is not None and "本年新收" in decoded
