from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return RAW_DIR


def seed_text(name_prefix: str) -> tuple[str, str]:
    """(file name, text) of the seed whose name starts with the prefix."""
    path = next(RAW_DIR.glob(f"{name_prefix}*"))
    return path.name, path.read_text(encoding="utf-8")
