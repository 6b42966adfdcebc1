"""Hardening (issue 13), whole runs: links out of the raw directory, files and folders that
cannot be read (as a non-root user), scratch folders of killed runs, a live writer of the
warehouse, the one plain error line, an empty raw directory, `--workers`, memory per file."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline import publish
from pipeline.cli import main
from pipeline.execution import actionable_error
from pipeline.storage import WarehouseLayout, remove_leftovers, scratch_dir

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
F001 = "001_9ee0dcb102ca4a64.txt"
F004 = "004_21970fde474fde16.txt"
SECRET = "root-secret-line:x:0:0:never-to-be-read"


def run_cli(raw: Path, out: Path, *extra: str) -> int:
    return main(
        ["run", "--raw-dir", str(raw), "--warehouse-dir", str(out), "--workers", "1", *extra]
    )


def cli_args(raw: Path, out: Path) -> list[str]:
    return ["run", "--raw-dir", str(raw), "--warehouse-dir", str(out), "--workers", "1"]


def query(out: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary folder every user can traverse (pytest's own is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="hardening-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def raw(shared_tmp: Path, raw_dir: Path) -> Path:
    copy = shared_tmp / "raw"
    shutil.copytree(raw_dir, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return copy


# ------------------------------------------------------------------ 1. links


def test_a_link_out_of_the_raw_directory_is_never_opened(raw: Path, shared_tmp: Path):
    outside = shared_tmp / "outside"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "report.txt").write_text((raw / F001).read_text(encoding="utf-8"))
    (raw / "passwd.txt").symlink_to(outside / "passwd")
    (raw / "elsewhere").symlink_to(outside)  # a folder out of the raw directory
    (raw / "sub").mkdir()
    (raw / "sub" / "again.txt").symlink_to(raw / F004)  # inside: read once, as 004
    (raw / "sub" / "loop").symlink_to(raw)  # a loop
    (raw / "sub" / "broken.txt").symlink_to(raw / "nowhere.txt")
    out = shared_tmp / "out"

    assert run_cli(raw, out) == 0

    quarantine = pl.read_parquet(out / "parquet" / "quarantine" / "documents.parquet")
    reasons = dict(quarantine.select("source_file", "reason").iter_rows())
    assert reasons == {
        "elsewhere": "outside_raw_dir",
        "passwd.txt": "outside_raw_dir",
        "sub/broken.txt": "unreadable_file",
    }
    documents = pl.read_parquet(out / "parquet" / "documents.parquet")
    unread = documents.filter(pl.col("sha256").is_null())["source_file"].to_list()
    assert unread == ["elsewhere", "passwd.txt", "sub/broken.txt"]
    # Never opened: nothing of it anywhere, and no report from the folder outside.
    assert not query(out, f"select * from quarantine where raw like '%{SECRET[:20]}%'")
    assert query(out, "select count(*) from reports") == [(19,)]
    assert query(out, "select count(*) from reports where source_file like 'sub/%'") == [(0,)]
    assert query(out, "select count(*) from reports where source_file like 'elsewhere%'") == [(0,)]
    assert status_of(out)[0] == 0


def status_of(out: Path) -> tuple[int, str]:
    process = subprocess.run(
        [sys.executable, "-m", "pipeline", "status", "--warehouse-dir", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return process.returncode, process.stdout


# ------------------------------------------------------------------ 2. unreadable, as non-root


@cache
def _nobody_command() -> list[str] | None:
    """How to run this project's Python as the unprivileged user `nobody`, or None.

    The virtual environment's interpreter may live below /root (mode 700), out of nobody's
    reach; a system Python of the same version reads the same site-packages.
    """
    if os.geteuid() != 0:
        return [sys.executable]  # not root: permissions already apply
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        os.path.realpath(sys.executable),
        f"/usr/bin/{version}",
        f"/usr/local/bin/{version}",
    ]
    packages = ":".join([str(ROOT), *site.getsitepackages()])
    for python in candidates:
        command = [
            setpriv,
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            "HOME=/tmp",
            f"PYTHONPATH={packages}",
            "PYTHONWARNINGS=ignore",
            python,
        ]
        probe = subprocess.run(
            [*command, "-c", "import duckdb, polars, dagster, pipeline.cli"],
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return command
    return None


def as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
    command = _nobody_command()
    if command is None:
        pytest.skip("no way to run Python as a non-root user here (no setpriv, no usable Python)")
    # `env -i` drops the tests' DAGSTER_HOME: give the run an instance nobody can write (never
    # the repo's deploy/), with the project's dagster.yaml.
    home = Path(tempfile.mkdtemp(prefix="nobody-dagster-home-"))
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    home.chmod(0o777)
    (home / "dagster.yaml").chmod(0o644)
    python = command[-1]
    command = [*command[:-1], f"DAGSTER_HOME={home}", python]
    try:
        return subprocess.run(
            [*command, "-m", "pipeline", *args], capture_output=True, text=True, check=False
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_unreadable_files_and_folders_are_quarantined_and_the_run_goes_on(
    raw: Path, shared_tmp: Path
):
    out = shared_tmp / "out"
    out.mkdir()
    os.chown(out, *_nobody_ids())
    (raw / "sub").mkdir(mode=0o755)
    shutil.copy(raw / F004, raw / "sub" / "x.txt")
    (raw / "sub" / "x.txt").chmod(0o644)
    secret = raw / "secret.txt"
    shutil.copy(raw / F001, secret)
    secret.chmod(0o000)
    run = ("run", "--raw-dir", str(raw), "--warehouse-dir", str(out), "--workers", "1")

    first = as_nobody(*run)
    assert first.returncode == 0, first.stderr[-3000:]
    quarantine = pl.read_parquet(out / "parquet" / "quarantine" / "documents.parquet")
    row = quarantine.filter(pl.col("source_file") == "secret.txt").row(0, named=True)
    assert row["reason"] == "unreadable_file"
    assert "Permission denied" in row["message"]
    assert query(out, "select count(*) from reports") == [(20,)]  # 19 seeds + sub/x.txt
    code, printed = status_of(out)
    assert code == 0 and "accounting: holds" in printed
    assert "1 of them not readable" in printed

    # A folder that cannot be listed: its reports stay, and status does not say "holds".
    (raw / "sub").chmod(0o000)
    second = as_nobody(*run)
    assert second.returncode == 0, second.stderr[-3000:]
    assert query(out, "select count(*) from reports") == [(20,)]
    assert query(out, "select reason from quarantine where source_file = 'sub/'") == [
        ("unreadable_folder",)
    ]
    code, printed = status_of(out)
    assert code == 1
    assert "accounting: INCOMPLETE" in printed and "holds" not in printed
    assert "not listed: sub/" in printed

    # Readable again: read again, nothing quarantined any more.
    (raw / "sub").chmod(0o755)
    secret.chmod(0o644)
    third = as_nobody(*run)
    assert third.returncode == 0, third.stderr[-3000:]
    assert query(out, "select count(*) from quarantine where stage = 'documents'") == [(0,)]
    assert query(out, "select count(*) from reports") == [(21,)]
    assert status_of(out)[0] == 0


def _nobody_ids() -> tuple[int, int]:
    import grp
    import pwd

    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    return pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid


def test_an_unreadable_raw_directory_ends_with_one_plain_line(raw: Path, shared_tmp: Path):
    out = shared_tmp / "out"
    out.mkdir()
    os.chown(out, *_nobody_ids())
    raw.chmod(0o000)
    result = as_nobody("run", "--raw-dir", str(raw), "--warehouse-dir", str(out))
    raw.chmod(0o755)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"error: Permission denied: {raw}"


# ------------------------------------------------------------------ 4. scratch folders


HOLDER = """
import sys, time
from pathlib import Path
from pipeline.storage import WarehouseLayout, scratch_dir
with scratch_dir(WarehouseLayout(Path(sys.argv[1])), sys.argv[2]) as folder:
    (folder / "chunk.parquet").write_bytes(b"x" * 1000)
    print(folder, flush=True)
    time.sleep(600)
"""


def _holder(out: Path, purpose: str) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out), purpose],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_a_run_removes_the_scratch_folders_of_killed_runs_not_of_live_ones(
    raw: Path, shared_tmp: Path
):
    out = shared_tmp / "out"
    assert run_cli(raw, out) == 0
    layout = WarehouseLayout(out)
    dead, dead_folder = _holder(out, "spill")
    live, live_folder = _holder(out, "spill")
    try:
        dead.send_signal(signal.SIGKILL)
        dead.wait(timeout=30)
        (out / ".spill-legacy").mkdir()  # what an older version left in the root
        assert dead_folder.is_dir() and live_folder.is_dir()
        assert dead_folder.parent == live_folder.parent == layout.private_scratch

        shutil.copy(raw / F001, raw / "005_new.txt")
        assert run_cli(raw, out) == 0

        assert not dead_folder.exists()
        assert not (out / ".spill-legacy").exists()
        assert (live_folder / "chunk.parquet").is_file()  # a live run's folder stays
    finally:
        live.kill()
        live.wait(timeout=30)
    assert remove_leftovers(layout) == [live_folder]
    # Nothing temporary anywhere but below the one scratch folder.
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert hidden == [".scratch"]
    assert not list(layout.private_scratch.iterdir())


def test_a_scratch_folder_is_removed_when_its_block_ends(shared_tmp: Path):
    layout = WarehouseLayout(shared_tmp / "out")
    with scratch_dir(layout, "spill") as folder:
        assert folder.parent == layout.private_scratch
        assert remove_leftovers(layout) == []  # in use by this process
        assert folder.is_dir()
    assert not folder.exists()


# ------------------------------------------------------------------ 5. a live writer


ANALYST = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table my_notes as select 42 as answer")
print("open", flush=True)
sys.stdin.readline()
con.close()
"""


def test_a_run_never_deletes_the_write_ahead_log_of_a_live_writer(raw: Path, shared_tmp: Path):
    out = shared_tmp / "out"
    assert run_cli(raw, out) == 0
    db = out / "warehouse.duckdb"
    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert analyst.stdin is not None and analyst.stdout is not None
    try:
        assert analyst.stdout.readline().strip() == "open"
        assert Path(f"{db}.wal").exists()
        shutil.copy(raw / F001, raw / "005_new.txt")
        run = subprocess.run(
            [sys.executable, "-m", "pipeline", *cli_args(raw, out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert run.returncode == 1
        last = run.stderr.strip().splitlines()[-1]
        assert last.startswith(f"error: {db} is open read-write by another process")
        assert "read_only=True" in last
        assert Path(f"{db}.wal").exists()  # the analyst's log was not touched
    finally:
        analyst.stdin.write("\n")
        analyst.stdin.flush()
        analyst.wait(timeout=60)
    assert query(out, "select answer from my_notes") == [(42,)]
    assert run_cli(raw, out) == 0  # closed: the next run publishes
    assert query(out, "select count(*) from reports") == [(20,)]


def test_readers_are_no_obstacle_to_publishing(raw: Path, shared_tmp: Path):
    out = shared_tmp / "out"
    assert run_cli(raw, out) == 0
    assert publish.live_writer(out / "warehouse.duckdb") is None
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True):
        assert publish.live_writer(out / "warehouse.duckdb") is None


# ------------------------------------------------------------------ 6. one plain line


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (
            ["OSError: [Errno 28] No space left on device: '/w/warehouse.duckdb.tmp.wal'"],
            "error: No space left on device: /w/warehouse.duckdb.tmp.wal",
        ),
        (
            [
                "duckdb.IOException: IO Error: Could not write file "
                '"/w/warehouse.duckdb.tmp.wal": No space left on device'
            ],
            "error: No space left on device: /w/warehouse.duckdb.tmp.wal",
        ),
        (
            ["dagster failure", "PermissionError: [Errno 13] Permission denied: '/raw/x'"],
            "error: Permission denied: /raw/x",
        ),
        (["ValueError: a bug"], None),
    ],
)
def test_the_plain_line_names_the_cause_and_the_path(messages: list[str], expected: str | None):
    assert actionable_error(messages) == expected


def test_a_full_disk_ends_the_run_with_one_plain_line_after_the_traceback(
    raw: Path, shared_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    out = shared_tmp / "out"
    wal = out / "warehouse.duckdb.tmp.wal"

    def full(*args: object, **kwargs: object) -> dict[str, int]:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(wal))

    monkeypatch.setattr(publish, "build_database", full)
    assert run_cli(raw, out) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"error: No space left on device: {wal}"
    assert not (out / "warehouse.duckdb").exists()


# ------------------------------------------------------------------ 8. small things


def test_an_empty_raw_directory_says_so(shared_tmp: Path, capsys: pytest.CaptureFixture):
    empty = shared_tmp / "empty"
    empty.mkdir()
    assert run_cli(empty, shared_tmp / "out") == 0
    captured = capsys.readouterr()
    assert f"warning: the raw directory {empty} holds no file" in captured.err


@pytest.mark.parametrize("workers", ["0", "-2", "x"])
def test_workers_must_be_at_least_one(workers: str, shared_tmp: Path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--raw-dir", str(shared_tmp), "--workers", workers])
    assert exit_.value.code == 2
    assert "--workers" in capsys.readouterr().err


# The peak resident memory of this process (VmHWM: unlike ru_maxrss, it does not carry over
# the memory of the forking parent across exec).
MEASURE = """
import sys
from pathlib import Path
from pipeline.stages.inventory import inventory_documents
inventory_documents(Path(sys.argv[1]))
status = open("/proc/self/status").read().splitlines()
print(next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) // 1024)
"""


def test_one_huge_file_is_read_in_bounded_memory(raw: Path, shared_tmp: Path):
    """24 MB of 10^6 short lines after a real report: the inventory stays under 300 MB."""
    big = raw / "big.txt"
    lines = "\n".join(f"{i} | 第{i}行 |" for i in range(1_000_000))
    big.write_text((raw / F001).read_text(encoding="utf-8") + lines, encoding="utf-8")
    assert big.stat().st_size > 20_000_000
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, str(raw)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    peak_mb = int(measured.stdout.strip().splitlines()[-1])
    assert peak_mb < 300, f"peak RSS {peak_mb} MB"
    out = shared_tmp / "out"
    assert run_cli(raw, out) == 0
    assert query(out, "select reason from quarantine where source_file = 'big.txt'") == [
        ("too_large",)
    ]


def test_the_limits_leave_every_seed_alone(raw_dir: Path):
    from pipeline.documents import MAX_FILE_BYTES, MAX_FILE_LINES, decode_document

    for path in sorted(raw_dir.iterdir()):
        data = path.read_bytes()
        assert len(data) < MAX_FILE_BYTES / 10
        assert data.count(b"\n") < MAX_FILE_LINES / 10
        assert decode_document(path.name, data)[2] is None


def test_a_real_full_disk_ends_the_run_with_one_plain_line(raw: Path, shared_tmp: Path):
    """A 4 MB file system: the Parquet fits, the warehouse (about 5 MB) does not."""
    small = shared_tmp / "small"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(small)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr!r}")
    try:
        out = small / "out"
        run = subprocess.run(
            [sys.executable, "-m", "pipeline", *cli_args(raw, out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert run.returncode == 1
        last = run.stderr.strip().splitlines()[-1]
        assert last.startswith(f"error: No space left on device: {out}/"), last
        assert "Traceback" in run.stderr or "Error" in run.stderr  # the detail stays above
        assert not (out / "warehouse.duckdb").exists()
    finally:
        subprocess.run(["umount", str(small)], check=False)
