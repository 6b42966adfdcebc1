"""`pipeline.html`: saved pages to the seed text form, built from hand-made HTML only.

The seed-based tests render a seed report as the page a government site would publish
(merged header cells, Word-style paragraphs inside cells, full-width punctuation, scripts and
navigation around it) and check that the converted text gives the same figures as the seed.
"""

from __future__ import annotations

import html as html_escape
import re
from collections import Counter
from collections.abc import Sequence

import pytest

from pipeline.charset import declared_charset
from pipeline.extract import extract_document
from pipeline.html import html_to_text, looks_like_html
from pipeline.segment import segment_document
from pipeline.text import Line, compact_label, row_cells, split_lines
from tests.conftest import RAW_DIR, seed_text


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


# --- blocks, chrome, entities -----------------------------------------------------------------


def test_blocks_become_lines_and_inline_text_joins():
    markup = page(
        "<h1>天桥区2022年政府信息公开工作年度报告</h1>"
        "<div><p>一、总体情况</p><p>2022年,<span>天桥区</span><b>坚持</b>以人民为中心。</p></div>"
        "<ul><li>第一项</li><li>第二项</li></ul>"
        "<section>节<br>下一行<br/><br>再下一行</section>"
    )
    assert html_to_text(markup).split("\n") == [
        "天桥区2022年政府信息公开工作年度报告",
        "一、总体情况",
        "2022年,天桥区坚持以人民为中心。",
        "第一项",
        "第二项",
        "节",
        "下一行",
        "再下一行",
    ]


def test_html_whitespace_collapses_but_printed_spaces_stay():
    markup = page("<p>\n   2022年,\n\t天桥区  坚持&nbsp;以&#12288;人民</p><p>　　缩进的段落</p>")
    lines = html_to_text(markup).split("\n")
    # newlines and runs of ASCII space are HTML layout; no-break and ideographic spaces were
    # printed, and normalise_line deals with them (so the raw line stays what the page showed)
    assert lines == ["2022年, 天桥区 坚持\u00a0以\u3000人民", "\u3000\u3000缩进的段落"]
    assert [ln.text for ln in split_lines("\n".join(lines))] == [
        "2022年, 天桥区 坚持 以 人民",
        "缩进的段落",
    ]


def test_chrome_scripts_styles_and_comments_are_dropped():
    markup = page(
        "<nav><a href='/'>首页</a> | <a>政务公开</a></nav>"
        "<header><div class='banner'>济南市天桥区人民政府</div></header>"
        "<div role='navigation'>当前位置:首页 > 年度报告</div>"
        "<article><header><h2>2022年度报告</h2></header>"
        "<p>正文<!-- 注释 -->一句。</p>"
        "<script>document.write('一、本年新收 | 1 | 2 |')</script>"
        "<noscript>请启用脚本</noscript><style>p { color: red }</style>"
        "<div style='display: none'>bet 365亚洲版官网</div><p hidden>隐藏</p>"
        "<footer>报告完</footer></article>"
        "<aside>相关链接</aside><footer>版权所有 网站标识码</footer>",
        head="<title>2022年度报告_天桥区</title><meta charset='utf-8'><script>var a=1;</script>",
    )
    # a header or footer inside the article is the report's own; the <title>, cut at the
    # piece that names the report, comes first as a metadata line
    assert html_to_text(markup).split("\n") == [
        "标题: 2022年度报告",
        "2022年度报告",
        "正文一句。",
        "报告完",
    ]


def test_page_metadata_names_year_and_agency_of_a_body_without_title():
    markup = page(
        "<div class='nav'>首页 > 政府信息公开年报</div>"
        "<p>根据《中华人民共和国政府信息公开条例》要求，现公布本年度报告。</p>"
        "<p>一、总体情况</p><p>本局认真贯彻落实条例。</p><p>二、主动公开政府信息情况</p>",
        head="<title>莆田市林业局2020年度政府信息公开工作年度报告_年报_莆田市人民政府</title>"
        "<meta name='Author' content='莆田市林业局'>"
        "<meta name='PubDate' content='2021-01-20 09:00'>",
    )
    text = html_to_text(markup)
    assert text.split("\n")[:3] == [
        "发布机构: 莆田市林业局",
        "发布时间: 2021-01-20 09:00",
        "标题: 莆田市林业局2020年度政府信息公开工作年度报告",
    ]
    [segmented] = segment_document("page.html", text)
    report = segmented.report
    assert (report.report_year, report.year_source) == (2020, "title")
    assert report.agency == "莆田市林业局"
    assert report.published_on == "2021-01-20"


def test_a_person_named_as_author_is_no_agency():
    markup = page(
        "<p>2020年度政府信息公开工作年度报告</p><p>一、总体情况</p><p>正文。</p><p>二、其他</p>",
        head="<meta name='Author' content='张三'>",
    )
    [segmented] = segment_document("page.html", html_to_text(markup))
    assert segmented.report.agency is None


def test_entities_are_decoded():
    markup = page("<p>&lt;条例&gt; &amp; &#20844;&#x5f00; &quot;公开&quot; &ldquo;引号&rdquo;</p>")
    assert html_to_text(markup) == '<条例> & 公开 "公开" “引号”'


def test_printed_bars_never_become_cell_separators():
    markup = page("<p>首页 | 政务公开 ｜ 年报</p><table><tr><td>a|b</td><td>1</td></tr></table>")
    assert html_to_text(markup).split("\n") == ["首页 ¦ 政务公开 ¦ 年报", "a¦b | 1 |"]
    assert [ln.text for ln in split_lines(html_to_text(markup))][1] == "a¦b | 1 |"


def test_pre_keeps_its_lines():
    markup = page("<pre>一、本年新收 | 1 |\n  二、上年结转 | 2 |</pre>")
    assert html_to_text(markup).split("\n") == ["一、本年新收 | 1 |", "  二、上年结转 | 2 |"]


@pytest.mark.parametrize(
    "markup",
    [
        "",
        "   \n ",
        "<!-- only a comment -->",
        '<?xml version="1.0" encoding="gb2312"?><html><body></body></html>',
        "<html><body><table></table><table><tr></tr></table></body></html>",
        "<td>",
        "</table></tr>",
        "\x00\x01\ud800",
    ],
)
def test_empty_or_broken_markup_gives_empty_text(markup):
    assert html_to_text(markup) == ""


def test_xml_declaration_and_fragments_are_read():
    assert html_to_text('<?xml version="1.0" encoding="utf-8"?><p>正文</p>') == "正文"
    assert html_to_text("plain text, no tags") == "plain text, no tags"
    assert html_to_text("<p>未闭合<p>段落") == "未闭合\n段落"


# --- tables -----------------------------------------------------------------------------------


def test_table_rows_become_pipe_lines_with_empty_cells_kept():
    markup = page(
        "<table><caption>2017年度政府信息公开工作情况统计表</caption>"
        "<thead><tr><th>统计指标</th><th>单位</th><th>统计数</th></tr></thead>"
        "<tbody><tr><td>一、主动公开情况</td><td>——</td><td></td></tr>"
        "<tr><td>(一)收到申请数</td><td>件</td><td> 0 </td></tr>"
        "<tr><td></td><td> </td><td></td></tr></tbody></table>"
    )
    assert html_to_text(markup).split("\n") == [
        "2017年度政府信息公开工作情况统计表",
        "统计指标 | 单位 | 统计数 |",
        "一、主动公开情况 | —— |  |",
        "(一)收到申请数 | 件 | 0 |",
    ]


def test_br_and_paragraphs_inside_a_cell_do_not_split_the_row():
    markup = page(
        "<table><tr><td><p class=MsoNormal><span>商业</span></p><p>企业</p></td>"
        "<td>科研<br>机构</td><td>危及“三安全<br/>一稳定”</td></tr></table>"
    )
    line = html_to_text(markup)
    assert line == "商业 企业 | 科研 机构 | 危及“三安全 一稳定” |"
    # the wrapped words are joined again where labels are compared
    assert row_cells(split_lines(line)[0].text) == ["商业企业", "科研机构", "危及“三安全一稳定”"]


def test_text_a_table_holds_outside_its_cells_comes_before_it():
    markup = page(
        "<table>说明<tr><td>a</td><td>1</td></tr>注:单位为件<div>块</div>"
        "<tbody><p>段落</p><tr><td>b</td><td>2</td></tr></tbody></table>后文"
    )
    assert html_to_text(markup).split("\n") == [
        "说明",
        "注:单位为件",
        "块",
        "段落",
        "a | 1 |",
        "b | 2 |",
        "后文",
    ]


def test_merged_label_is_repeated_down_and_written_once_across():
    markup = page(
        "<table>"
        "<tr><td colspan=3>一、本年新收政府信息公开申请数量</td><td>5</td><td>6</td></tr>"
        "<tr><td rowspan=3>三、本年度办理结果</td><td colspan=2>(一)予以公开</td>"
        "<td>1</td><td>2</td></tr>"
        "<tr><td rowspan=2>(三)不予公开</td><td>1.属于国家秘密</td><td>0</td><td>0</td></tr>"
        "<tr><td>2.其他法律行政法规禁止公开</td><td>3</td><td>4</td></tr>"
        "</table>"
    )
    assert html_to_text(markup).split("\n") == [
        "一、本年新收政府信息公开申请数量 | 5 | 6 |",
        "三、本年度办理结果 | (一)予以公开 | 1 | 2 |",
        "三、本年度办理结果 | (三)不予公开 | 1.属于国家秘密 | 0 | 0 |",
        "三、本年度办理结果 | (三)不予公开 | 2.其他法律行政法规禁止公开 | 3 | 4 |",
    ]


def test_merged_figure_is_printed_once_and_later_cells_keep_their_columns():
    markup = page(
        "<table>"
        "<tr><td>a</td><td colspan=2>7</td><td>8</td></tr>"
        "<tr><td>b</td><td rowspan=2>9</td><td>1</td><td>2</td></tr>"
        "<tr><td>c</td><td>3</td><td>4</td></tr>"
        "<tr><td>d</td><td colspan=3>——</td></tr>"
        "</table>"
    )
    assert html_to_text(markup).split("\n") == [
        "a | 7 |  | 8 |",  # never "7 | 7": a figure printed once is read once
        "b | 9 | 1 | 2 |",
        "c |  | 3 | 4 |",  # 3 and 4 stay under the columns they were printed in
        "d | —— |",
    ]


def test_rows_that_print_nothing_of_their_own_are_dropped():
    markup = page(
        "<table><tr><td rowspan=3>三、本年度办理结果</td><td>(一)予以公开</td><td>1</td></tr>"
        "<tr></tr><tr><td></td><td></td></tr></table>"
    )
    assert html_to_text(markup) == "三、本年度办理结果 | (一)予以公开 | 1 |"


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ("rowspan=0", ["x | 1 |", "x | 2 |"]),  # 0: to the end of the table
        ("rowspan=99", ["x | 1 |", "x | 2 |"]),  # never past the table's last row
        ("rowspan='2px' colspan='1.5'", ["x | 1 |", "x | 2 |"]),
        ("rowspan=-1 colspan=0", ["x | 1 |", "2 |"]),
        ("colspan=abc", ["x | 1 |", "2 |"]),
    ],
)
def test_odd_span_attributes_are_read_like_browsers(attrs, expected):
    markup = page(f"<table><tr><td {attrs}>x</td><td>1</td></tr><tr><td>2</td></tr></table>")
    assert html_to_text(markup).split("\n") == expected


def test_layout_tables_are_read_as_blocks_and_their_data_tables_as_rows():
    markup = page(
        "<table width=100%><tr><td>网站导航</td><td>"
        "<p>一、总体情况</p><p>2022年,全区办理申请333件。</p>"
        "<table><tr><td>行政许可</td><td>69110</td></tr></table>"
        "<p>五、存在的主要问题</p></td></tr></table>"
        "<table><tr><td><p>只有一列的表格是版式,</p><p>不是数据。</p></td></tr>"
        "<tr><p>行里的段落只写一次</p></tr></table>"
    )
    assert html_to_text(markup).split("\n") == [
        "网站导航",
        "一、总体情况",
        "2022年,全区办理申请333件。",
        "行政许可 | 69110 |",
        "五、存在的主要问题",
        "行里的段落只写一次",  # browsers show it before the table
        "只有一列的表格是版式,",
        "不是数据。",
    ]


def test_a_cell_holding_a_whole_page_is_layout():
    prose = "".join(
        f"<p>第{i}段:政府信息公开工作稳步推进,各项制度不断完善。</p>" for i in range(12)
    )
    markup = page(f"<table><tr><td>栏目</td><td>{prose}</td></tr></table>")
    lines = html_to_text(markup).split("\n")
    assert lines[0] == "栏目"
    assert len(lines) == 13
    assert not any("|" in line for line in lines)


# --- looks_like_html and declared_charset ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html>\n<html><body>x</body></html>",
        "<html>\n<p>x</p>",
        "  <BODY bgcolor=white>正文",
        "<div><p>一、总体情况</p><p>正文</p></div>",
        '<table border="1"><tr><td>a</td></tr></table>',
    ],
)
def test_looks_like_html_finds_markup(text):
    assert looks_like_html(text)


@pytest.mark.parametrize(
    "text",
    [
        "一、总体情况\n2022年,天桥区坚持…",
        "《中华人民共和国政府信息公开条例》 a < b > c",
        "收到申请数 | 件 | 0 |",
        "数值 <5 件, 其他 > 3 件, 见<附件>",
        "",
        # scraped text with a few tags left in it stays text: its lines are its structure
        "自然人 | 商业<br>企业 | 科研<br>机构 | 其他<br/> |\n一、本年新收 | 1 | 0 | 0 |\n"
        "二、上年结转 | 0 | 0 | 0 |\n三、本年度办理结果 | 1 | 0 | 0 |\n说明<b>:</b>无",
        "正文</p>\n" + "第二段\n" * 20 + "<p>第三段</p><p>第四段</p>",
    ],
)
def test_looks_like_html_leaves_text_alone(text):
    assert not looks_like_html(text)


def test_no_seed_file_looks_like_html():
    for path in sorted(RAW_DIR.iterdir()):
        assert not looks_like_html(path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'<html><head><meta charset="utf-8">', "utf-8"),
        (b"<meta charset=UTF8>", "utf-8"),
        (b"<META CHARSET='GB2312' />", "gb18030"),
        (b"<meta charset=gbk>", "gb18030"),
        (b"<meta charset=gb18030>", "gb18030"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
            "gb18030",
        ),
        (b"<meta content='text/html;charset=big5' http-equiv='content-type'>", "big5hkscs"),
        (b'<?xml version="1.0" encoding="GBK"?><html>', "gb18030"),
        (b"<meta charset=iso-8859-1>", "cp1252"),
        (b"<meta charset=utf-16>", "utf-8"),  # an ASCII-readable page cannot be UTF-16
        (b"<!-- <meta charset=big5> --><meta charset=utf-8>", "utf-8"),
        (b"<meta charset=no-such-codec>", None),
        (b"<html><head><title>x</title></head>", None),
        (b"", None),
        ("<meta charset=gbk><p>中文</p>".encode("gb18030"), "gb18030"),
    ],
)
def test_declared_charset(data, expected):
    assert declared_charset(data) == expected


def test_declared_charset_looks_only_at_the_first_bytes():
    assert declared_charset(b" " * 5000 + b"<meta charset=gbk>") is None
    assert declared_charset(b"<!-- x -->" * 100 + b"<meta charset=gbk>") == "gb18030"


# --- a seed report published as a page -------------------------------------------------------

_FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "(),:;0123456789+"})


def full_width(text: str) -> str:
    """Punctuation and digits as sites that do not normalise print them."""
    return html_escape.escape(text.translate(_FULL_WIDTH), quote=False)


def td(text: str, **spans: int) -> str:
    attrs = "".join(f' {k}="{v}"' for k, v in spans.items() if v > 1)
    # Word-exported pages wrap every cell in a paragraph and a span
    return f"<td{attrs}><p class=MsoNormal><span>{full_width(text)}</span></p></td>"


def cells_of(line: Line) -> list[str]:
    cells = row_cells(line.text)
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def art20_table(lines: Sequence[Line]) -> str:
    """The article-20 blocks as one four-column table; short rows span the last column."""
    rows = []
    for line in lines:
        cells = cells_of(line)
        tds = [td(c) for c in cells[:-1]] + [td(cells[-1], colspan=5 - len(cells))]
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return "<table border=1>" + "\n".join(rows) + "</table>"


REQUESTS_HEADER = (
    "<tr>"
    + td("(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", colspan=3, rowspan=3)
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


def requests_table(lines: Sequence[Line]) -> str:
    """Table 3 as the official template lays it out: group cells merged down, labels across."""
    body = [line for line in lines if "本年新收" in compact_label(line.text)]
    start = lines.index(body[0])
    rows = [cells_of(line) for line in lines[start:]]
    out = []
    for i, cells in enumerate(rows):
        labels, values = cells[:-7], cells[-7:]
        tds = []
        for label in labels:
            if label.startswith("三、"):
                span = next(j for j in range(i, len(rows)) if "总计" in rows[j][-8]) - i + 1
                tds.append(td(label, rowspan=span))
            elif re.match(r"\(.\)", label) and len(labels) > 1 and label is not labels[-1]:
                span = 1
                while i + span < len(rows) and re.match(r"\d\.", rows[i + span][0]):
                    span += 1
                tds.append(td(label, rowspan=span))
            elif re.match(r"[一二三四]、", label):
                tds.append(td(label, colspan=3))
            elif re.match(r"\(.\)", label):
                tds.append(td(label, colspan=2))
            else:
                tds.append(td(label))
        out.append("<tr>" + "".join(tds) + "".join(td(v) for v in values) + "</tr>")
    return "<table border=1>" + REQUESTS_HEADER + "\n".join(out) + "</table>"


def review_table(lines: Sequence[Line]) -> str:
    """Table 4 with its three merged header rows."""
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
    values = "<tr>" + "".join(td(v) for v in cells_of(lines[-1])) + "</tr>"
    return "<table border=1>" + header + values + "</table>"


def table_blocks(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of consecutive table lines, and single prose lines, in order."""
    blocks: list[list[Line]] = []
    for line in lines:
        if "|" in line.text and blocks and "|" in blocks[-1][-1].text:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def as_page(lines: Sequence[Line]) -> str:
    """A report's lines as the page a county government site would serve."""
    body = []
    for block in table_blocks(lines):
        first = compact_label(block[0].text).replace(" ", "")
        if "|" not in block[0].text:
            body.append(f"<p>\u3000\u3000{full_width(block[0].text)}</p>")
        elif first.startswith("第二十条"):
            body.append(art20_table(block))
        elif first.startswith("行政复议"):
            body.append(review_table(block))
        else:
            body.append(requests_table(block))
    return (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" '
        'content="text/html; charset=gb2312"><title>政府信息公开年度报告</title>'
        "<script>var stats = '一、本年新收政府信息公开申请数量 | 987654 |';</script>"
        "<style>td { border: 1px solid }</style></head><body>"
        "<div class=top><nav><a href=/>首页</a> | <a href=/wza>无障碍浏览</a> | "
        "<a>本年新收 12件</a></nav></div>"
        "<header><h1>济南市天桥区人民政府</h1></header>"
        "<!-- 正文开始 --><div class=TRS_Editor>\n" + "\n".join(body) + "\n</div>"
        "<script>document.write('<p>上年结转 5件</p>')</script>"
        "<footer>主办:天桥区人民政府办公室 | 网站标识码 3701050001</footer>"
        "</body></html>"
    )


def figures(source_file: str, text: str, ordinal: int = 1) -> tuple[Counter, Counter]:
    segmented, found = extract_document(source_file, text)[ordinal - 1]
    assert segmented.report.report_year is not None

    def key(f):
        return (f.metric, f.dimension, f.value, f.value_kind, f.qualifier, f.unit, f.note)

    return Counter(map(key, found.statistics)), Counter(map(key, found.prose))


@pytest.mark.parametrize(
    ("prefix", "ordinal"),
    [("002", 1), ("002", 2), ("002", 3), ("002", 4), ("002", 5), ("004", 1)],
)
def test_seed_report_as_html_page_gives_the_same_figures(prefix, ordinal):
    """天桥区 2022 to 2018 (new_2021, new_2019, prose) and 004 (new_2021), with merged cells."""
    name, text = seed_text(prefix)
    segmented = segment_document(name, text)[ordinal - 1]
    markup = as_page(segmented.lines)
    assert "colspan" in markup or segmented.report.template == "prose"
    converted = html_to_text(markup)
    for chrome in ("987654", "无障碍浏览", "本年新收 12件", "上年结转 5件", "标识码"):
        assert chrome not in converted

    expected_statistics, expected_prose = figures(name, text, ordinal)
    statistics, prose = figures("page.html", converted)
    assert statistics == expected_statistics
    assert prose == expected_prose
    page_report = segment_document("page.html", converted)
    assert len(page_report) == 1
    assert page_report[0].report.report_year == segmented.report.report_year
    assert page_report[0].report.template == segmented.report.template


def test_seed_report_page_rejects_no_row_and_reads_every_table():
    name, text = seed_text("002")
    converted = html_to_text(as_page(segment_document(name, text)[0].lines))
    _, found = extract_document("page.html", converted)[0]
    assert found.rejected == []
    kinds = Counter(f.table_kind for f in found.statistics)
    assert kinds == {"requests": 25 * 7, "review_litigation": 15, "art20": 10}


def old_table_page(lines: Sequence[Line]) -> str:
    """The old table with its headings merged across and each run of one unit merged down."""
    rows = [cells_of(line) for line in lines]

    def unit(i: int) -> str | None:
        return rows[i][1] if len(rows[i]) == 3 else None

    out = []
    for i, cells in enumerate(rows):
        if len(cells) == 2 and cells[1] in {"——", "—"}:
            tds = [td(cells[0]), td(cells[1], colspan=2)]
        elif unit(i) is None:
            tds = [td(c) for c in cells]
        elif i > 0 and unit(i - 1) == unit(i):
            tds = [td(cells[0]), td(cells[2])]  # the unit cell is merged down from above
        else:
            span = 1
            while i + span < len(rows) and unit(i + span) == unit(i):
                span += 1
            tds = [td(cells[0]), td(cells[1], rowspan=span), td(cells[2])]
        out.append("<tr>" + "".join(tds) + "</tr>")
    return "<table border=1>" + "\n".join(out) + "</table>"


def test_old_table_seed_as_html_page_gives_the_same_figures():
    name, text = seed_text("003")
    segmented = segment_document(name, text)[0]
    body = []
    for block in table_blocks(segmented.lines):
        if "|" in block[0].text:
            body.append(old_table_page(block))
        else:
            body.append(f"<p>{full_width(block[0].text)}</p>")
    markup = "<html><body><nav>首页</nav>" + "\n".join(body) + "</body></html>"
    assert "rowspan" in markup
    converted = html_to_text(markup)
    assert figures("page.htm", converted) == figures(name, text)
