-- Grain: one row per canonical agency (reports.agency_id) and report year, issue 16: the
-- rates of mart_report_rates for ranking agencies, with guards.
-- Rules: a rate is NULL, never a number, when its denominator is below the minimum number of
-- cases (min_cases_disclosure = 10 handled requests; min_cases_review = 5 reviews;
-- min_cases_litigation = 5 lawsuits): a rate over two cases ranks nothing. It is NULL too when
-- the agency has more than one report for the year (which one is right is unknown) or the
-- figures are missing. Ranks are among agencies of the same year and level with a rate,
-- 1 = the highest rate; agencies without a rate have no rank. Reports without agency_id are
-- left out (no agency to rank).
with

guards as (
    select
        10 as min_cases_disclosure,
        5 as min_cases_review,
        5 as min_cases_litigation,
),

reports_of_agencies as (
    select
        reports.agency_id,
        reports.agency_name,
        reports.agency_level,
        reports.division_code,
        reports.report_year,
        reports.report_id,
    from {{ source('warehouse', 'reports') }} as reports
    where reports.agency_id is not null
),

one_per_year as (
    select
        agency_id,
        report_year,
        count(*) as report_count,
        any_value(agency_name) as agency_name,
        any_value(agency_level) as agency_level,
        any_value(division_code) as division_code,
        min(report_id) as report_id,
    from reports_of_agencies
    group by agency_id, report_year
),

rates as (
    select
        one_per_year.*,
        rates.is_consistent,
        rates.requests_handled as disclosure_cases,
        rates.reviews as review_cases,
        rates.lawsuits as litigation_cases,
        case
            when one_per_year.report_count = 1
                and rates.requests_handled >= guards.min_cases_disclosure
                then rates.share_granted
        end as disclosure_rate,
        case
            when one_per_year.report_count = 1
                and rates.reviews >= guards.min_cases_review
                then rates.review_correction_rate
        end as review_correction_rate,
        case
            when one_per_year.report_count = 1
                and rates.lawsuits >= guards.min_cases_litigation
                then rates.litigation_correction_rate
        end as litigation_correction_rate,
    from one_per_year
    cross join guards
    left join {{ ref('mart_report_rates') }} as rates on rates.report_id = one_per_year.report_id
),

final as (
    select
        agency_id,
        agency_name,
        agency_level,
        division_code,
        report_year,
        report_count,
        case when report_count = 1 then report_id end as report_id,
        is_consistent,
        disclosure_cases,
        disclosure_rate,
        case when disclosure_rate is not null then rank() over (
            partition by report_year, agency_level, disclosure_rate is null
            order by disclosure_rate desc
        ) end as disclosure_rank,
        review_cases,
        review_correction_rate,
        case when review_correction_rate is not null then rank() over (
            partition by report_year, agency_level, review_correction_rate is null
            order by review_correction_rate desc
        ) end as review_correction_rank,
        litigation_cases,
        litigation_correction_rate,
        case when litigation_correction_rate is not null then rank() over (
            partition by report_year, agency_level, litigation_correction_rate is null
            order by litigation_correction_rate desc
        ) end as litigation_correction_rank,
    from rates
    order by report_year, agency_id
)

{{ select_with_counts('final', [
    'disclosure_cases',
    'review_cases',
    'litigation_cases',
]) }}
