"""The report years the pipeline knows: one definition, used by the parser, the Dagster
partitions and the command line.

Reports exist from the first year of the 2008 regulations (`first_report_year` in
`schemas/layouts.yaml`) up to the current year; a text claiming a year outside that range is
not a report year (the segmenter already refuses such years).
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.catalogue import layouts

_SPEC = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


def first_year() -> int:
    """The first year a report can cover."""
    return int(layouts()["first_report_year"])


def last_year(today: dt.date | None = None) -> int:
    """The last year a report can cover: the current one."""
    return (today or dt.date.today()).year


def all_years(today: dt.date | None = None) -> list[int]:
    """Every report year, oldest first."""
    return list(range(first_year(), last_year(today) + 1))


def parse_years(spec: str, today: dt.date | None = None) -> list[int]:
    """Years from `2019`, `2010-2015` or a comma-separated list of both; validated."""
    years: set[int] = set()
    for part in spec.split(","):
        match = _SPEC.match(part)
        if not match:
            raise ValueError(f"not a year or a range of years: {part.strip()!r}")
        start = int(match[1])
        end = int(match[2]) if match[2] else start
        if end < start:
            raise ValueError(f"range runs backwards: {part.strip()!r}")
        outside = [y for y in (start, end) if not first_year() <= y <= last_year(today)]
        if outside:
            raise ValueError(
                f"{outside[0]} is outside the report years {first_year()}-{last_year(today)}"
            )
        years.update(range(start, end + 1))
    return sorted(years)


def contiguous_ranges(years: list[int]) -> list[tuple[int, int]]:
    """Sorted years grouped into (first, last) runs of consecutive years."""
    ranges: list[tuple[int, int]] = []
    for year in sorted(set(years)):
        if ranges and ranges[-1][1] == year - 1:
            ranges[-1] = (ranges[-1][0], year)
        else:
            ranges.append((year, year))
    return ranges
