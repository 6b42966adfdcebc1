-- Grain: one row per report with any administrative review or litigation figure (总计 column).
-- Rules: each group's total = upheld + corrected + other + pending (table 4), as printed, not
-- enforced here; old-template and prose figures share the review_* codes (their match to the
-- new terms is approximate, see term_match) and add the litigation_* columns of the old table.
with

figures as (
    select * from {{ ref('stg_statistics__figures') }}
),

review_figures as (
    select
        *,
    from figures
    where dimension = 'total'
        and (table_kind = 'review_litigation' or metric like 'review.%' or metric like 'litigation%')
),

final as (
    select
        report_id,
        any_value(report_year) as report_year,
        any_value(agency) as agency,
        any_value(template) as template,
        case
            when any_value(template) in ('new_2019', 'new_2021') then 'exact'
            else 'approximate'
        end as term_match,
        max(value) filter (where metric = 'review.upheld') as review_upheld,
        max(value) filter (where metric = 'review.corrected') as review_corrected,
        max(value) filter (where metric = 'review.other') as review_other,
        max(value) filter (where metric = 'review.pending') as review_pending,
        max(value) filter (where metric = 'review.total') as review_total,
        max(value) filter (where metric = 'litigation_direct.upheld') as litigation_direct_upheld,
        max(value) filter (where metric = 'litigation_direct.corrected')
            as litigation_direct_corrected,
        max(value) filter (where metric = 'litigation_direct.other') as litigation_direct_other,
        max(value) filter (where metric = 'litigation_direct.pending') as litigation_direct_pending,
        max(value) filter (where metric = 'litigation_direct.total') as litigation_direct_total,
        max(value) filter (where metric = 'litigation_after_review.upheld')
            as litigation_after_review_upheld,
        max(value) filter (where metric = 'litigation_after_review.corrected')
            as litigation_after_review_corrected,
        max(value) filter (where metric = 'litigation_after_review.other')
            as litigation_after_review_other,
        max(value) filter (where metric = 'litigation_after_review.pending')
            as litigation_after_review_pending,
        max(value) filter (where metric = 'litigation_after_review.total')
            as litigation_after_review_total,
        max(value) filter (where metric = 'litigation.total') as litigation_total,
        max(value) filter (where metric = 'litigation.upheld') as litigation_upheld,
        max(value) filter (where metric = 'litigation.corrected') as litigation_corrected,
        max(value) filter (where metric = 'litigation.other') as litigation_other,
        max(value) filter (where metric = 'litigation.closed') as litigation_closed,
        max(value) filter (where metric = 'litigation.in_progress') as litigation_in_progress,
        count(*) filter (where qualifier = 'approx') as approximate_figures,
    from review_figures
    group by report_id
)

{{ select_with_counts('final', [
    'review_upheld',
    'review_corrected',
    'review_other',
    'review_pending',
    'review_total',
    'litigation_direct_upheld',
    'litigation_direct_corrected',
    'litigation_direct_other',
    'litigation_direct_pending',
    'litigation_direct_total',
    'litigation_after_review_upheld',
    'litigation_after_review_corrected',
    'litigation_after_review_other',
    'litigation_after_review_pending',
    'litigation_after_review_total',
    'litigation_total',
    'litigation_upheld',
    'litigation_corrected',
    'litigation_other',
    'litigation_closed',
    'litigation_in_progress',
]) }}
