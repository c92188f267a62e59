-- name: insert_function
-- $1 function_id, $2 colony_name, $3 executor_name, $4 executor_type, $5 func_name,
-- $6 description, $7 args, $8 location_name
INSERT INTO functions (function_id, colony_name, executor_name, executor_type, func_name,
                       description, args, location_name)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING *;

-- name: get_function
-- A function with its resource totals (res_*, NULL before a report).
-- $1 function_id
SELECT f.*, r.reports AS res_reports, r.wall_seconds AS res_wall_seconds,
       r.cpu_seconds AS res_cpu_seconds, r.peak_mem_max AS res_peak_mem_max,
       r.staged_in_bytes AS res_staged_in_bytes, r.staged_out_bytes AS res_staged_out_bytes
FROM functions f LEFT JOIN function_resources r ON r.function_id = f.function_id
WHERE f.function_id = $1;

-- name: list_functions
-- Functions with their resource totals (res_*, NULL before a report).
-- $1 colony_name, $2 executor_name ('' = all executors)
SELECT f.*, r.reports AS res_reports, r.wall_seconds AS res_wall_seconds,
       r.cpu_seconds AS res_cpu_seconds, r.peak_mem_max AS res_peak_mem_max,
       r.staged_in_bytes AS res_staged_in_bytes, r.staged_out_bytes AS res_staged_out_bytes
FROM functions f LEFT JOIN function_resources r ON r.function_id = f.function_id
WHERE f.colony_name = $1 AND ($2 = '' OR f.executor_name = $2)
ORDER BY f.added_seq;

-- name: delete_function
-- $1 function_id
DELETE FROM functions WHERE function_id = $1;

-- name: delete_executor_functions
-- $1 colony_name, $2 executor_name
DELETE FROM functions WHERE colony_name = $1 AND executor_name = $2;
