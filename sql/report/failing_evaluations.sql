-- One row per failing rule evaluation, with both sides and the lines it cites.
-- requires: reconciliation
select
    report_id,
    rule,
    subject,
    dimension,
    lhs,
    rhs,
    delta,
    metrics,
    source_lines,
    other_report_id,
    detail,
from reconciliation
where status = 'fail'
order by report_id, rule, subject, dimension, source_lines, lhs, rhs, detail
