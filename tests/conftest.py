from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = ROOT / "data" / "raw"


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every run of the tests (in process or `python -m pipeline` in a subprocess, which
    inherits the environment) is recorded in a throw-away instance, never in the repo's
    `deploy/` nor in a developer's own DAGSTER_HOME. Same pools and run queue as `deploy/`;
    no telemetry."""
    home = tmp_path_factory.mktemp("dagster_home")
    config = (ROOT / "deploy" / "dagster.yaml").read_text(encoding="utf-8")
    (home / "dagster.yaml").write_text(config + "\ntelemetry:\n  enabled: false\n")
    before = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    yield home
    if before is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = before
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return RAW_DIR


def seed_text(name_prefix: str) -> tuple[str, str]:
    """(file name, text) of the seed whose name starts with the prefix."""
    path = next(RAW_DIR.glob(f"{name_prefix}*"))
    return path.name, path.read_text(encoding="utf-8")
