-- How many raw files gave a report or a quarantine row.
-- requires: reports, quarantine
select count(distinct source_file) as files
from (
    select source_file from reports
    union all
    select source_file from quarantine where source_file is not null
)
