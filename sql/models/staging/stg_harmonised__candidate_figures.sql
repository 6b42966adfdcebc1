-- Grain: one row per (report, harmonised metric, source priority, source metric) a source of
-- schemas/harmonised.yaml could take for the report's template, with the report's `total`
-- figure of that metric when it printed one (NULL figure columns otherwise: not printed is
-- not zero). The input `mart_harmonised_metrics` groups.
-- A table of its own, not a CTE of the mart: DuckDB joining and then aggregating in one
-- pipeline holds both hash tables at once and runs out of memory as reports grow (at 100,000
-- reports, 400 MB); built apart, each step spills to disk.
with

figures as (
    select
        report_id,
        metric,
        value,
        value_kind,
        qualifier,
        source_line,
    from {{ ref('stg_statistics__figures') }}
    where dimension = 'total'
),

report_list as (
    select
        report_id,
        template,
    from {{ source('warehouse', 'reports') }}
),

sources as (
    select
        harmonised_metric,
        priority,
        metrics,
        templates,
    from {{ source('warehouse', 'harmonised_sources') }}
),

candidates as (
    select
        report_list.report_id,
        sources.harmonised_metric,
        sources.priority,
        unnest(sources.metrics) as source_metric,
    from report_list
    inner join sources
        on sources.templates is null or list_contains(sources.templates, report_list.template)
),

final as (
    select
        candidates.report_id,
        candidates.harmonised_metric,
        candidates.priority,
        candidates.source_metric,
        figures.metric as printed_metric,
        figures.value,
        figures.value_kind,
        figures.qualifier,
        figures.source_line,
    from candidates
    left join figures
        on figures.report_id = candidates.report_id and figures.metric = candidates.source_metric
)

select * from final
