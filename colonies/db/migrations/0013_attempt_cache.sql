-- A kept attempt that was a successful run (not a cache hit) keeps its cache key and output,
-- so that a workflow rerun, which puts a node back to waiting, still finds the node's
-- earlier result in the cache (issue 13, item 6). cache_key: '' for every other attempt.
ALTER TABLE process_attempts
    ADD COLUMN cache_key text NOT NULL DEFAULT '',
    ADD COLUMN output jsonb NOT NULL DEFAULT '[]';
CREATE INDEX process_attempts_cache ON process_attempts (cache_key, end_time)
    WHERE cache_key <> '';
