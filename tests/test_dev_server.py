"""`make dev` (`dg dev`): the UI comes up with the code location `gov_info_reports`, its log has
no "code location name … does not match" line, and Ctrl-C (SIGINT to the process group, as a
terminal sends it) stops the webserver, the daemon and the code servers: nothing is left."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LOCATION = "gov_info_reports"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_members(pgid: int) -> list[str]:
    """`pid command` of every live process of the process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            members.append(f"{entry.name} {cmdline[:160]}")
    return members


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def wait_for_server(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "make dev ended before the webserver answered"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"the webserver did not answer on port {port} in {timeout} s")


def test_make_dev_serves_the_named_location_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, dagster_home: Path
):
    uv = shutil.which("uv")
    assert uv, "uv is needed (make setup installs it)"
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(dagster_home / "dagster.yaml", home / "dagster.yaml")  # pools, no telemetry
    (tmp_path / "raw").mkdir()  # empty: the sensor starts no run
    port = free_port()
    log = tmp_path / "dev.log"

    def as_in_a_terminal() -> None:
        # A shell that starts a job in the background ignores SIGINT in it; a terminal does not.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    paths = [f"RAW_DIR={tmp_path / 'raw'}", f"WAREHOUSE_DIR={tmp_path / 'warehouse'}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "dev", f"UV={uv}", f"DEV_PORT={port}", *paths],
            cwd=ROOT,
            env={**os.environ, "DAGSTER_HOME": str(home)},
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=as_in_a_terminal,
        )
    pgid = process.pid
    try:
        wait_for_server(port, process, timeout=180)
        answer = graphql(
            port, "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }"
        )
        names = [e["name"] for e in answer["data"]["workspaceOrError"]["locationEntries"]]
        assert names == [LOCATION]
        repositories = graphql(
            port,
            "{ repositoriesOrError { ... on RepositoryConnection { nodes { name "
            "location { name } } } } }",
        )
        nodes = repositories["data"]["repositoriesOrError"]["nodes"]
        assert [n["location"]["name"] for n in nodes] == [LOCATION]  # the definitions loaded
        members = group_members(pgid)
        assert any("dagster_webserver" in m for m in members), members
        assert any("dagster._daemon" in m for m in members), members
        assert any("code-server" in m or "api grpc" in m for m in members), members
        time.sleep(3)  # let the daemon evaluate the sensor once more

        os.killpg(pgid, signal.SIGINT)  # Ctrl-C
        interrupted = time.monotonic()
        deadline = interrupted + 60
        while group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = group_members(pgid)
        print(f"every process ended {time.monotonic() - interrupted:.1f} s after Ctrl-C")
        assert not left, f"left running after Ctrl-C: {left}\n{log.read_text()[-3000:]}"
    finally:
        if group_members(pgid):
            os.killpg(pgid, signal.SIGKILL)
        process.wait(timeout=30)

    text = log.read_text(errors="replace")
    assert "does not match" not in text, [line for line in text.splitlines() if "match" in line]
    # dg took the interrupt and shut its services down (uv forwards a second SIGINT, which may
    # cut the last log line short: what counts is that no process is left).
    assert "Shutting down Dagster services" in text
    assert (home / "history").is_dir() or (home / "storage").is_dir()  # this instance was used
