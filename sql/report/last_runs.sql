-- The runs recorded in the warehouse, the last one first: the page's header shows it.
-- requires: runs
select
    run_id,
    mode,
    strftime(timezone('UTC', started_at), '%Y-%m-%d %H:%M:%S UTC') as started,
    strftime(timezone('UTC', finished_at), '%Y-%m-%d %H:%M:%S UTC') as finished,
    years_written,
    files_seen,
    files_scanned,
    files_parsed,
    files_skipped,
    warehouse_rebuilt,
    parser_version,
from runs
order by finished_at desc nulls last, started_at desc nulls last, run_id desc
