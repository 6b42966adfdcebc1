"""The corpus: `generate_corpus` plans the agencies, generates each agency's reports (in
worker processes when the corpus is large), breaks some, computes what each must fail,
writes the files one at a time and then the manifest.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from pipeline.pool import default_workers, map_ordered
from pipeline.segment import make_report_id
from tools.synth.breaks import break_report
from tools.synth.catalogue import PROSE, RULES
from tools.synth.compose import Block, compose
from tools.synth.draft import Draft, make_statements
from tools.synth.expectations import cross_year_failures, previous_in_series, report_failures
from tools.synth.manifest import Manifest, ReportEntry, Totals, write_manifest
from tools.synth.plans import Parameters, Plan, page_html_share, plan_agencies, shard_folder
from tools.synth.printing import full_width_lines
from tools.synth.render_html import render_html
from tools.synth.render_text import render_text
from tools.synth.series import agency_drafts, present, with_parts

_CLOSERS = ("扫码使用手机浏览本页内容", "扫码使用手机浏览本页内容", "【打印本页】 【关闭窗口】")


class _Writer:
    """Writes one agency's files and keeps their manifest entries."""

    def __init__(self, plan: Plan, rng: random.Random) -> None:
        self.raw = Path(plan.raw)
        self.params = plan.params
        self.rng = rng
        self.next_file = plan.first_file
        self.totals = Totals()
        self.entries: list[ReportEntry] = []

    def name(self, suffix: str) -> str:
        number = self.next_file
        self.next_file += 1
        self.totals.files += 1
        return f"{shard_folder(number)}/{number:06d}_{self.rng.getrandbits(64):016x}{suffix}"

    def write(self, source_file: str, text: str, encoding: str) -> None:
        if self.rng.random() < self.params.crlf_share:
            text = text.replace("\n", "\r\n")
        data = text.encode(encoding)
        path = self.raw / source_file
        path.write_bytes(data)  # its shard directory was made with the plans
        self.totals.bytes += len(data)
        self.totals.by_encoding[encoding] += 1

    def record(self, draft: Draft, encoding: str, is_html: bool, full_width: bool) -> None:
        failures = tuple(rule for rule in RULES if rule in draft.expected)
        self.entries.append(
            ReportEntry(
                source_file=draft.source_file,
                ordinal=draft.ordinal,
                report_id=make_report_id(draft.source_file, draft.ordinal),
                report_year=draft.year,
                agency=draft.agency,
                template=draft.template,
                encoding=encoding,
                html=is_html,
                fullwidth=full_width,
                broken=bool(failures),
                expected_failures=failures,
                alteration=draft.alteration,
            )
        )
        totals = self.totals
        totals.reports += 1
        totals.by_template[draft.template] += 1
        totals.fullwidth_reports += full_width
        totals.html_reports += is_html
        totals.reports_by_encoding[encoding] += 1
        totals.broken_reports += bool(failures)
        totals.altered_reports += draft.alteration is not None
        for rule in failures:
            totals.by_rule[rule] += 1


def _report_text(draft: Draft, blocks: Sequence[Block], wide: bool) -> list[str]:
    lines = render_text(draft, blocks)
    return full_width_lines(lines) if wide else lines


def generate_corpus(
    reports: int,
    out_dir: Path,
    seed: int = 0,
    *,
    params: Parameters | None = None,
    workers: int | None = None,
) -> Manifest:
    """Write `reports` synthetic reports to `out_dir/raw/` and the manifest to
    `out_dir/manifest.json`; the same seed, count and parameters always give the same bytes,
    whatever the number of worker processes (default: one per CPU for large corpora).

    `params` (see `Parameters`) sets the shares of broken, GBK, HTML, full-width and CRLF
    reports, of agencies scraped as whole sites, and the range of report years.
    """
    if reports < 0:
        raise ValueError("the number of reports cannot be negative")
    params = params or Parameters()
    if params.first_year > params.last_year:
        raise ValueError("first_year is after last_year")
    rng = random.Random(f"pipeline.synth:{seed}")
    raw = Path(out_dir) / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    plans = list(plan_agencies(rng, reports, params, raw))
    files = (
        plans[-1].first_file + (1 if plans[-1].as_site else len(plans[-1].years)) if plans else 0
    )
    for shard in range((files + 999) // 1000):
        (raw / shard_folder(shard * 1000)).mkdir(exist_ok=True)
    if workers is None:
        workers = default_workers() if reports >= 5000 else 1
    totals = Totals()
    entries: list[ReportEntry] = []
    for plan_entries, plan_totals in map_ordered(_run_plan, plans, workers, chunksize=64):
        entries.extend(plan_entries)
        totals.add(plan_totals)
    manifest_path = Path(out_dir) / "manifest.json"
    parameter_record = {"reports": reports, **{k: getattr(params, k) for k in params.__slots__}}
    return write_manifest(manifest_path, seed, parameter_record, totals.as_json(), entries)


def _run_plan(plan: Plan) -> tuple[list[ReportEntry], Totals]:
    """Generate, check and write one agency's reports (runs in a worker process)."""
    rng = random.Random(plan.seed)
    writer = _Writer(plan, rng)
    drafts = agency_drafts(rng, plan.entity, plan.years)
    _write_entity(rng, writer, drafts, plan.as_site)
    return writer.entries, writer.totals


def _write_entity(rng: random.Random, writer: _Writer, drafts: list[Draft], as_site: bool) -> None:
    """Present, break, check and write one agency's reports."""
    params = writer.params
    for draft in drafts:
        present(rng, draft)
    newest_first = list(reversed(drafts))
    layout: list[tuple[str, list[Draft], bool, str]] = []  # (file, drafts, html, encoding)
    if as_site:
        encoding = "gbk" if rng.random() < params.gbk_share else "utf-8"
        layout.append((writer.name(".txt"), newest_first, False, encoding))
    else:
        for draft in newest_first:
            is_html = rng.random() < page_html_share(params)
            encoding = "gbk" if rng.random() < params.gbk_share else "utf-8"
            suffix = rng.choice((".html", ".htm")) if is_html else ".txt"
            layout.append((writer.name(suffix), [draft], is_html, encoding))
    for source_file, members, _, _ in layout:
        for ordinal, draft in enumerate(members, start=1):
            draft.source_file, draft.ordinal = source_file, ordinal
            draft.series = f"agency:{draft.agency}" if draft.agency else f"file:{source_file}"
    for draft in drafts:
        make_statements(draft)
    links = previous_in_series(drafts)
    for i, draft in enumerate(drafts):
        if rng.random() < params.broken_share:
            if draft.template == PROSE and not with_parts(draft):
                continue
            break_report(draft, rng, links.get(i))
    blocks = {id(draft): compose(draft) for draft in drafts}
    for i, draft in enumerate(drafts):
        draft.expected = report_failures(draft)
        if i in links:
            draft.expected |= cross_year_failures(draft, links[i])
        if draft.alteration is not None and not draft.expected:
            raise RuntimeError(f"a deliberate break made no rule fail: {draft.alteration}")
    for source_file, members, is_html, encoding in layout:
        full_width = [rng.random() < params.fullwidth_share for _ in members]
        if is_html:
            charset = "utf-8" if encoding == "utf-8" else rng.choice(("gb2312", "gbk"))
            text = render_html(members[0], blocks[id(members[0])], charset, full_width[0])
            writer.totals.html_files += 1
        else:
            chrome = as_site or rng.random() < 0.3
            lines: list[str] = []
            if as_site and rng.random() < 0.5:
                lines.append("当前位置:首页 > 政务公开 > 政府信息公开年度报告")
            for draft, wide in zip(members, full_width, strict=True):
                body = _report_text(draft, blocks[id(draft)], wide)
                if chrome:
                    lines.append("字号:")
                    lines.append("大 中 小" + body[0])
                    lines.extend(body[1:])
                    lines.append(rng.choice(_CLOSERS))
                else:
                    lines.extend(body)
            text = "\n".join(lines) + "\n"
            writer.totals.multi_report_files += len(members) > 1
        writer.write(source_file, text, encoding)
        for draft, wide in zip(members, full_width, strict=True):
            writer.record(draft, encoding, is_html, wide)
