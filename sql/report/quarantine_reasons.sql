-- One row per stage and reason of the quarantine, the commonest first (the quarantine chart).
-- requires: quarantine
select
    coalesce(stage, '?') as stage,
    coalesce(reason, '?') as reason,
    count(*) as rows,
from quarantine
group by all
order by 3 desc, 1, 2
