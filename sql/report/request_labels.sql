-- One row per harmonised request figure: its Chinese label and English name.
-- Parameter: the harmonised metric codes.
-- requires: mart_harmonised_metrics
select
    harmonised_metric,
    min(label_zh) as label_zh,
    min(english) as english,
from mart_harmonised_metrics
where harmonised_metric in (select unnest(?))
group by 1
order by 1
