-- One row per report year and harmonised request figure (the requests chart): the sum of the
-- figures printed as numbers, whether any is an old-template stand-in, how many were printed
-- as approximate. A report that did not print a figure adds nothing (not a zero).
-- Parameter: the harmonised metric codes.
-- requires: mart_harmonised_metrics
select
    report_year,
    harmonised_metric,
    sum(value) as total,
    bool_or(match = 'approximate') as approximate,
    count(*) filter (where qualifier = 'approx') as approx_figures,
from mart_harmonised_metrics
where
    harmonised_metric in (select unnest(?))
    and value is not null
    and report_year is not null
group by all
order by all
