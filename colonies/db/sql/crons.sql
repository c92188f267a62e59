-- name: insert_cron
-- $1 cron_id, $2 colony_name, $3 name, $4 initiator_id, $5 initiator_name,
-- $6 cron_expression, $7 interval, $8 random, $9 next_run, $10 last_run, $11 workflow_spec,
-- $12 wait_for_prev_process_graph
INSERT INTO crons (cron_id, colony_name, name, initiator_id, initiator_name, cron_expression,
                   interval, random, next_run, last_run, workflow_spec,
                   wait_for_prev_process_graph)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: get_cron
-- $1 cron_id
SELECT * FROM crons WHERE cron_id = $1;

-- name: list_crons
-- $1 colony_name, $2 count
SELECT * FROM crons WHERE colony_name = $1 ORDER BY name LIMIT $2;

-- name: delete_cron
-- $1 cron_id
DELETE FROM crons WHERE cron_id = $1;

-- name: due_crons
-- Crons due at a time (or never scheduled), locked so another server passes them by.
-- Call inside a transaction. $1 now
SELECT * FROM crons WHERE next_run < $1 ORDER BY next_run FOR UPDATE SKIP LOCKED;

-- name: lock_cron
-- One cron, locked for a run now. Call inside a transaction. $1 cron_id
SELECT * FROM crons WHERE cron_id = $1 FOR UPDATE;

-- name: schedule_cron
-- Record the next run (and, after a run, the last run and the graph it started).
-- $1 cron_id, $2 next_run, $3 window_start, $4 last_run or NULL, $5 graph id or NULL
UPDATE crons SET next_run = $2, window_start = $3, last_run = coalesce($4, last_run),
                 prev_process_graph_id = coalesce($5, prev_process_graph_id)
WHERE cron_id = $1;

-- name: leaf_outputs
-- The outputs of a graph's leaves, concatenated: a cron run's input.
-- $1 process_graph_id
SELECT coalesce(jsonb_agg(x.o ORDER BY array_position(g.process_ids, p.process_id), x.i),
                '[]'::jsonb)
FROM process_graphs g
JOIN processes p ON p.process_graph_id = g.process_graph_id
CROSS JOIN LATERAL jsonb_array_elements(p.output) WITH ORDINALITY AS x(o, i)
WHERE g.process_graph_id = $1 AND cardinality(p.children) = 0;

-- name: get_cron_by_name
-- $1 colony_name, $2 name
SELECT * FROM crons WHERE colony_name = $1 AND name = $2;
