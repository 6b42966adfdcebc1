-- One row per report: its file and lines, to tell which report a cited line belongs to.
-- requires: reports
select
    report_id,
    source_file,
    line_start,
    line_end,
from reports
order by 1
