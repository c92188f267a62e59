-- name: insert_graph
-- Store a graph; a request id the initiator used before stores nothing (no row returned).
-- $1 process_graph_id, $2 colony_name, $3 initiator_id, $4 initiator_name,
-- $5 root_process_ids, $6 process_ids, $7 submission_time, $8 zero time, $9 request_id,
-- $10 failure_policy
INSERT INTO process_graphs (process_graph_id, colony_name, initiator_id, initiator_name,
                            root_process_ids, process_ids, state, submission_time, start_time,
                            end_time, request_id, failure_policy)
VALUES ($1, $2, $3, $4, $5, $6, {WAITING}, $7, $8, $8, $9, $10)
ON CONFLICT (initiator_id, request_id) WHERE request_id <> '' DO NOTHING
RETURNING process_graph_id;

-- name: graph_by_request
-- The graph an initiator submitted with a request id.
-- $1 initiator_id, $2 request_id
SELECT * FROM process_graphs WHERE initiator_id = $1 AND request_id = $2 AND request_id <> '';

-- name: get_graph
-- $1 process_graph_id
SELECT * FROM process_graphs WHERE process_graph_id = $1;

-- name: list_graphs
-- Graphs of a colony in one state, newest first.
-- $1 colony_name, $2 state, $3 count
SELECT * FROM process_graphs WHERE colony_name = $1 AND state = $2
ORDER BY submission_time DESC LIMIT $3;

-- name: resolve_graphs
-- Release children, cascade failures and derive the state (see resolve_graph()) of each
-- graph, in the order given (sorted: graph row locks are taken in one order).
-- $1 process_graph_ids, $2 now
SELECT resolve_graph(g, $2) FROM unnest($1::text[]) AS g;

-- name: graph_processes
-- Every process of a graph.
-- $1 process_graph_id
SELECT * FROM process_view WHERE process_graph_id = $1;

-- name: lock_graph
-- Serialise changes to a graph's wiring (addchild) with resolution.
-- $1 process_graph_id
SELECT process_graph_id FROM process_graphs WHERE process_graph_id = $1 FOR UPDATE;

-- name: set_links
-- Rewire a process of a graph.
-- $1 process_id, $2 parents, $3 children
UPDATE processes SET parents = $2, children = $3 WHERE process_id = $1;

-- name: append_graph_process
-- $1 process_graph_id, $2 process_id
UPDATE process_graphs SET process_ids = array_append(process_ids, $2)
WHERE process_graph_id = $1;

-- name: cancel_graph_processes
-- Cancel every waiting or running process of a graph (the trigger tells every server).
-- $1 process_graph_id, $2 now
UPDATE processes SET state = {CANCELLED}, end_time = $2
WHERE process_graph_id = $1 AND state IN ({WAITING}, {RUNNING});

-- name: delete_graph
-- A graph and its processes (their attributes go by cascade).
-- $1 process_graph_id
WITH gone AS (DELETE FROM processes WHERE process_graph_id = $1)
DELETE FROM process_graphs WHERE process_graph_id = $1;

-- name: delete_graphs
-- The colony's graphs in one state (-1 = all), with their processes.
-- $1 colony_name, $2 state
WITH doomed AS (
    SELECT process_graph_id FROM process_graphs
    WHERE colony_name = $1 AND ($2 = -1 OR state = $2)
), gone AS (
    DELETE FROM processes WHERE process_graph_id IN (SELECT process_graph_id FROM doomed)
)
DELETE FROM process_graphs WHERE process_graph_id IN (SELECT process_graph_id FROM doomed);

-- name: graph_statistics
-- Graphs of a colony per state.
-- $1 colony_name
SELECT state, count(*) AS n FROM process_graphs WHERE colony_name = $1 GROUP BY state;

-- name: delete_successful_graphs_before
-- Retention: successful workflows submitted before a time, with their processes.
-- $1 cutoff
WITH doomed AS (
    SELECT process_graph_id FROM process_graphs WHERE state = {SUCCESS} AND submission_time < $1
), gone AS (
    DELETE FROM processes WHERE process_graph_id IN (SELECT process_graph_id FROM doomed)
)
DELETE FROM process_graphs WHERE process_graph_id IN (SELECT process_graph_id FROM doomed);

-- name: graph_step_stats
-- A graph's processes per function and state, with their wait and run times (see
-- core/step_stats.py for what counts).
-- $1 process_graph_id
SELECT func_name, state, count(*) AS n, count(*) FILTER (WHERE cache_hit) AS hits,
       count(*) FILTER (WHERE started) AS started,
       coalesce(sum(extract(epoch FROM start_time - submission_time)) FILTER (WHERE started),
                0)::float8 AS wait_s,
       count(*) FILTER (WHERE ran) AS ran,
       coalesce(sum(extract(epoch FROM end_time - start_time)) FILTER (WHERE ran),
                0)::float8 AS run_s
FROM (SELECT func_name, state, cache_hit, start_time, end_time, submission_time,
             start_time > '0001-01-02' AND NOT cache_hit AS started,
             start_time > '0001-01-02' AND NOT cache_hit AND end_time >= start_time
                 AND state IN ({SUCCESS}, {FAILED}, {CANCELLED}) AS ran
      FROM processes WHERE process_graph_id = $1) AS p
GROUP BY func_name, state;
-- name: rerun_nodes
-- What a rerun decides on, per process of a graph: its state, the state a fail-fast
-- cascade found it in (NULL if none), its children, its node name, whether it started.
-- $1 process_graph_id
SELECT process_id, state, cascade_state, children, spec ->> 'nodename' AS node_name,
       start_time > '0001-01-02' AS started
FROM processes WHERE process_graph_id = $1;

-- name: restore_cascaded
-- Successful processes a fail-fast cascade marked failed are successful again.
-- $1 process ids
UPDATE processes SET state = {SUCCESS}, cascade_state = NULL, cascade_cause = ''
WHERE process_id = ANY ($1::text[]) AND state = {FAILED} AND cascade_state = {SUCCESS};

-- name: reset_for_rerun
-- Processes of a rerun wait again, as a new run (their next attempt if this one started;
-- their cache key is computed again, their inputs may differ, and they are no cache hit
-- until found again; a spec that asks for caching gets refresh = $5, so a rerun with
-- --no-cache runs them anyway and one without uses the cache),
-- held by their parents unless they are roots; roots keep their input.
-- $1 process ids, $2 the ids of those that started, $3 now, $4 zero time, $5 refresh
UPDATE processes SET state = {WAITING}, wait_for_parents = cardinality(parents) > 0,
    is_assigned = false, assigned_executor_id = '', start_time = $4, end_time = $4,
    exec_deadline = $4, delivery_deadline = NULL, errors = '[]', output = '[]',
    input = CASE WHEN cardinality(parents) > 0 THEN '[]'::jsonb ELSE input END,
    attempt = attempt + CASE WHEN process_id = ANY ($2::text[]) THEN 1 ELSE 0 END,
    run_attempt = attempt + CASE WHEN process_id = ANY ($2::text[]) THEN 1 ELSE 0 END,
    retries = 0, not_before = NULL, cascade_cause = '', cascade_state = NULL,
    cache_key = '', cache_hit = false, cached_from = '',
    spec = CASE WHEN jsonb_typeof(spec -> 'cache') = 'object'
                THEN jsonb_set(spec, '{cache,refresh}', to_jsonb($5::boolean))
                ELSE spec END,
    wait_deadline = CASE WHEN max_wait_time > 0
                         THEN $3::timestamptz + make_interval(secs => max_wait_time)
                         ELSE $4 END
WHERE process_id = ANY ($1::text[]);

-- name: reopen_graph
-- A graph being rerun is not finished any more (resolve_graph derives its state again).
-- $1 process_graph_id, $2 zero time
UPDATE process_graphs SET state = {WAITING}, end_time = $2 WHERE process_graph_id = $1;
