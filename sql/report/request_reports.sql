-- One row per report year: how many reports printed at least one of the request figures.
-- Parameter: the harmonised metric codes.
-- requires: mart_harmonised_metrics
select
    report_year,
    count(distinct report_id) as reports,
from mart_harmonised_metrics
where
    harmonised_metric in (select unnest(?))
    and value is not null
    and report_year is not null
group by all
order by all
