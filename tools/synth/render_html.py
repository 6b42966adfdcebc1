"""A report as the HTML page a government site serves: page chrome, scripts, a declared
charset, and tables with merged header cells and group cells spanning rows.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterable, Sequence

from tools.synth.catalogue import DIMENSIONS, TOTAL
from tools.synth.compose import Block
from tools.synth.draft import Draft
from tools.synth.new_template import (
    FIRST_ROWS,
    LAST_ROWS,
    OUTCOMES_LABEL,
    outcome_groups,
    review_codes,
)
from tools.synth.printing import FULL_WIDTH_HTML, format_figure
from tools.synth.render_text import TextTables


def _td(text: str, full_width: bool, word: bool = False, split: int = 0, **spans: int) -> str:
    """A cell; `word`: wrapped as Word exports it; `split`: a <br> before that character."""
    attrs = "".join(f' {k}="{v}"' for k, v in spans.items() if v > 1)
    shown = text.translate(FULL_WIDTH_HTML) if full_width else text
    inner = html.escape(shown, quote=False)
    if split:
        inner = (
            html.escape(shown[:split], quote=False)
            + "<br>"
            + html.escape(shown[split:], quote=False)
        )
    if word:
        inner = f'<p class="MsoNormal"><span style="font-size:10.5pt">{inner}</span></p>'
    return f"<td{attrs}>{inner}</td>"


def _html_table(rows: Iterable[str]) -> str:
    return '<table border="1" cellspacing="0" cellpadding="0">' + "".join(rows) + "</table>"


class _HtmlTables:
    """The same tables as a county site's HTML: merged header cells, group cells spanning rows."""

    def __init__(self, draft: Draft, rng: random.Random, full_width: bool) -> None:
        self.draft = draft
        self.rng = rng
        self.fw = full_width
        self.word = rng.random() < 0.4

    def td(self, text: str, **spans: int) -> str:
        split = 0
        if len(text) > 16 and self.rng.random() < 0.3:  # a long label wrapped with <br>
            spots = [
                i
                for i in range(6, len(text) - 2)
                if "\u4e00" <= text[i - 1] <= "\u9fff" and "\u4e00" <= text[i] <= "\u9fff"
            ]
            split = self.rng.choice(spots) if spots else 0
        return _td(text, self.fw, self.word, split, **spans)

    def old(self) -> str:
        rows = ["<tr>" + "".join(self.td(c) for c in ("统计指标", "单位", "统计数")) + "</tr>"]
        for row in self.draft.old_rows:
            value = format_figure(self.draft.table.get((row.metric, TOTAL)))
            unit = ("" if value else "——") if row.head else row.unit
            rows.append("<tr>" + self.td(row.label) + self.td(unit) + self.td(value) + "</tr>")
        return _html_table(rows)

    def requests(self) -> str:
        table, template, td = self.draft.table, self.draft.template, self.td
        header = (
            "<tr>"
            + td(
                "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
                colspan=3,
                rowspan=3,
            )
            + td("申请人情况", colspan=7)
            + "</tr><tr>"
            + td("自然人", rowspan=2)
            + td("法人或其他组织", colspan=5)
            + td("总计", rowspan=2)
            + "</tr><tr>"
            + "<td>商业<br>企业</td><td>科研<br>机构</td>"
            + "".join(td(c) for c in ("社会公益组织", "法律服务机构", "其他"))
            + "</tr>"
        )

        def values(metric: str) -> str:
            return "".join(td(format_figure(table[(metric, d)])) for d in DIMENSIONS)

        rows = [header]
        for label, metric in FIRST_ROWS:
            rows.append("<tr>" + td(label, colspan=3) + values(metric) + "</tr>")
        groups = outcome_groups(template)
        span = sum(len(items) for _, items in groups) + 1  # down to (七)总计
        first = True
        for group, items in groups:
            for j, (label, metric, _) in enumerate(items):
                cells = td(OUTCOMES_LABEL, rowspan=span) if first else ""
                first = False
                if group is None:
                    cells += td(label, colspan=2)
                elif j == 0:
                    cells += td(group, rowspan=len(items)) + td(label)
                else:
                    cells += td(label)
                rows.append("<tr>" + cells + values(metric) + "</tr>")
        handled, forward = LAST_ROWS
        rows.append("<tr>" + td(handled[0], colspan=2) + values(handled[1]) + "</tr>")
        rows.append("<tr>" + td(forward[0], colspan=3) + values(forward[1]) + "</tr>")
        return _html_table(rows)

    def review(self) -> str:
        td = self.td
        outcomes = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
        header = (
            "<tr>"
            + td("行政复议", colspan=5)
            + td("行政诉讼", colspan=10)
            + "</tr><tr>"
            + "".join(td(o, rowspan=2) for o in outcomes)
            + td("未经复议直接起诉", colspan=5)
            + td("复议后起诉", colspan=5)
            + "</tr><tr>"
            + "".join(td(o) for o in outcomes * 2)
            + "</tr>"
        )
        table = self.draft.table
        values = (
            "<tr>" + "".join(td(format_figure(table[(c, TOTAL)])) for c in review_codes()) + "</tr>"
        )
        return _html_table([header, values])

    def art20(self, lines: list[str]) -> str:
        """The article-20 blocks as one table; short rows span the last column."""
        width = max(len([c for c in line.split("|")[:-1] if c.strip()]) for line in lines)
        rows = []
        for line in lines:
            cells = [c.strip() for c in line.split("|")[:-1]]
            while cells and not cells[-1]:
                cells.pop()
            tds = [self.td(c) for c in cells[:-1]] + [
                self.td(cells[-1], colspan=width + 1 - len(cells))
            ]
            rows.append("<tr>" + "".join(tds) + "</tr>")
        return _html_table(rows)


def render_html(draft: Draft, blocks: Sequence[Block], charset: str, full_width: bool) -> str:
    """The report as the page a government site serves: chrome, scripts, the article."""
    rng = random.Random(draft.seed * 7 + 5)
    entity = draft.entity
    tables = _HtmlTables(draft, rng, full_width)
    text_tables = TextTables(draft, random.Random(draft.seed * 7 + 3))
    body: list[str] = []
    for kind, text in blocks:
        shown = text.translate(FULL_WIDTH_HTML) if full_width else text
        if kind == "title":
            body.append(f'<h1 class="title">{html.escape(shown, quote=False)}</h1>')
        elif kind == "line":
            indent = "\u3000\u3000" if rng.random() < 0.7 else ""
            body.append(f"<p>{indent}{html.escape(shown, quote=False)}</p>")
        elif kind == "old":
            body.append(tables.old())
        elif kind == "requests":
            body.append(tables.requests())
        elif kind == "review":
            body.append(tables.review())
        else:
            body.append(tables.art20(text_tables.art20()))
    meta = (
        f'<meta charset="{charset}">'
        if rng.random() < 0.5
        else f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    )
    return (
        f"<!DOCTYPE html>\n<html>\n<head>\n{meta}\n"
        f"<title>{html.escape(entity.site)}-政府信息公开年度报告</title>\n"
        "<script>var _hmt = _hmt || [];\n"
        "var stats = '一、本年新收政府信息公开申请数量 | 987654 |';</script>\n"
        "<style>td { border: 1px solid #000; } .title { text-align: center; }</style>\n"
        "</head>\n<body>\n"
        f'<div class="top"><nav><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | '
        f'<a href="/wza/">无障碍浏览</a></nav></div>\n'
        f'<header><div class="logo">{html.escape(entity.site)}</div></header>\n'
        '<!-- 正文开始 -->\n<div class="content"><div class="TRS_Editor">\n'
        + "\n".join(body)
        + "\n</div></div>\n<!-- 正文结束 -->\n"
        f"<footer><p>主办:{html.escape(entity.office)}</p><p>扫码使用手机浏览本页内容</p></footer>\n"
        "<script>document.write('<p>上年结转 5件</p>');</script>\n"
        "</body>\n</html>\n"
    )
