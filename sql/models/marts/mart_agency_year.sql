-- Grain: one row per (agency, region, report_year); a report with no known agency is grouped by
-- its source file instead (fallback_source_file) and keeps agency NULL.
-- Rules: old and new templates side by side on harmonised terms (DOMAIN.md "Old ↔ new terms"):
-- term_match is 'exact' for new-template reports, 'approximate' for old-table and prose ones,
-- 'mixed' when a group holds both; the *_term columns name the metric each figure came from.
-- A figure summed over a group's reports is NULL unless every report printed it as a number.
with

figures as (
    select * from {{ ref('stg_statistics__figures') }}
),

report_list as (
    select
        report_id,
        source_file,
        report_year,
        agency,
        region,
        template,
    from {{ source('warehouse', 'reports') }}
),

totals as (
    select
        *,
    from figures
    where dimension = 'total'
),

report_figures as (
    select
        report_id,
        count(*) filter (where metric = 'apply.new') > 0 as has_apply_new,
        max(value) filter (where metric = 'apply.new') as apply_new,
        count(*) filter (where metric = 'apply.received') > 0 as has_apply_received,
        max(value) filter (where metric = 'apply.received') as apply_received,
        count(*) filter (where metric = 'apply.handled') > 0 as has_apply_handled,
        max(value) filter (where metric = 'apply.handled') as apply_handled,
        count(*) filter (where metric = 'apply.completed') > 0 as has_apply_completed,
        max(value) filter (where metric = 'apply.completed') as apply_completed,
        count(*) filter (where metric = 'outcome.granted') > 0 as has_outcome_granted,
        max(value) filter (where metric = 'outcome.granted') as outcome_granted,
        count(*) filter (where metric = 'answer.granted') > 0 as has_answer_granted,
        max(value) filter (where metric = 'answer.granted') as answer_granted,
        max(value) filter (where metric = 'review.total') as review_total,
        count(*) filter (
            where metric in ('litigation_direct.total', 'litigation_after_review.total')
        ) > 0 as has_new_litigation,
        max(value) filter (where metric = 'litigation_direct.total') as litigation_direct_total,
        max(value) filter (where metric = 'litigation_after_review.total')
            as litigation_after_review_total,
        count(*) filter (where metric = 'litigation.total') > 0 as has_old_litigation,
        max(value) filter (where metric = 'litigation.total') as litigation_total,
        max(value) filter (where metric = 'proactive.total') as proactive_total,
    from totals
    group by report_id
),

-- New-template terms win where a report has both readings of a figure.
harmonised as (
    select
        report_list.report_id,
        report_list.agency,
        report_list.region,
        report_list.report_year,
        case when report_list.agency is null then report_list.source_file end
            as fallback_source_file,
        report_list.template,
        case
            when report_list.template in ('new_2019', 'new_2021') then 'exact'
            else 'approximate'
        end as term_match,
        case
            when report_figures.has_apply_new then report_figures.apply_new
            else report_figures.apply_received
        end as requests_received,
        case
            when report_figures.has_apply_new then 'apply.new'
            when report_figures.has_apply_received then 'apply.received'
        end as requests_received_term,
        case
            when report_figures.has_apply_handled then report_figures.apply_handled
            else report_figures.apply_completed
        end as requests_handled,
        case
            when report_figures.has_apply_handled then 'apply.handled'
            when report_figures.has_apply_completed then 'apply.completed'
        end as requests_handled_term,
        case
            when report_figures.has_outcome_granted then report_figures.outcome_granted
            else report_figures.answer_granted
        end as granted,
        case
            when report_figures.has_outcome_granted then 'outcome.granted'
            when report_figures.has_answer_granted then 'answer.granted'
        end as granted_term,
        report_figures.review_total as reviews_total,
        case
            when report_figures.has_new_litigation
                then report_figures.litigation_direct_total
                + report_figures.litigation_after_review_total
            else report_figures.litigation_total
        end as lawsuits_total,
        case
            when report_figures.has_new_litigation
                then 'litigation_direct.total+litigation_after_review.total'
            when report_figures.has_old_litigation then 'litigation.total'
        end as lawsuits_total_term,
        report_figures.proactive_total,
    from report_list
    left join report_figures on report_figures.report_id = report_list.report_id
),

final as (
    select
        agency,
        region,
        report_year,
        fallback_source_file,
        count(*) as report_count,
        string_agg(distinct template, ',' order by template) as templates,
        case
            when count(distinct term_match) = 1 then any_value(term_match)
            else 'mixed'
        end as term_match,
        case
            when count(requests_received) = count(*) then sum(requests_received)
        end as requests_received,
        string_agg(distinct requests_received_term, ',' order by requests_received_term)
            as requests_received_term,
        case
            when count(requests_handled) = count(*) then sum(requests_handled)
        end as requests_handled,
        string_agg(distinct requests_handled_term, ',' order by requests_handled_term)
            as requests_handled_term,
        case when count(granted) = count(*) then sum(granted) end as granted,
        string_agg(distinct granted_term, ',' order by granted_term) as granted_term,
        case when count(reviews_total) = count(*) then sum(reviews_total) end as reviews_total,
        case
            when count(lawsuits_total) = count(*) then sum(lawsuits_total)
        end as lawsuits_total,
        string_agg(distinct lawsuits_total_term, ',' order by lawsuits_total_term)
            as lawsuits_total_term,
        case
            when count(proactive_total) = count(*) then sum(proactive_total)
        end as proactive_total,
        list(report_id order by report_id) as report_ids,
    from harmonised
    group by agency, region, report_year, fallback_source_file
)

{{ select_with_counts('final', [
    'requests_received',
    'requests_handled',
    'granted',
    'reviews_total',
    'lawsuits_total',
    'proactive_total',
]) }}
