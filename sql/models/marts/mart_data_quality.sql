-- mart_data_quality: one row per report. How many reconciliation rules pass, fail or cannot
-- be assessed, and which fail. Rules: every report appears once (reports without any rule
-- evaluation have zero counts); is_consistent is true exactly when rules_failed = 0.
-- An analyst keeps the trustworthy reports with `where is_consistent`.

with

evaluations as (
    select
        report_id,
        rule,
        status,
    from {{ source('warehouse', 'reconciliation') }}
),

counted as (
    select
        report_id,
        count(*) filter (where status = 'pass') as rules_passed,
        count(*) filter (where status = 'fail') as rules_failed,
        count(*) filter (where status = 'not_assessable') as rules_not_assessable,
        list_sort(list_distinct(list(rule) filter (where status = 'fail'))) as failing_rules,
    from evaluations
    group by report_id
),

final as (
    select
        reports.report_id,
        reports.report_year,
        reports.agency,
        reports.region,
        reports.template,
        reports.source_file,
        coalesce(counted.rules_passed, 0) as rules_passed,
        coalesce(counted.rules_failed, 0) as rules_failed,
        coalesce(counted.rules_not_assessable, 0) as rules_not_assessable,
        coalesce(counted.failing_rules, []::varchar[]) as failing_rules,
        coalesce(counted.rules_failed, 0) = 0 as is_consistent,
    from {{ source('warehouse', 'reports') }}
    left join counted using (report_id)
)

select * from final
