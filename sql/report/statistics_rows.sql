-- How many printed figures the warehouse holds.
-- requires: statistics
select count(*) as figures
from statistics
