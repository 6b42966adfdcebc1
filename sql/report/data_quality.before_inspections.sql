-- data_quality.sql on a warehouse built before the inspectors' rules: no findings.
-- requires: mart_data_quality
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
    []::varchar[] as inspection_findings,
from mart_data_quality
order by
    report_year,
    source_file,
    try_cast(split_part(report_id, '#', -1) as integer),
    report_id
