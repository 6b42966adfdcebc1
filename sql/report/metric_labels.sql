-- One row per metric of the catalogue: its Chinese label and English name.
-- requires: metrics
select
    code,
    label,
    english,
from metrics
order by code
