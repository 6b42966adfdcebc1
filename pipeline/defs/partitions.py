"""The one definition of the year partitions, imported by every per-year asset and trigger."""

from collections.abc import Iterable

import dagster as dg

from pipeline.years import first_year

# One partition per report year, "2008" … the current year (a report covers a calendar year;
# the partition of the year under way exists so an early report is not refused).
YEARS = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *",
    start=str(first_year()),
    fmt="%Y",
    end_offset=1,
    timezone="Asia/Shanghai",
)

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
MODE_TAG = "pipeline/mode"
FORCE_TAG = "pipeline/force"


def range_tags(first: int, last: int) -> dict[str, str]:
    """Run tags asking for the years first..last in one run."""
    return {RANGE_START_TAG: str(first), RANGE_END_TAG: str(last)}


def all_year_keys() -> list[str]:
    """Every partition key, oldest first."""
    return list(YEARS.get_partition_keys())


def years_of(keys: Iterable[str]) -> list[int]:
    """Partition keys as years."""
    return sorted(int(key) for key in keys)
