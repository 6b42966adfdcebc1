{{ config(meta={'dagster': {'ref': {'name': 'mart_data_quality'}}}) }}

-- Every report of the warehouse has its row in mart_data_quality (the inspectors' list starts
-- there): a report missing from it would silently drop out of every quality count.
select reports.report_id
from {{ source('warehouse', 'reports') }} as reports
left join {{ ref('mart_data_quality') }} as quality on quality.report_id = reports.report_id
where quality.report_id is null
