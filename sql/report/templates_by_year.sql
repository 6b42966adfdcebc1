-- One row per report year and template: how many reports (the templates chart).
-- requires: reports
select
    report_year,
    coalesce(template, 'unknown') as template,
    count(*) as reports,
from reports
where report_year is not null
group by all
order by all
