-- One row per status of the rule evaluations (pass, fail, not_assessable): how many.
-- requires: reconciliation
select
    status,
    count(*) as evaluations,
from reconciliation
group by 1
order by 1
