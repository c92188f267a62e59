-- name: insert_executor
-- $1 colony_name, $2 executor_name, $3 executor_id, $4 executor_type, $5 require_func_reg,
-- $6 commission_time, $7 last_heard_from_time, $8 location_name, $9 capabilities,
-- $10 allocations, $11 blueprint_id, $12 blueprint_gen
INSERT INTO executors (colony_name, executor_name, executor_id, executor_type, state,
                       require_func_reg, commission_time, last_heard_from_time, location_name,
                       capabilities, allocations, blueprint_id, blueprint_gen)
VALUES ($1, $2, $3, $4, {EXECUTOR_PENDING}, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING *;

-- name: reactivate_executor
-- Re-register a name in place with a new id and type (COLONIES_ALLOW_EXECUTOR_REREGISTER).
-- $1 colony_name, $2 executor_name, $3 executor_id, $4 executor_type, $5 require_func_reg,
-- $6 commission_time, $7 last_heard_from_time, $8 location_name, $9 capabilities,
-- $10 allocations, $11 blueprint_id, $12 blueprint_gen
UPDATE executors SET executor_id = $3, executor_type = $4, state = {EXECUTOR_PENDING}, require_func_reg = $5,
       commission_time = $6, last_heard_from_time = $7, location_name = $8, capabilities = $9,
       allocations = $10, blueprint_id = $11, blueprint_gen = $12
WHERE colony_name = $1 AND executor_name = $2
RETURNING *;

-- name: get_executor
-- $1 colony_name, $2 executor_name
SELECT * FROM executors WHERE colony_name = $1 AND executor_name = $2;

-- name: get_executor_by_id
-- First registration of an id, in any colony.
-- $1 executor_id
SELECT * FROM executors WHERE executor_id = $1 ORDER BY added_seq LIMIT 1;

-- name: list_executors
-- $1 colony_name
SELECT * FROM executors WHERE colony_name = $1 ORDER BY added_seq;

-- name: set_executor_state
-- $1 colony_name, $2 executor_name, $3 state
UPDATE executors SET state = $3 WHERE colony_name = $1 AND executor_name = $2 RETURNING executor_id;

-- name: set_executor_capabilities
-- $1 colony_name, $2 executor_name, $3 capabilities
UPDATE executors SET capabilities = $3 WHERE colony_name = $1 AND executor_name = $2;

-- name: set_executor_allocations
-- $1 colony_name, $2 executor_name, $3 allocations
UPDATE executors SET allocations = $3 WHERE colony_name = $1 AND executor_name = $2;

-- name: set_executor_id
-- $1 colony_name, $2 old executor_id, $3 new executor_id
UPDATE executors SET executor_id = $3 WHERE colony_name = $1 AND executor_id = $2;

-- name: stale_executors
-- Executors not heard from since the cutoff; those that never called assign are left alone.
-- $1 cutoff
SELECT colony_name, executor_name FROM executors
WHERE state <> {EXECUTOR_UNREGISTERED} AND last_heard_from_time > '0001-01-02'::timestamptz
  AND last_heard_from_time < $1;
