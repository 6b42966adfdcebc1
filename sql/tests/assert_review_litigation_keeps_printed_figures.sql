{{ config(meta={'dagster': {'ref': {'name': 'mart_review_litigation'}}}) }}

-- A mart never changes a printed figure: every review and litigation total of
-- mart_review_litigation is the figure `statistics` holds for that report, as printed.
with

printed as (
    select report_id, metric, value,
    from {{ ref('stg_statistics__figures') }}
    where dimension = 'total' and metric in ('review.total', 'litigation.total')
),

mart as (
    select report_id, 'review.total' as metric, review_total as value,
    from {{ ref('mart_review_litigation') }}
    union all
    select report_id, 'litigation.total' as metric, litigation_total as value,
    from {{ ref('mart_review_litigation') }}
)

select mart.report_id, mart.metric, mart.value as mart_value, printed.value as printed_value,
from mart
left join printed on printed.report_id = mart.report_id and printed.metric = mart.metric
where mart.value is distinct from printed.value
