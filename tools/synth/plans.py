"""The corpus plan: `Parameters` (the knobs), and each agency's share (`Plan`: its years,
one file or one file per report, its seed and first file number), decided up front so that
agencies can be generated in any process and give the same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tools.synth.agencies import Agencies, Entity


@dataclass(frozen=True, slots=True)
class Parameters:
    """Knobs of the corpus; the defaults give a realistic mix."""

    broken_share: float = 0.02  # reports changed on purpose so that a rule fails
    gbk_share: float = 0.10  # files encoded GBK
    html_share: float = 0.05  # files that are saved HTML pages (one report each)
    fullwidth_share: float = 0.15  # reports printed with full-width punctuation and digits
    crlf_share: float = 0.05  # files with Windows line ends
    site_share: float = 0.30  # agencies whose reports come as one scraped site, in one file
    first_year: int = 2008
    last_year: int = 2025


def shard_folder(file_number: int) -> str:
    """Files go a thousand to a directory."""
    return f"{file_number // 1000:03d}"


@dataclass(frozen=True, slots=True)
class Plan:
    """One agency's share of the corpus, decided up front so that agencies can be generated
    in any process and still give the same bytes."""

    entity: Entity
    years: tuple[int, ...]
    as_site: bool  # all its reports in one scraped file
    seed: int
    first_file: int  # number of its first file
    raw: str
    params: Parameters


def plan_agencies(
    rng: random.Random, reports: int, params: Parameters, raw: Path
) -> Iterable[Plan]:
    """Agencies, their years and file numbers, in corpus order, until `reports` are planned."""
    agencies = Agencies(rng)
    remaining = reports
    span = params.last_year - params.first_year
    next_file = 0
    while remaining > 0:
        entity = agencies.draw(params.first_year)
        as_site = rng.random() < params.site_share
        length = min(remaining, rng.randint(2, 15) if as_site else rng.choice(_PAGE_COUNTS))
        length = min(length, span + 1)
        end = params.last_year - min(int(abs(rng.gauss(0.0, 3.0))), span)
        start = max(params.first_year, end - length + 1)
        years = tuple(range(start, start + length))
        yield Plan(entity, years, as_site, rng.getrandbits(64), next_file, str(raw), params)
        next_file += 1 if as_site else length
        remaining -= length


# How many reports an agency has when its reports come as separate pages.
_PAGE_COUNTS = (1, 1, 1, 2, 3, 5)


def page_html_share(params: Parameters) -> float:
    """The chance that a one-report page is HTML, so that `html_share` of all files are
    (a scraped site is one text file; each other agency has one file per report)."""
    pages = (1 - params.site_share) * sum(_PAGE_COUNTS) / len(_PAGE_COUNTS)
    return min(1.0, params.html_share * (pages + params.site_share) / pages) if pages else 0.0
