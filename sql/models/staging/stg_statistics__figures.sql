-- Grain: one row per (report_id, metric, dimension) of `statistics`, with the report's attributes.
-- Rules: a figure read more than once keeps one reading (a table reading over a prose one, then
-- the first printed line); `readings` says how many there were. Values stay as printed: an
-- empty cell is NULL, never zero. `prose_figures` (the second reading) does not feed the marts.
with

-- Not materialized (`figures`, `counted`): each is read twice, and DuckDB holds a CTE read more
-- than once as a table. Held, the 15 million figures of 100,000 reports spilled to disk and this
-- model took 38 s; streamed, 17-19 s (benchmarks/README.md, lesson 26).
figures as not materialized (
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

-- Most figures are read once: only the keys read more than once are ranked (a window over every
-- figure took twice as long at 15 million figures). The keys are never NULL (the statistics
-- contract), so the equi-join finds every repeated key.
read_more_than_once as (
    select
        report_id,
        metric,
        dimension,
        count(*) as readings,
    from figures
    group by report_id, metric, dimension
    having count(*) > 1
),

counted as not materialized (
    select
        figures.*,
        coalesce(read_more_than_once.readings, 1) as readings,
    from figures
    left join read_more_than_once using (report_id, metric, dimension)
),

first_readings as (
    select
        *,
    from counted
    where readings = 1
    union all
    select
        *,
    from counted
    where readings > 1
    qualify row_number() over (
        partition by report_id, metric, dimension
        order by table_kind = 'prose', source_line nulls last, value_raw, value
    ) = 1
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
        first_readings.report_id,
        coalesce(report_attributes.report_year, first_readings.report_year) as report_year,
        report_attributes.source_file,
        report_attributes.agency,
        report_attributes.region,
        report_attributes.template,
        first_readings.metric,
        first_readings.dimension,
        first_readings.value,
        first_readings.value_kind,
        first_readings.qualifier,
        first_readings.unit,
        first_readings.source_line,
        first_readings.table_kind,
        first_readings.readings,
    from first_readings
    left join report_attributes on report_attributes.report_id = first_readings.report_id
)

select * from final
