-- mart_data_quality: one row per report. How many reconciliation rules pass, fail or cannot
-- be assessed, and which fail; the inspectors' findings apart. Rules: every report appears once
-- (reports without any rule evaluation have zero counts); is_consistent is true exactly when
-- rules_failed = 0. The rules_* counts and failing_rules are the arithmetic (勾稽关系) rules;
-- the inspectors' rules (ids starting with `inspection.`: late publication, a missing section
-- or table, figures copied from the previous year) are not arithmetic breaks and count only in
-- inspections_failed / inspection_findings, never in is_consistent.
-- An analyst keeps the trustworthy reports with `where is_consistent`.

with

evaluations as (
    select
        report_id,
        rule,
        status,
        starts_with(rule, 'inspection.') as is_inspection,
    from {{ source('warehouse', 'reconciliation') }}
),

counted as (
    select
        report_id,
        count(*) filter (where not is_inspection and status = 'pass') as rules_passed,
        count(*) filter (where not is_inspection and status = 'fail') as rules_failed,
        count(*) filter (
            where not is_inspection and status = 'not_assessable'
        ) as rules_not_assessable,
        list_sort(list_distinct(
            list(rule) filter (where not is_inspection and status = 'fail')
        )) as failing_rules,
        count(*) filter (where is_inspection and status = 'fail') as inspections_failed,
        list_sort(list_distinct(
            list(rule) filter (where is_inspection and status = 'fail')
        )) as inspection_findings,
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
        coalesce(counted.inspections_failed, 0) as inspections_failed,
        coalesce(counted.inspection_findings, []::varchar[]) as inspection_findings,
        coalesce(counted.rules_failed, 0) = 0 as is_consistent,
    from {{ source('warehouse', 'reports') }}
    left join counted using (report_id)
)

select * from final
