-- name: archive_attempts
-- Keep the current attempt of processes (as attempt_view renders it) before they start
-- another; what is given replaces what the process row says.
-- A successful run (not a cache hit) keeps its cache key and output: the cache still serves
-- them once the process runs again (a workflow rerun).
-- $1 process ids, $2 ended_by, $3 state or NULL, $4 end_time or NULL, $5 errors or NULL,
-- $6 backoff_until or NULL
INSERT INTO process_attempts (process_id, attempt, executor_id, executor_name, state,
                              start_time, end_time, errors, ended_by, attributes, backoff_until,
                              cache_key, output)
SELECT v.process_id, v.attempt, v.executor_id, v.executor_name, coalesce($3, v.state),
       v.start_time, coalesce($4, v.end_time), coalesce($5::jsonb, v.errors), $2,
       v.attributes, $6, CASE WHEN k.result THEN p.cache_key ELSE '' END,
       CASE WHEN k.result THEN p.output ELSE '[]'::jsonb END
FROM attempt_view v
JOIN processes p ON p.process_id = v.process_id
CROSS JOIN LATERAL (SELECT coalesce($3, v.state) = {SUCCESS} AND NOT p.cache_hit
                           AND p.cache_key <> '' AS result) AS k
WHERE v.process_id = ANY ($1::text[])
ON CONFLICT (process_id, attempt) DO NOTHING;

-- name: drop_attempt_attributes
-- The attributes of kept attempts leave their process (the next attempt may add the same
-- keys); the env attributes of the spec stay.
-- $1 process ids
DELETE FROM attributes
WHERE target_id = ANY ($1::text[]) AND attribute_type <> {ATTRIBUTE_ENV};

-- name: process_attempts
-- Every attempt of a process, oldest first: the kept ones and the current one, each with
-- the number of log entries it wrote.
-- $1 process_id
SELECT a.*, (SELECT count(*) FROM logs l
             WHERE l.process_id = a.process_id AND l.attempt = a.attempt) AS logs
FROM (SELECT process_id, attempt, executor_id, executor_name, state, start_time, end_time,
             errors, ended_by, attributes, backoff_until
      FROM process_attempts WHERE process_id = $1
      UNION ALL
      SELECT process_id, attempt, executor_id, executor_name, state, start_time, end_time,
             errors, ended_by, attributes, backoff_until
      FROM attempt_view WHERE process_id = $1) a
ORDER BY a.attempt;
