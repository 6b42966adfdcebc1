-- One row per rule: its failing evaluations and all its evaluations (the rules chart).
-- requires: reconciliation
select
    rule,
    count(*) filter (where status = 'fail') as failed,
    count(*) as evaluated,
from reconciliation
group by rule
order by 2 desc, 1
