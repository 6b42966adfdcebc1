-- Grain: one row per leaf of an outcome group of table 3 (不予公开, 无法提供, 不予处理, 其他处理),
-- from the metric catalogue. A group's sum is taken only when every one of its leaves is printed.
with

catalogue as (
    select
        code,
        parent,
    from {{ source('warehouse', 'metrics') }}
),

final as (
    select
        parent as group_code,
        code as leaf_code,
    from catalogue
    where parent like 'outcome.%'
)

select * from final
