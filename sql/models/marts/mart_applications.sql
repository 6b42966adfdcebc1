-- Grain: one row per report with any request figure (a table-3 cell, or an old-template or prose
-- request figure). Rules: values are the 总计 (total) column; an empty printed cell stays NULL; a
-- *_sum over a group's leaves is NULL unless every catalogue leaf of the group is printed with a
-- number; outcome_other is the printed 其他处理 row, else (2021 template) the sum of its leaves.
with

-- Not materialized: each reader scans the staging table for what it needs. Held as one CTE,
-- the 12 million request figures of 100,000 reports spilled to disk and the mart took 2.5 times
-- as long.
figures as not materialized (
    select * from {{ ref('stg_statistics__figures') }}
),

request_figures as (
    select
        *,
    from figures
    where table_kind = 'requests'
        or metric like 'apply.%'
        or metric like 'outcome.%'
        or metric like 'answer.%'
),

-- A report qualifies by any request figure, whichever column; the values are the totals.
request_reports as (
    select
        report_id,
        any_value(report_year) as report_year,
        any_value(agency) as agency,
        any_value(template) as template,
    from request_figures
    group by report_id
),

totals as (
    select
        *,
    from request_figures
    where dimension = 'total'
),

printed as (
    select
        report_id,
        max(value) filter (where metric = 'apply.new') as apply_new,
        max(value) filter (where metric = 'apply.carried_over') as apply_carried_over,
        max(value) filter (where metric = 'apply.handled') as apply_handled,
        max(value) filter (where metric = 'apply.carried_forward') as apply_carried_forward,
        max(value) filter (where metric = 'outcome.granted') as outcome_granted,
        max(value) filter (where metric = 'outcome.partial') as outcome_partial,
        max(value) filter (where metric = 'outcome.denied') as outcome_denied_printed,
        max(value) filter (where metric = 'outcome.unable') as outcome_unable_printed,
        max(value) filter (where metric = 'outcome.not_processed') as outcome_not_processed_printed,
        max(value) filter (where metric = 'outcome.other') as outcome_other_printed,
        count(*) filter (where metric = 'outcome.other') > 0 as has_outcome_other_printed,
        max(value) filter (where metric = 'apply.received') as apply_received,
        max(value) filter (where metric = 'apply.completed') as apply_completed,
        max(value) filter (where metric = 'apply.answered') as apply_answered,
        max(value) filter (where metric = 'answer.already_public') as answer_already_public,
        max(value) filter (where metric = 'answer.granted') as answer_granted,
        max(value) filter (where metric = 'answer.partial') as answer_partial,
        max(value) filter (where metric = 'answer.denied') as answer_denied,
        max(value) filter (where metric = 'answer.not_this_agency') as answer_not_this_agency,
        max(value) filter (where metric = 'answer.not_exist') as answer_not_exist,
        max(value) filter (where metric = 'answer.other') as answer_other,
        count(*) filter (where qualifier = 'approx') as approximate_figures,
    from totals
    group by report_id
),

outcome_leaves as (
    select * from {{ ref('stg_metrics__outcome_leaves') }}
),

groups_printed as (
    select distinct
        totals.report_id,
        outcome_leaves.group_code,
    from totals
    inner join outcome_leaves on outcome_leaves.leaf_code = totals.metric
),

expected_leaves as (
    select
        groups_printed.report_id,
        groups_printed.group_code,
        outcome_leaves.leaf_code,
    from groups_printed
    inner join outcome_leaves on outcome_leaves.group_code = groups_printed.group_code
),

leaf_values as (
    select
        expected_leaves.report_id,
        expected_leaves.group_code,
        totals.value,
    from expected_leaves
    left join totals
        on totals.report_id = expected_leaves.report_id
        and totals.metric = expected_leaves.leaf_code
),

-- count(value) counts printed numbers only, so a missing or empty leaf makes the sum NULL.
leaf_sums as (
    select
        report_id,
        group_code,
        case when count(value) = count(*) then sum(value) end as leaf_sum,
    from leaf_values
    group by report_id, group_code
),

sums_by_report as (
    select
        report_id,
        max(leaf_sum) filter (where group_code = 'outcome.denied') as outcome_denied_sum,
        max(leaf_sum) filter (where group_code = 'outcome.unable') as outcome_unable_sum,
        max(leaf_sum) filter (where group_code = 'outcome.not_processed')
            as outcome_not_processed_sum,
        max(leaf_sum) filter (where group_code = 'outcome.other') as outcome_other_sum,
        count(*) filter (where group_code = 'outcome.other') > 0 as has_outcome_other_leaves,
    from leaf_sums
    group by report_id
),

final as (
    select
        request_reports.report_id,
        request_reports.report_year,
        request_reports.agency,
        request_reports.template,
        printed.apply_new,
        printed.apply_carried_over,
        printed.apply_handled,
        printed.apply_carried_forward,
        printed.outcome_granted,
        printed.outcome_partial,
        sums_by_report.outcome_denied_sum,
        sums_by_report.outcome_unable_sum,
        sums_by_report.outcome_not_processed_sum,
        case
            when printed.has_outcome_other_printed then printed.outcome_other_printed
            else sums_by_report.outcome_other_sum
        end as outcome_other,
        case
            when printed.has_outcome_other_printed then 'printed'
            when sums_by_report.has_outcome_other_leaves then 'sum_of_leaves'
        end as outcome_other_source,
        printed.outcome_denied_printed,
        printed.outcome_unable_printed,
        printed.outcome_not_processed_printed,
        printed.apply_received,
        printed.apply_completed,
        printed.apply_answered,
        printed.answer_already_public,
        printed.answer_granted,
        printed.answer_partial,
        printed.answer_denied,
        printed.answer_not_this_agency,
        printed.answer_not_exist,
        printed.answer_other,
        coalesce(printed.approximate_figures, 0) as approximate_figures,
    from request_reports
    left join printed on printed.report_id = request_reports.report_id
    left join sums_by_report on sums_by_report.report_id = request_reports.report_id
)

{{ select_with_counts('final', [
    'apply_new',
    'apply_carried_over',
    'apply_handled',
    'apply_carried_forward',
    'outcome_granted',
    'outcome_partial',
    'outcome_denied_sum',
    'outcome_unable_sum',
    'outcome_not_processed_sum',
    'outcome_other',
    'outcome_denied_printed',
    'outcome_unable_printed',
    'outcome_not_processed_printed',
    'apply_received',
    'apply_completed',
    'apply_answered',
    'answer_already_public',
    'answer_granted',
    'answer_partial',
    'answer_denied',
    'answer_not_this_agency',
    'answer_not_exist',
    'answer_other',
]) }}
