-- One row per template: how many reports print it (the header's report card).
-- requires: reports
select
    coalesce(template, 'unknown') as template,
    count(*) as reports,
from reports
group by 1
order by 1
