-- One row per report of mart_data_quality, by year, file and place in the file (the report
-- table). The ordinal is the one of the report id, `<source_file>#<ordinal>`.
-- requires: mart_data_quality.inspection_findings
select
    report_id,
    report_year,
    agency,
    region,
    template,
    source_file,
    rules_passed,
    rules_failed,
    rules_not_assessable,
    failing_rules,
    inspection_findings,
from mart_data_quality
order by
    report_year,
    source_file,
    try_cast(split_part(report_id, '#', -1) as integer),
    report_id
