-- Grain: one row per (report_id, harmonised_metric) for every harmonised metric the report printed.
-- A metric a report did not print has no row (not a zero row); `mart_report_rates` shows it as NULL.
-- Rules: the sources of `schemas/harmonised.yaml` (table harmonised_sources) are tried in priority
-- order and the first the report printed every part of wins. A source of several metrics is their
-- sum, a number only when every part was printed as a number (value_kind 'incomplete' otherwise:
-- an empty cell is not counted as zero). `match` says whether the figure is the new template's
-- own ('exact') or an old-template term DOMAIN.md pairs with it ('approximate').
-- Only the `total` column of table 3 is harmonised: old templates have no applicant columns.
with

report_list as (
    select
        report_id,
        report_year,
        agency,
        region,
        template,
        source_file,
    from {{ source('warehouse', 'reports') }}
),

sources as (
    select
        harmonised_metric,
        priority,
        metrics,
        match,
    from {{ source('warehouse', 'harmonised_sources') }}
),

-- Grouped by scalar keys only: a source's metrics and match follow from (harmonised_metric,
-- priority) and are joined back after, so no list is a key of the aggregation.
readings as (
    select
        report_id,
        harmonised_metric,
        priority,
        count(printed_metric) as parts_printed,
        count(*) filter (where value_kind = 'number') as parts_numbers,
        sum(value) filter (where value_kind = 'number') as value_sum,
        any_value(value_kind) as single_value_kind,
        bool_or(qualifier = 'approx') as any_approx,
        list_sort(list(source_line) filter (where source_line is not null)) as source_lines,
    from {{ ref('stg_harmonised__candidate_figures') }}
    group by report_id, harmonised_metric, priority
),

chosen as (
    select
        readings.*,
        sources.metrics as source_metrics,
        sources.match,
        len(sources.metrics) as parts,
        row_number() over (
            partition by readings.report_id, readings.harmonised_metric
            order by readings.priority
        ) as source_rank,
    from readings
    inner join sources
        on sources.harmonised_metric = readings.harmonised_metric
        and sources.priority = readings.priority
    where readings.parts_printed = len(sources.metrics)
),

consistency as (
    select
        report_id,
        count(*) filter (where status = 'fail') = 0 as is_consistent,
    from {{ source('warehouse', 'reconciliation') }}
    group by report_id
),

joined as (
    select
        report_list.report_id,
        report_list.report_year,
        report_list.agency,
        report_list.region,
        report_list.template,
        report_list.source_file,
        chosen.harmonised_metric,
        harmonised_metrics.label_zh,
        harmonised_metrics.english,
        case when chosen.parts_numbers = chosen.parts then chosen.value_sum end as value,
        case
            when chosen.parts_numbers = chosen.parts then 'number'
            when chosen.parts = 1 then chosen.single_value_kind
            else 'incomplete'
        end as value_kind,
        case when chosen.any_approx then 'approx' else 'exact' end as qualifier,
        chosen.source_metrics,
        chosen.match,
        chosen.source_lines,
        coalesce(consistency.is_consistent, true) as is_consistent,
        harmonised_metrics.ordinal as metric_ordinal,
    from chosen
    inner join report_list on report_list.report_id = chosen.report_id
    inner join {{ source('warehouse', 'harmonised_metrics') }} on harmonised_metrics.code = chosen.harmonised_metric
    left join consistency on consistency.report_id = chosen.report_id
    where chosen.source_rank = 1
),

final as (
    select
        * exclude (metric_ordinal),
    from joined
    order by report_year, report_id, metric_ordinal
)

{{ select_with_counts('final', [
    'value',
]) }}
