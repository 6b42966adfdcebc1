-- How many rows the quarantine holds.
-- requires: quarantine
select count(*) as quarantined
from quarantine
