-- Grain: one row per report (every report, including those that printed none of the figures).
-- Columns: the harmonised figures of mart_harmonised_metrics side by side (NULL when the report did
-- not print the figure as a number), and the derived rates of `schemas/harmonised.yaml`:
--   share_granted              = (requests_granted + requests_partly_granted) / requests_handled
--   share_unable               = requests_unable / requests_handled
--   review_correction_rate     = review_corrections / reviews
--   litigation_correction_rate = litigation_corrections / lawsuits
-- Rules: a rate is NULL, never zero, when its denominator is zero or NULL or a numerator part is
-- NULL. `match` is 'approximate' when any figure came from an old-template term that only
-- approximates the new one (approximate_metrics lists them), 'exact' when all are the new terms,
-- NULL when the report printed none of them.
with

harmonised as (
    select
        report_id,
        harmonised_metric,
        value,
        match,
    from {{ ref('mart_harmonised_metrics') }}
),

wide as (
    select
        report_id,
        max(value) filter (where harmonised_metric = 'requests_received') as requests_received,
        max(value) filter (where harmonised_metric = 'requests_handled') as requests_handled,
        max(value) filter (where harmonised_metric = 'requests_granted') as requests_granted,
        max(value) filter (
            where harmonised_metric = 'requests_partly_granted'
        ) as requests_partly_granted,
        max(value) filter (where harmonised_metric = 'requests_refused') as requests_refused,
        max(value) filter (where harmonised_metric = 'requests_unable') as requests_unable,
        max(value) filter (where harmonised_metric = 'reviews') as reviews,
        max(value) filter (where harmonised_metric = 'review_corrections') as review_corrections,
        max(value) filter (where harmonised_metric = 'lawsuits') as lawsuits,
        max(value) filter (
            where harmonised_metric = 'litigation_corrections'
        ) as litigation_corrections,
        max(value) filter (
            where harmonised_metric = 'proactive_disclosures'
        ) as proactive_disclosures,
        max(value) filter (where harmonised_metric = 'staff') as staff,
        count(*) as harmonised_figures,
        list_sort(list(harmonised_metric) filter (where match = 'approximate'))
            as approximate_metrics,
    from harmonised
    group by report_id
),

quality as (
    select
        report_id,
        is_consistent,
    from {{ ref('mart_data_quality') }}
),

final as (
    select
        reports.report_id,
        reports.report_year,
        reports.agency,
        reports.region,
        reports.template,
        reports.source_file,
        quality.is_consistent,
        case
            when coalesce(wide.harmonised_figures, 0) = 0 then null
            when len(wide.approximate_metrics) > 0 then 'approximate'
            else 'exact'
        end as match,
        coalesce(wide.approximate_metrics, []::varchar[]) as approximate_metrics,
        wide.requests_received,
        wide.requests_handled,
        wide.requests_granted,
        wide.requests_partly_granted,
        wide.requests_refused,
        wide.requests_unable,
        wide.reviews,
        wide.review_corrections,
        wide.lawsuits,
        wide.litigation_corrections,
        wide.proactive_disclosures,
        wide.staff,
        case
            when wide.requests_handled <> 0
                then (wide.requests_granted + wide.requests_partly_granted) / wide.requests_handled
        end as share_granted,
        case
            when wide.requests_handled <> 0 then wide.requests_unable / wide.requests_handled
        end as share_unable,
        case
            when wide.reviews <> 0 then wide.review_corrections / wide.reviews
        end as review_correction_rate,
        case
            when wide.lawsuits <> 0 then wide.litigation_corrections / wide.lawsuits
        end as litigation_correction_rate,
    from {{ source('warehouse', 'reports') }}
    left join wide on wide.report_id = reports.report_id
    left join quality on quality.report_id = reports.report_id
    order by reports.report_year, reports.report_id
)

{{ select_with_counts('final', [
    'requests_received',
    'requests_handled',
    'requests_granted',
    'requests_partly_granted',
    'requests_refused',
    'requests_unable',
    'reviews',
    'review_corrections',
    'lawsuits',
    'litigation_corrections',
    'proactive_disclosures',
    'staff',
]) }}
