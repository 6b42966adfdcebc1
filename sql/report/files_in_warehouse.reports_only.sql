-- How many raw files gave a report (a warehouse without a quarantine table).
-- requires: reports
select count(distinct source_file) as files
from reports
