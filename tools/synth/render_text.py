"""A report as scraped text: prose lines, and tables as `cell | cell |` lines in the
layouts the seeds show (one row per line, one cell per line, rows split over two lines,
truncated headers).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache

from tools.synth.catalogue import DIMENSIONS, NEW_2021, TOTAL
from tools.synth.compose import Block
from tools.synth.draft import Draft
from tools.synth.new_template import (
    FIRST_ROWS,
    LAST_ROWS,
    OUTCOMES_LABEL,
    outcome_groups,
    review_codes,
)
from tools.synth.printing import format_figure, wrap_word


def _signed(rng: random.Random, value: float | None) -> str:
    if value is None:
        return ""
    if value > 0 and rng.random() < 0.7:
        return f"+{format_figure(value)}"
    return format_figure(value)


class TextTables:
    """Tables as scraped text: `cell | cell |` lines, in the layouts the seeds show."""

    def __init__(self, draft: Draft, rng: random.Random) -> None:
        self.draft = draft
        self.rng = rng
        self.noise = rng.random() < 0.7  # trailing empty cells (`| ||`)

    def old(self) -> list[str]:
        rng = self.rng
        layout = rng.choice(("rows", "rows", "bare", "cells"))
        if layout == "cells":
            lines = ["统 计 指 标 |", "单位 |", "统计数 |"]
        else:
            lines = [rng.choice(("统 计 指 标 | 单位 | 统计数 |", "统计指标 | 单位 | 统计数 |"))]
        table = self.draft.table
        notes = rng.random() < 0.5
        for row in self.draft.old_rows:
            label = f"{row.label} {row.note}" if notes and row.note else row.label
            if len(label) > 12 and rng.random() < 0.08:
                label = wrap_word(rng, label)
            value = format_figure(table.get((row.metric, TOTAL)))
            if row.head:
                if layout == "rows":
                    lines.append(f"{label} | | {value} |" if value else f"{label} | —— | |")
                elif layout == "bare":
                    lines.append(f"{label} |")
                    lines.extend([f"| {value} |"] if value else rng.choice((["| |"], ["|", "|"])))
                else:
                    lines.extend([f"{label} |", "|", f"{value} |" if value else "|"])
            elif layout == "cells":
                lines.extend([f"{label} |", f"{row.unit} |", f"{value} |" if value else "|"])
            elif len(label) > 10 and rng.random() < 0.06:
                # a row split over two lines
                lines.extend([label, f"| {row.unit} | {value} |" if value else f"| {row.unit} | |"])
            else:
                lines.append(
                    f"{label} | {row.unit} | {value} |" if value else f"{label} | {row.unit} | |"
                )
        return lines

    def requests(self) -> list[str]:
        rng, table = self.rng, self.draft.table
        wrapped = rng.random() < 0.5
        lines = [
            rng.choice(("(", ""))
            + "本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
            + " | 申请人情况 | ||||||||",
            "自然人 | 法人或其他组织 | 总计 | |||||||",
            ("商业 企业 | 科研 机构" if wrapped else "商业企业 | 科研机构")
            + " | 社会公益组织 | 法律服务机构 | 其他 | |||||",
        ]
        rows = _requests_rows(self.draft.template, rng.random() < 0.3, self.noise)
        get = table.__getitem__
        lines.extend(
            prefix + " | ".join(map(str, map(get, keys))) + suffix for prefix, keys, suffix in rows
        )
        return lines

    def review(self) -> list[str]:
        rng, table = self.rng, self.draft.table
        variant = rng.randrange(3)
        if variant == 0:
            header = [
                "行政复议 | 行政诉讼 | |||||||||||||",
                "结果 维持 | 结果 纠正 | 其他 结果 | 尚未 审结 | 总 计 | 未经复议直接起诉 | "
                "复议后起诉 | ||||||||",
                "结果 维持 | 结果 纠正 | 其他 结果 | 尚未 审结 | 总计 | 结果 维持 | 结果 纠正 | "
                "其他 结果 | 尚未 审结 | 总计 | |||||",
            ]
        elif variant == 1:  # header cells cut short by the scraper
            header = [
                "行政复议 | 行政诉讼 | |||||||||||||",
                "结果维持 | 结果 | 其他 | 尚未 | 总计 | 未经复议直接起诉 | 复议后起诉 | ||||||||",
                "结果 | 结果 | 其他 | 尚未 | 总计 | 结果 | 结果 | 其他 | 尚未 | 总计 | |||||",
            ]
        else:
            header = [
                "行政复议 | 行政诉讼 |",
                "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | "
                "复议后起诉 |",
            ]
        row = " | ".join(format_figure(table[(code, TOTAL)]) for code in review_codes()) + " |"
        return [*header, row]

    def art20(self) -> list[str]:
        rng, table = self.rng, self.draft.table

        def v(code: str) -> str:
            return format_figure(table[(f"art20.{code}", TOTAL)])

        docs = rng.choice(("行政规范性文件", "规范性文件"))
        if self.draft.template == NEW_2021:
            return [
                "第二十条第(一)项 | |||",
                "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
                f"规章 | {v('rules.issued')} | {v('rules.repealed')} | {v('rules.in_force')} |",
                f"{docs} | {v('normative_docs.issued')} | {v('normative_docs.repealed')} | "
                f"{v('normative_docs.in_force')} |",
                "第二十条第(五)项 | |||",
                "信息内容 | 本年处理决定数量 | ||",
                f"行政许可 | {v('licensing.decisions')} | ||",
                "第二十条第(六)项 | |||",
                "信息内容 | 本年处理决定数量 | ||",
                f"行政处罚 | {v('penalty.decisions')} | ||",
                f"行政强制 | {v('coercion.decisions')} | ||",
                "第二十条第(八)项 | |||",
                "信息内容 | 本年收费金额(单位:万元) | ||",
                f"行政事业性收费 | {v('fees.amount')} |",
            ]
        truncated = rng.random() < 0.5
        items_header = "信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 | |"

        def item(label: str, subject: str, decisions: bool = True) -> str:
            change = _signed(rng, table[(f"art20.{subject}.change", TOTAL)])
            cells = [label, v(f"{subject}.prior_items"), change]
            if decisions:
                cells.append(v(f"{subject}.decisions"))
            return " | ".join(cells) + (" | |" if decisions else " | ||")

        projects = v("procurement.projects")
        amount = v("procurement.amount")
        if rng.random() < 0.5:
            projects, amount = f"{projects}(次)", f"{amount}万元"
        return [
            "第二十条第(一)项 | ||||",
            "信息内容 | 本年新制作数量 | "
            + ("本年新 | 对外公开 总数量" if truncated else "本年新公开数量 | 对外公开总数量")
            + " | |",
            f"规章 | {v('rules.issued')} | {v('rules.published')} | "
            f"{v('rules.total_published')} | |",
            f"规范性文件 | {v('normative_docs.issued')} | {v('normative_docs.published')} | "
            f"{v('normative_docs.total_published')} | |",
            "第二十条第(五)项 | ||||",
            items_header,
            item("行政许可", "licensing"),
            item("其他对外管理服务事项", "other_services"),
            "第二十条第(六)项 | ||||",
            items_header,
            item("行政处罚", "penalty"),
            item("行政强制", "coercion"),
            "第二十条第(八)项 | ||||",
            "信息内容 | 上一年项目数量 | 本年增/减 | ||",
            item("行政事业性收费", "fees", decisions=False),
            "第二十条第(九)项 | ||||",
            "信息内容 | 采购项目数量 | 采购总金额 | ||",
            f"政府集中采购 | {projects} | {amount} |",
        ]


@cache
def _requests_rows(
    template: str, short_partial: bool, noise: bool
) -> tuple[tuple[str, tuple[tuple[str, str], ...], str], ...]:
    """Table 3's rows as (label cells, keys of the values, trailing cells)."""
    labelled: list[tuple[list[str], str]] = [([label], metric) for label, metric in FIRST_ROWS]
    first = True
    for group, items in outcome_groups(template):
        for j, (label, metric, _) in enumerate(items):
            labels = [OUTCOMES_LABEL] if first else []
            first = False
            if group is not None and j == 0:
                labels.append(group)
            if short_partial and metric == "outcome.partial":
                label = "(二)部分公开"
            labels.append(label)
            labelled.append((labels, metric))
    labelled += [([label], metric) for label, metric in LAST_ROWS]
    rows = []
    for i, (labels, metric) in enumerate(labelled):
        pad = 10 - len(labels) - len(DIMENSIONS) if noise and i + 1 < len(labelled) else 0
        suffix = " |" + (" " + "|" * pad if pad > 0 else "")
        rows.append((" | ".join(labels) + " | ", tuple((metric, d) for d in DIMENSIONS), suffix))
    return tuple(rows)


def render_text(draft: Draft, blocks: Sequence[Block]) -> list[str]:
    """The report as scraped text lines."""
    tables = TextTables(draft, random.Random(draft.seed * 7 + 3))
    lines: list[str] = []
    for kind, text in blocks:
        if kind in ("line", "title"):
            lines.append(text)
        elif kind == "old":
            lines.extend(tables.old())
        elif kind == "requests":
            lines.extend(tables.requests())
        elif kind == "review":
            lines.extend(tables.review())
        else:
            lines.extend(tables.art20())
    return lines
