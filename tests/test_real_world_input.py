"""What a real crawl delivers: other encodings, full-width text, saved HTML pages, and garbage.

The test builds its own raw directory from the seeds (no download): each seed re-encoded as GBK
and as UTF-16, each with full-width punctuation and digits, two seed reports as HTML pages with
merged header cells, an empty file, a binary file, a table cut off, a file of random text.
The run must succeed, the good files must give the seeds' statistics, the bad ones must be in
quarantine with the right reason, the accounting must hold, and no raw file may change.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from test_html import as_page

from pipeline.accounting import account
from pipeline.cli import main
from pipeline.documents import decode_bytes, decode_document
from pipeline.segment import segment_document
from pipeline.storage import WarehouseLayout

pytestmark = pytest.mark.slow

F002 = "002_711b86d480afee15.txt"
F004 = "004_21970fde474fde16.txt"

# Every printable ASCII character as its full-width form, and spaces as ideographic spaces:
# what a site that never normalises its text serves.
FULL_WIDTH = str.maketrans({**{chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}, " ": "\u3000"})
KEY = ["report", "metric", "dimension", "value", "value_kind", "qualifier", "source_line"]


def random_text(seed: int) -> str:
    rng = random.Random(seed)
    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发"
    lines = []
    for _ in range(200):
        lines.append("".join(rng.choice(alphabet + "，。 |0123456789") for _ in range(40)))
    return "\n".join(lines)


def fingerprint(folder: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p.relative_to(folder)): (
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("crawl")
    raw = root / "raw"
    for seed in sorted(raw_dir.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        (raw / "orig").mkdir(parents=True, exist_ok=True)
        shutil.copy(seed, raw / "orig" / seed.name)
        for folder, data in (
            ("gbk", text.encode("gbk")),
            ("utf16", text.encode("utf-16")),  # with its byte-order mark
            ("fullwidth", text.translate(FULL_WIDTH).encode("utf-8")),
        ):
            (raw / folder).mkdir(exist_ok=True)
            (raw / folder / seed.name).write_bytes(data)
    (raw / "html").mkdir()
    for source, ordinal, name in ((F002, 1, "tianqiao_2022.html"), (F004, 1, "sanmen_2022.htm")):
        segmented = segment_document(source, (raw_dir / source).read_text(encoding="utf-8"))
        page = as_page(segmented[ordinal - 1].lines)
        (raw / "html" / name).write_bytes(page.encode("gb18030"))  # the page declares gb2312
    bad = raw / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "blank.txt").write_bytes(b"  \n\r\n \t\n")
    (bad / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(3000))
    (bad / "attachment.txt").write_bytes(b"%PDF-1.4\n" + random.Random(2).randbytes(3000))
    (bad / "random.txt").write_text(random_text(3), encoding="utf-8")
    lines = (raw_dir / F004).read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if "本年新收" in line.replace(" ", ""))
    (bad / "truncated.txt").write_text("\n".join(lines[: start + 4]), encoding="utf-8")
    before = fingerprint(raw)
    out = root / "out"
    assert main(["run", "--raw-dir", str(raw), "--warehouse-dir", str(out)]) == 0
    assert fingerprint(raw) == before  # raw files are only ever read
    return raw, out


def query(out: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        return con.sql(sql).pl()


def statistics_of(out: Path, folder: str) -> pl.DataFrame:
    frame = query(
        out,
        "select s.*, r.source_file from statistics s join reports r using (report_id) "
        f"where r.source_file like '{folder}/%'",
    )
    return (
        frame.with_columns(
            pl.col("report_id").str.replace(r"^[^/]+/", "").alias("report"),
        )
        .select(KEY)
        .sort(KEY, nulls_last=True)
    )


@pytest.mark.parametrize("variant", ["gbk", "utf16", "fullwidth"])
def test_re_encoded_and_full_width_seeds_give_the_seeds_statistics(crawl, variant):
    _, out = crawl
    original = statistics_of(out, "orig")
    assert original.height == 1288
    assert statistics_of(out, variant).equals(original)


def test_every_seed_report_is_found_in_every_variant(crawl):
    _, out = crawl
    counts = query(
        out,
        "select split_part(source_file, '/', 1) as folder, count(*) as n from reports "
        "group by 1 order by 1",
    )
    by_folder = dict(counts.iter_rows())
    assert {k: by_folder[k] for k in ("orig", "gbk", "utf16", "fullwidth")} == {
        "orig": 19,
        "gbk": 19,
        "utf16": 19,
        "fullwidth": 19,
    }


def test_encodings_are_recorded(crawl):
    _, out = crawl
    documents = pl.read_parquet(out / "parquet" / "documents.parquet")
    encoding = dict(documents.select("source_file", "encoding").iter_rows())
    assert encoding[f"orig/{F002}"] == "utf-8"
    assert encoding[f"gbk/{F002}"] == "gb18030"  # GB18030 reads GBK and GB2312
    assert encoding[f"utf16/{F002}"] == "utf-16"
    assert encoding["html/tianqiao_2022.html"] == "gb18030+html"


def test_html_pages_give_the_figures_of_the_seed_report(crawl):
    _, out = crawl
    columns = "metric, dimension, value, value_kind"

    def figures(where: str) -> list[tuple]:
        sql = (
            f"select {columns} from statistics s join reports r using (report_id) "
            f"where {where} order by all"
        )
        return query(out, sql).rows()

    for page, source in (("html/tianqiao_2022.html", F002), ("html/sanmen_2022.htm", F004)):
        from_page = figures(f"r.source_file = '{page}'")
        from_text = figures(f"r.source_file = 'orig/{source}' and r.ordinal = 1")
        assert from_page and from_page == from_text, page
    reports = query(out, "select source_file, report_year, template from reports")
    assert ("html/tianqiao_2022.html", 2022, "new_2021") in reports.rows()


def test_bad_files_are_quarantined_with_their_reason(crawl):
    _, out = crawl
    quarantine = query(
        out, "select source_file, reason from quarantine where source_file like 'bad/%'"
    )
    reasons = {(f, r) for f, r in quarantine.iter_rows()}
    assert ("bad/empty.txt", "empty_file") in reasons
    assert ("bad/blank.txt", "empty_file") in reasons
    assert ("bad/scan.png", "binary_file") in reasons
    assert ("bad/attachment.txt", "binary_file") in reasons
    assert ("bad/random.txt", "no_report") in reasons or ("bad/random.txt", "no_year") in reasons
    assert ("bad/truncated.txt", "table_truncated") in reasons
    messages = query(out, "select message from quarantine where source_file like 'bad/%'")
    assert all(m and len(m) > 10 for (m,) in messages.rows())  # a sentence, not a code


def test_a_truncated_table_keeps_what_was_read(crawl):
    _, out = crawl
    rows = query(
        out,
        "select s.metric from statistics s join reports r using (report_id) "
        "where r.source_file = 'bad/truncated.txt' and s.table_kind = 'requests'",
    )
    assert rows.height > 0
    assert "apply.new" in rows["metric"].to_list()


def test_everything_is_accounted_for(crawl):
    raw, out = crawl
    ledger = account(WarehouseLayout(out))
    assert ledger.holds, ledger.summary()
    assert ledger.files == len([p for p in raw.rglob("*") if p.is_file()])
    assert ledger.files_with_reports + ledger.files_only_quarantined == ledger.files
    assert ledger.table_rows_read > 1000
    assert main(["status", "--warehouse-dir", str(out)]) == 0


def test_status_prints_counts_and_reasons(crawl, capsys):
    _, out = crawl
    capsys.readouterr()
    assert main(["status", "--warehouse-dir", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "binary_file" in printed and "table_truncated" in printed
    assert "accounting: holds" in printed


def test_a_whole_seed_in_utf16_without_a_byte_order_mark_decodes(raw_dir: Path):
    text = (raw_dir / F004).read_text(encoding="utf-8")
    assert decode_bytes(text.encode("utf-16-le"))[0] == text


def test_decoding_recognises_what_is_not_text():
    assert decode_bytes(b"")[2].reason == "empty_file"
    assert decode_bytes(b"\x00\x01\x02\x03" * 10)[2].reason == "binary_file"
    assert decode_bytes(bytes(range(1, 32)) * 20)[2].reason == "binary_file"
    row = "2021年度报告\n一、本年新收政府信息公开申请数量 | 323 | 0 | 0 |\n"
    assert decode_bytes(row.encode("utf-16-le"))[:2] == (row, "utf-16-le")  # no byte-order mark
    assert decode_bytes(row.encode("utf-16-be"))[:2] == (row, "utf-16-be")
    assert decode_bytes("年度报告".encode("gbk"))[:2] == ("年度报告", "gb18030")
    # a page that declares one charset but is in another is still read
    page = '<meta charset="utf-8"><p>政府信息公开</p>'.encode("gbk")
    text, encoding, _ = decode_document("page.html", page)
    assert text is not None and "政府信息公开" in text and encoding == "gb18030+html"
