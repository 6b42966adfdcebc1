-- How many raw files gave a quarantine row (a warehouse without a reports table).
-- requires: quarantine
select count(distinct source_file) as files
from quarantine
where source_file is not null
