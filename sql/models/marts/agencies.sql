-- Grain: one row per canonical agency (reports.agency_id), issue 16.
-- Rules: agency_id is unique; only reports whose text establishes the agency carry an id
-- (pipeline/agency.py), so no row merges two agencies on a guess; names_seen lists every
-- spelling printed for it (agency as printed, else the region named), report_ids its reports.
with

identified as (
    select
        agency_id,
        agency_name,
        agency_kind,
        agency_level,
        division_code,
        province,
        city,
        county,
        report_id,
        report_year,
        coalesce(agency, region) as name_seen,
    from {{ source('warehouse', 'reports') }}
    where agency_id is not null
),

final as (
    select
        agency_id,
        any_value(agency_name) as agency_name,
        any_value(agency_kind) as agency_kind,
        any_value(agency_level) as agency_level,
        any_value(division_code) as division_code,
        any_value(province) as province,
        any_value(city) as city,
        any_value(county) as county,
        list_sort(list_distinct(list(name_seen) filter (where name_seen is not null)))
            as names_seen,
        count(*) as reports,
        min(report_year) as first_year,
        max(report_year) as last_year,
        list_sort(list(report_id)) as report_ids,
    from identified
    group by agency_id
    order by agency_id
)

select * from final
