{{ config(meta={'dagster': {'ref': {'name': 'mart_data_quality'}}}) }}

-- mart_data_quality keeps the inspectors' findings apart from the arithmetic: a report is
-- consistent exactly when no rule outside `inspection.` fails, whatever its inspection findings;
-- failing_rules never lists an inspection rule and inspection_findings lists exactly the
-- failing ones. Any row returned breaks that.
with

failures as (
    select
        report_id,
        count(*) filter (where not starts_with(rule, 'inspection.')) as arithmetic_failures,
        list_sort(list_distinct(list(rule) filter (where starts_with(rule, 'inspection.'))))
            as inspection_rules,
    from {{ source('warehouse', 'reconciliation') }}
    where status = 'fail'
    group by report_id
)

select
    quality.report_id,
    quality.is_consistent,
    quality.failing_rules,
    quality.inspection_findings,
from {{ ref('mart_data_quality') }} as quality
left join failures using (report_id)
where quality.is_consistent <> (coalesce(failures.arithmetic_failures, 0) = 0)
    or len(list_filter(quality.failing_rules, lambda rule: starts_with(rule, 'inspection.'))) > 0
    or quality.inspection_findings <> coalesce(failures.inspection_rules, []::varchar[])
