-- Grain: one row per (report_id, metric, dimension) of `statistics`, with the report's attributes.
-- Rules: a figure read more than once keeps one reading (a table reading over a prose one, then
-- the first printed line); `readings` says how many there were. Values stay as printed: an
-- empty cell is NULL, never zero. `prose_figures` (the second reading) does not feed the marts.
with

figures as (
    select
        report_id,
        report_year,
        metric,
        dimension,
        value,
        value_kind,
        qualifier,
        unit,
        value_raw,
        source_line,
        table_kind,
    from {{ source('warehouse', 'statistics') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by report_id, metric, dimension
            order by table_kind = 'prose', source_line nulls last, value_raw, value
        ) as reading_rank,
        count(*) over (partition by report_id, metric, dimension) as readings,
    from figures
),

report_attributes as (
    select
        report_id,
        source_file,
        report_year,
        agency,
        region,
        template,
    from {{ source('warehouse', 'reports') }}
),

final as (
    select
        ranked.report_id,
        coalesce(report_attributes.report_year, ranked.report_year) as report_year,
        report_attributes.source_file,
        report_attributes.agency,
        report_attributes.region,
        report_attributes.template,
        ranked.metric,
        ranked.dimension,
        ranked.value,
        ranked.value_kind,
        ranked.qualifier,
        ranked.unit,
        ranked.source_line,
        ranked.table_kind,
        ranked.readings,
    from ranked
    left join report_attributes on report_attributes.report_id = ranked.report_id
    where ranked.reading_rank = 1
)

select * from final
