-- name: insert_submitted
-- Store submitted processes (their rows as records of the table's type, see
-- processes.process_row) with their env attributes (each names its process); the processes
-- trigger tells waiting assigns of each that is assignable. A process whose initiator used
-- its request id before (in an earlier statement or earlier in this one) is not stored: the
-- result holds the ids of the stored ones.
-- $1 rows, $2 env attribute ids, $3 their process ids, $4 env keys, $5 env values
WITH p AS (
    INSERT INTO processes SELECT * FROM unnest($1::processes[])
    ON CONFLICT (initiator_id, request_id) WHERE request_id <> '' DO NOTHING
    RETURNING process_id, colony_name, process_graph_id
), a AS (
    INSERT INTO attributes (attribute_id, target_id, target_colony_name, target_process_graph_id,
                            attribute_type, key, value)
    SELECT e.id, p.process_id, p.colony_name, p.process_graph_id, {ATTRIBUTE_ENV}, e.k, e.v
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS e(id, pid, k, v)
    JOIN p ON p.process_id = e.pid
)
SELECT process_id FROM p;

-- name: insert_processes
-- Store many processes (a workflow's nodes) in one statement, as records of the table's
-- type, with their env attributes (each names its process); the trigger announces those
-- that may be assigned.
-- $1 rows, $2 env attribute ids, $3 their process ids, $4 env keys, $5 env values
WITH p AS (
    INSERT INTO processes SELECT * FROM unnest($1::processes[])
    RETURNING process_id, colony_name, process_graph_id
)
INSERT INTO attributes (attribute_id, target_id, target_colony_name, target_process_graph_id,
                        attribute_type, key, value)
SELECT e.id, p.process_id, p.colony_name, p.process_graph_id, {ATTRIBUTE_ENV}, e.k, e.v
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS e(id, pid, k, v)
JOIN p ON p.process_id = e.pid;

-- name: process_narrow_int_columns
-- The processes columns narrower than bigint, with their types: an insert that failed on a
-- value out of range names the value (the driver's message shows only the whole record).
SELECT attname::text AS name, format_type(atttypid, NULL) AS type FROM pg_attribute
WHERE attrelid = 'processes'::regclass AND attnum > 0 AND NOT attisdropped
  AND atttypid IN ('int2'::regtype, 'int4'::regtype);

-- name: process_by_request
-- The process an initiator submitted with a request id.
-- $1 initiator_id, $2 request_id
SELECT * FROM process_view WHERE initiator_id = $1 AND request_id = $2 AND request_id <> '';

-- name: process_is_assignable
-- Whether a process still waits for an executor (not claimed, removed, held by parents or
-- waiting out a retry's backoff).
-- $1 process_id
SELECT EXISTS (SELECT 1 FROM processes
               WHERE process_id = $1 AND state = {WAITING} AND NOT wait_for_parents
                 AND not_before IS NULL);

-- name: get_process
-- $1 process_id
SELECT * FROM process_view WHERE process_id = $1;

-- name: list_processes
-- Waiting processes of a colony by priority, read in order from processes_colony_state
-- (one ORDER BY per state: a CASE over the state would sort every matching row).
-- $1 colony_name, $2 state (WAITING), $3 executor_type, $4 initiator_id, $5 label, $6 count
SELECT * FROM process_view
WHERE colony_name = $1 AND state = $2 AND state = {WAITING}
  AND ($3 = '' OR executor_type = $3) AND ($4 = '' OR initiator_id = $4)
  AND ($5 = '' OR label = $5)
ORDER BY priority_time
LIMIT $6;

-- name: list_running_processes
-- Running processes of a colony, longest running first, read in order from the partial
-- index processes_running.
-- $1 colony_name, $2 state (RUNNING), $3 executor_type, $4 initiator_id, $5 label, $6 count
SELECT * FROM process_view
WHERE colony_name = $1 AND state = $2 AND state = {RUNNING}
  AND ($3 = '' OR executor_type = $3) AND ($4 = '' OR initiator_id = $4)
  AND ($5 = '' OR label = $5)
ORDER BY start_time
LIMIT $6;

-- name: list_finished_processes
-- Finished processes of a colony in one state, newest end first: read backwards from the
-- index processes_finished, so the cost does not grow with the colony's history.
-- $1 colony_name, $2 state, $3 executor_type, $4 initiator_id, $5 label, $6 count
SELECT * FROM process_view
WHERE colony_name = $1 AND state = $2 AND state > {RUNNING}
  AND ($3 = '' OR executor_type = $3) AND ($4 = '' OR initiator_id = $4)
  AND ($5 = '' OR label = $5)
ORDER BY end_time DESC
LIMIT $6;

-- name: process_history
-- Processes of a colony in one state submitted after a time, oldest first.
-- $1 colony_name, $2 state, $3 submitted after, $4 assigned executor id ('' = any)
SELECT * FROM process_view
WHERE colony_name = $1 AND state = $2 AND submission_time > $3
  AND ($4 = '' OR assigned_executor_id = $4)
ORDER BY submission_time;

-- name: delete_process
-- $1 process_id
DELETE FROM processes WHERE process_id = $1;

-- name: delete_processes
-- Remove the colony's processes outside workflows, in one state or all (-1).
-- $1 colony_name, $2 state
DELETE FROM processes
WHERE colony_name = $1 AND process_graph_id = '' AND ($2 = -1 OR state = $2);

-- name: assign
-- Claim the first assignable process this executor may run, in one statement, and record
-- that the executor was heard from. A paused colony yields nothing. Its row is a
-- process_view row (the attributes as the view builds them).
-- SKIP LOCKED lets concurrent assigns (also from other servers) pass over a row another
-- transaction is claiming; the partial index keeps the scan short at any queue depth.
-- A NULL hardware list means the executor declared none: no hardware filter, as the reference.
-- $1 colony_name, $2 executor_type, $3 executor_name, $4 executor_id, $5 max cpu (millicores),
-- $6 max mem (bytes), $7 executor location, $8 hardware jsonb or NULL, $9 now,
-- $10 delivery lease in seconds (0: the caller does not confirm, no lease), $11 how many to
-- claim at most (assignprocessesmsg claims several, in pick order)
WITH picked AS (
    SELECT process_id FROM processes
    WHERE colony_name = $1 AND executor_type = $2 AND state = {WAITING} AND NOT wait_for_parents
      AND not_before IS NULL
      AND (executor_names IS NULL OR cardinality(executor_names) = 0
           OR $3 = ANY (executor_names) OR '*' = ANY (executor_names))
      AND req_cpu <= $5 AND req_mem <= $6
      AND (location_name = '' OR lower(location_name) = lower($7))
      AND NOT EXISTS (SELECT 1 FROM colonies WHERE name = $1 AND paused)
      AND ($8::jsonb IS NULL OR EXISTS (
          SELECT 1 FROM jsonb_to_recordset($8::jsonb) AS h(cpu bigint, mem bigint,
              storage bigint, nodes integer, gpu_name text, gpu_count integer, gpu_mem bigint)
          WHERE (h.cpu = 0 OR req_cpu <= h.cpu) AND (h.mem = 0 OR req_mem <= h.mem)
            AND (h.storage = 0 OR req_storage <= h.storage)
            AND (h.nodes = 0 OR req_nodes <= h.nodes)
            AND req_gpu_count <= h.gpu_count
            AND (req_gpu_name = '' OR lower(req_gpu_name) = lower(h.gpu_name))
            AND (h.gpu_mem = 0 OR req_gpu_mem <= h.gpu_mem)))
    ORDER BY priority_time
    LIMIT $11
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE processes p
    SET state = {RUNNING}, is_assigned = true, assigned_executor_id = $4, start_time = $9,
        exec_deadline = CASE WHEN p.max_exec_time > 0
                             THEN $9::timestamptz + make_interval(secs => p.max_exec_time)
                             ELSE p.exec_deadline END,
        delivery_deadline = CASE WHEN $10::float8 > 0
                                 THEN $9::timestamptz + make_interval(secs => $10::float8) END
    FROM picked WHERE p.process_id = picked.process_id
    RETURNING p.*
), touched AS (
    -- (at most once a second: concurrent assigns of one executor would otherwise queue on
    -- its row, and every update leaves a dead row version behind)
    UPDATE executors SET last_heard_from_time = $9
    WHERE colony_name = $1 AND executor_name = $3
      AND last_heard_from_time < $9::timestamptz - interval '1 second'
)
SELECT claimed.*,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('attribute_id', a.attribute_id,
                                  'target_id', a.target_id,
                                  'target_colony_name', a.target_colony_name,
                                  'target_process_graph_id', a.target_process_graph_id,
                                  'state', claimed.state, 'attribute_type', a.attribute_type,
                                  'key', a.key, 'value', a.value) ORDER BY a.added_seq),
                         '[]'::jsonb)
        FROM attributes a WHERE a.target_id = claimed.process_id) AS attributes
FROM claimed
ORDER BY claimed.priority_time;

-- name: close_own
-- closesuccessfulmsg in one statement when all is well: close a running (or already
-- successful) process of this executor, approved in the process's colony, with the
-- function statistics of close_processes for one process. No row otherwise (the handler
-- then looks up why).
-- $1 process_id, $2 executor_id, $3 end_time, $4 output or NULL
WITH closed AS (
    UPDATE processes p SET state = {SUCCESS}, end_time = $3, output = coalesce($4, p.output)
    FROM executors e
    WHERE p.process_id = $1 AND p.assigned_executor_id = $2 AND p.state IN ({RUNNING}, {SUCCESS})
      AND e.executor_id = $2 AND e.colony_name = p.colony_name AND e.state = {EXECUTOR_APPROVED}
    RETURNING p.process_id, p.colony_name, p.func_name, p.process_graph_id, e.executor_name,
              extract(epoch FROM p.start_time - p.submission_time)::float8 AS wait_s,
              extract(epoch FROM $3::timestamptz - p.start_time)::float8 AS exec_s
), stats AS (
    UPDATE functions f SET
        counter = counter + 1,
        min_wait_time = CASE WHEN min_wait_time = 0 THEN c.wait_s ELSE least(min_wait_time, c.wait_s) END,
        max_wait_time = CASE WHEN max_wait_time = 0 THEN c.wait_s ELSE greatest(max_wait_time, c.wait_s) END,
        avg_wait_time = CASE WHEN avg_wait_time = 0 THEN c.wait_s ELSE (avg_wait_time + c.wait_s) / 2 END,
        min_exec_time = CASE WHEN min_exec_time = 0 THEN c.exec_s ELSE least(min_exec_time, c.exec_s) END,
        max_exec_time = CASE WHEN max_exec_time = 0 THEN c.exec_s ELSE greatest(max_exec_time, c.exec_s) END,
        avg_exec_time = CASE WHEN avg_exec_time = 0 THEN c.exec_s ELSE (avg_exec_time + c.exec_s) / 2 END
    FROM closed c
    WHERE f.colony_name = c.colony_name AND f.executor_name = c.executor_name
      AND f.func_name = c.func_name
)
SELECT colony_name, executor_name, process_graph_id FROM closed;

-- name: fail_own
-- closefailedmsg in one statement when all is well: fail a running process of this
-- executor, approved in the process's colony, that has no retry policy (those go through
-- services.processes.retry). No row otherwise.
-- $1 process_id, $2 executor_id, $3 end_time, $4 errors
UPDATE processes p SET state = {FAILED}, end_time = $3, errors = $4
FROM executors e
WHERE p.process_id = $1 AND p.assigned_executor_id = $2 AND p.state = {RUNNING}
  AND NOT p.spec ? 'retry'
  AND e.executor_id = $2 AND e.colony_name = p.colony_name AND e.state = {EXECUTOR_APPROVED}
RETURNING p.colony_name, e.executor_name, p.process_graph_id;

-- name: mark_failed
-- Fail a running process of this executor.
-- $1 process_id, $2 executor_id, $3 end_time, $4 errors
UPDATE processes SET state = {FAILED}, end_time = $3, errors = $4
WHERE process_id = $1 AND assigned_executor_id = $2 AND state = {RUNNING}
RETURNING process_id;

-- name: confirm_deliveries
-- confirm_delivery for several processes of one executor (confirmprocessesmsg): the ids of
-- those of the colony whose lease it ended, with the executor's name.
-- $1 process ids, $2 executor_id, $3 colony_name
UPDATE processes p SET delivery_deadline = NULL
FROM executors e
WHERE p.process_id = ANY ($1::text[]) AND p.assigned_executor_id = $2 AND p.state = {RUNNING}
  AND p.colony_name = $3 AND e.executor_id = $2 AND e.colony_name = p.colony_name AND e.state = {EXECUTOR_APPROVED}
RETURNING p.process_id, e.executor_name;

-- name: close_processes
-- Close several running (or already successful) processes of this executor in a colony in
-- one statement (closeprocessesmsg, and closesuccessfulmsg as a batch of one): successful
-- ones (output replaced if given) and failed ones (errors, only from running, as mark_failed; not those
-- with a retry policy, which the service retries one by one). The
-- function statistics of the closing executor count each success; a function's averages
-- fold its batch's times in order, as one close after another would (the reference's
-- (old + new) / 2 each time).
-- Returns the closed processes with their graph ids.
-- $1 process ids, $2 failed flags, $3 outputs as JSON text (NULL: keep), $4 errors as JSON
-- text, $5 executor_id,
-- $6 colony_name, $7 end_time, $8 executor_name
-- (The primary key is the only index condition the planner is offered: given is
-- MATERIALIZED and carries the executor and colony, compared with IS NOT DISTINCT FROM,
-- which no index serves, both columns being NOT NULL. With them as plain conditions it
-- chose, while the table had no statistics yet, to read every running or finished process
-- of the colony through another index, a cost that grew with the table: tests/db/test_plans.py.)
WITH given AS MATERIALIZED (
    SELECT u.process_id, u.failed, u.output::jsonb AS output, u.errors::jsonb AS errors, u.n,
           $5::text AS executor_id, $6::text AS colony_name
    FROM unnest($1::text[], $2::bool[], $3::text[], $4::text[])
        WITH ORDINALITY AS u(process_id, failed, output, errors, n)
), closed AS (
    UPDATE processes p
    SET state = CASE WHEN g.failed THEN {FAILED} ELSE {SUCCESS} END, end_time = $7,
        output = CASE WHEN g.failed THEN p.output ELSE coalesce(g.output, p.output) END,
        errors = CASE WHEN g.failed THEN g.errors ELSE p.errors END
    FROM given g
    WHERE p.process_id = g.process_id
      AND p.assigned_executor_id IS NOT DISTINCT FROM g.executor_id
      AND p.colony_name IS NOT DISTINCT FROM g.colony_name
      AND p.state IN ({RUNNING}, {SUCCESS})
      AND (p.state = {RUNNING} OR NOT g.failed)
      AND NOT (g.failed AND p.spec ? 'retry')
    RETURNING p.process_id, p.process_graph_id, p.func_name, g.failed, g.n,
              extract(epoch FROM p.start_time - p.submission_time)::float8 AS wait_s,
              extract(epoch FROM $7::timestamptz - p.start_time)::float8 AS exec_s
), runs AS (
    SELECT func_name, count(*) AS k, min(wait_s) AS min_wait, max(wait_s) AS max_wait,
           min(exec_s) AS min_exec, max(exec_s) AS max_exec,
           -- (old + x1)/2, then (that + x2)/2, ...: old/2^k + sum of x_i/2^(k-i+1)
           sum(wait_s * power(2, r - k_all - 1)) AS wait_fold,
           sum(exec_s * power(2, r - k_all - 1)) AS exec_fold,
           (array_agg(wait_s ORDER BY r))[1] AS first_wait,
           (array_agg(exec_s ORDER BY r))[1] AS first_exec
    FROM (SELECT *, row_number() OVER w AS r, count(*) OVER (PARTITION BY func_name) AS k_all
          FROM closed WHERE NOT failed WINDOW w AS (PARTITION BY func_name ORDER BY n)) c
    GROUP BY func_name
), stats AS (
    UPDATE functions f SET
        counter = counter + r.k,
        min_wait_time = CASE WHEN min_wait_time = 0 THEN r.min_wait ELSE least(min_wait_time, r.min_wait) END,
        max_wait_time = CASE WHEN max_wait_time = 0 THEN r.max_wait ELSE greatest(max_wait_time, r.max_wait) END,
        avg_wait_time = CASE WHEN avg_wait_time = 0 THEN r.first_wait ELSE avg_wait_time END
                        / power(2, r.k) + r.wait_fold,
        min_exec_time = CASE WHEN min_exec_time = 0 THEN r.min_exec ELSE least(min_exec_time, r.min_exec) END,
        max_exec_time = CASE WHEN max_exec_time = 0 THEN r.max_exec ELSE greatest(max_exec_time, r.max_exec) END,
        avg_exec_time = CASE WHEN avg_exec_time = 0 THEN r.first_exec ELSE avg_exec_time END
                        / power(2, r.k) + r.exec_fold
    FROM runs r
    WHERE f.colony_name = $6 AND f.executor_name = $8 AND f.func_name = r.func_name
)
SELECT process_id, process_graph_id FROM closed;

-- name: set_output
-- $1 process_id, $2 executor_id, $3 output
UPDATE processes SET output = $3
WHERE process_id = $1 AND assigned_executor_id = $2 AND state = {RUNNING}
RETURNING process_id;

-- name: mark_cancelled
-- Cancel a waiting or running process.
-- $1 process_id, $2 end_time
UPDATE processes SET state = {CANCELLED}, end_time = $2
WHERE process_id = $1 AND state IN ({WAITING}, {RUNNING})
RETURNING process_id;

-- name: running_processes_of_executor
-- Lock the running processes of an executor (to requeue them after keeping their attempts).
-- $1 executor_id
SELECT process_id FROM processes WHERE assigned_executor_id = $1 AND state = {RUNNING}
FOR UPDATE;

-- name: release_executor_processes
-- Put the running processes of a removed executor back in the queue as their next attempt
-- (the trigger wakes assigns).
-- $1 process ids, $2 zero time
UPDATE processes SET state = {WAITING}, is_assigned = false, assigned_executor_id = '',
                     start_time = $2, end_time = $2, attempt = attempt + 1
WHERE process_id = ANY ($1::text[]) AND state = {RUNNING};

-- name: give_back_process
-- A claim whose assign caller left before the reply: the process waits again, as if it had
-- never been assigned (no retry counted); the trigger wakes assigns for it.
-- $1 process_id, $2 executor_id, $3 zero time
UPDATE processes SET state = {WAITING}, is_assigned = false, assigned_executor_id = '',
                     start_time = $3, exec_deadline = $3
WHERE process_id = $1 AND assigned_executor_id = $2 AND state = {RUNNING}
RETURNING process_id;

-- name: confirm_delivery
-- The executor received the process: end its delivery lease. No row if it is not (or no
-- longer) the running process of this executor, approved in the process's colony.
-- $1 process_id, $2 executor_id
UPDATE processes p SET delivery_deadline = NULL
FROM executors e
WHERE p.process_id = $1 AND p.assigned_executor_id = $2 AND p.state = {RUNNING}
  AND e.executor_id = $2 AND e.colony_name = p.colony_name AND e.state = {EXECUTOR_APPROVED}
RETURNING p.colony_name, e.executor_name;

-- name: requeue_undelivered
-- Processes whose delivery lease ended unconfirmed wait again, as if never assigned (no
-- retry counted: the executor never had them); the trigger wakes assigns for them.
-- $1 now, $2 zero time
UPDATE processes SET state = {WAITING}, is_assigned = false, assigned_executor_id = '',
                     start_time = $2, exec_deadline = $2, delivery_deadline = NULL
WHERE state = {RUNNING} AND delivery_deadline < $1;

-- name: expired_with_retries
-- Lock the running processes past their exec deadline with maxretries left (the
-- reference's retries), which go back to the queue; another server's pass skips them.
-- $1 now
SELECT process_id FROM processes
WHERE state = {RUNNING} AND max_exec_time <> -1 AND exec_deadline < $1
  AND (max_retries = -1 OR retries < max_retries)
FOR UPDATE SKIP LOCKED;

-- name: requeue_expired
-- Expired running processes with maxretries left wait again as their next attempt.
-- $1 process ids, $2 now
UPDATE processes SET state = {WAITING}, is_assigned = false, assigned_executor_id = '',
    end_time = $2, retries = retries + 1, attempt = attempt + 1,
    wait_deadline = CASE WHEN max_wait_time > 0
                         THEN $2::timestamptz + make_interval(secs => max_wait_time)
                         ELSE wait_deadline END
WHERE process_id = ANY ($1::text[]) AND state = {RUNNING};

-- name: expired_with_retry_policy
-- Running processes past their exec deadline without maxretries left whose retry policy
-- has attempts left in this run (whether it retries timeouts is for the service to say).
-- $1 now
SELECT * FROM process_view
WHERE state = {RUNNING} AND max_exec_time <> -1 AND exec_deadline < $1
  AND NOT (max_retries = -1 OR retries < max_retries)
  AND coalesce((spec -> 'retry' ->> 'attempts')::int, 0) > attempt - run_attempt + 1;

-- name: lock_running_attempt
-- Lock a running process (of this executor unless $2 is '') to decide on a retry: its
-- attempt and the attempt its run started with.
-- $1 process_id, $2 executor_id or ''
SELECT attempt, run_attempt FROM processes
WHERE process_id = $1 AND state = {RUNNING} AND ($2 = '' OR assigned_executor_id = $2)
FOR UPDATE;

-- name: retry_process
-- A failed attempt with attempts left: the process waits again as its next attempt, not
-- before the end of its backoff (NULL: at once), with the (maybe escalated) spec.
-- $1 process_id, $2 the failed attempt, $3 not_before or NULL, $4 spec, $5 req_cpu,
-- $6 req_mem, $7 now, $8 zero time
UPDATE processes SET state = {WAITING}, is_assigned = false, assigned_executor_id = '',
    start_time = $8, end_time = $8, exec_deadline = $8, delivery_deadline = NULL,
    errors = '[]', output = '[]', attempt = attempt + 1, not_before = $3, spec = $4,
    req_cpu = $5, req_mem = $6,
    wait_deadline = CASE WHEN max_wait_time > 0
                         THEN coalesce($3, $7::timestamptz) + make_interval(secs => max_wait_time)
                         ELSE wait_deadline END
WHERE process_id = $1 AND attempt = $2 AND state = {RUNNING}
RETURNING process_id;

-- name: release_backoffs
-- Retried processes whose backoff has ended become assignable (the trigger wakes assigns).
-- $1 now
UPDATE processes SET not_before = NULL
WHERE not_before <= $1 AND state = {WAITING};

-- name: fail_expired_running
-- Running processes past their exec deadline without retries left fail: the graphs that
-- need resolving.
-- $1 now
UPDATE processes SET state = {FAILED}, end_time = $1,
       errors = '["Maximum execution time limit exceeded"]'
WHERE state = {RUNNING} AND max_exec_time <> -1 AND exec_deadline < $1
  AND NOT (max_retries = -1 OR retries < max_retries)
RETURNING process_graph_id;

-- name: fail_expired_waiting
-- Waiting processes past their wait deadline fail (the oldest 1000 per pass): the graphs
-- that need resolving.
-- $1 now
UPDATE processes SET state = {FAILED}, end_time = $1,
       errors = '["Maximum waiting time limit exceeded"]'
WHERE process_id IN (
    SELECT process_id FROM processes
    WHERE state = {WAITING} AND max_wait_time NOT IN (0, -1) AND wait_deadline < $1
    ORDER BY priority_time LIMIT 1000)
RETURNING process_graph_id;

-- name: notify_colony
-- Wake every assign waiting in a colony (resume after pause). Not a process's change: the
-- one notification of colonies_process the trigger does not send.
-- $1 colony_name
SELECT pg_notify('colonies_process',
                 json_build_object('c', $1::text, 't', '*', 'p', '', 's', {WAITING})::text);

-- name: delete_successful_before
-- Retention: successful processes outside workflows submitted before a time.
-- $1 cutoff
DELETE FROM processes WHERE state = {SUCCESS} AND process_graph_id = '' AND submission_time < $1;

-- name: cached_result
-- The newest successful run (not a cache hit: a result is as old as the run that computed
-- it) of a colony with a cache key, ended at or after a time: a process, or a kept attempt
-- of one that runs again (a workflow rerun reset it).
-- $1 colony_name, $2 cache_key, $3 oldest end_time
SELECT process_id, output FROM (
    (SELECT process_id, output, end_time FROM processes
     WHERE colony_name = $1 AND cache_key = $2 AND state = {SUCCESS} AND cache_key <> ''
       AND NOT cache_hit AND end_time >= $3
     ORDER BY end_time DESC LIMIT 1)
    UNION ALL
    (SELECT a.process_id, a.output, a.end_time FROM process_attempts a
     JOIN processes p ON p.process_id = a.process_id
     WHERE a.cache_key = $2 AND a.cache_key <> '' AND a.end_time >= $3
       AND p.colony_name = $1
     ORDER BY a.end_time DESC LIMIT 1)
) AS found
ORDER BY end_time DESC LIMIT 1;

-- name: cache_pending
-- Released waiting nodes of graphs that ask for caching and have no key yet.
-- $1 process_graph_ids
SELECT process_id, colony_name, spec, input FROM processes
WHERE process_graph_id = ANY ($1) AND state = {WAITING} AND NOT wait_for_parents
  AND cache_key = '' AND spec @> '{"cache": {"enabled": true}}'
ORDER BY process_graph_id, priority_time;

-- name: set_cache_key
-- The key of a waiting process whose result was not found in the cache.
-- $1 process_id, $2 cache_key
UPDATE processes SET cache_key = $2 WHERE process_id = $1 AND state = {WAITING};

-- name: close_cached
-- Close a waiting, unclaimed process at once with an earlier run's output (a cache hit).
-- $1 process_id, $2 cache_key, $3 now, $4 output, $5 source process id
UPDATE processes SET state = {SUCCESS}, start_time = $3, end_time = $3, output = $4,
    cache_key = $2, cache_hit = true, cached_from = $5
WHERE process_id = $1 AND state = {WAITING} AND NOT wait_for_parents AND NOT is_assigned
RETURNING process_graph_id;

-- name: running_per_executor
-- How many running processes each executor of a colony holds.
-- $1 colony_name
SELECT assigned_executor_id, count(*) AS n FROM processes
WHERE colony_name = $1 AND state = {RUNNING} GROUP BY assigned_executor_id;

-- name: waiting_ahead
-- How many assignable processes of a colony and executor type come before a priority time.
-- $1 colony_name, $2 executor_type, $3 priority_time
SELECT count(*) FROM processes
WHERE colony_name = $1 AND executor_type = $2 AND state = {WAITING} AND NOT wait_for_parents
  AND not_before IS NULL AND priority_time < $3;

-- name: not_before
-- The end of a retried process's backoff (NULL: none).
-- $1 process_id
SELECT not_before FROM processes WHERE process_id = $1;

-- name: processes_by_ids
-- Processes by id (a node's parents).
-- $1 process_ids
SELECT * FROM process_view WHERE process_id = ANY ($1);
