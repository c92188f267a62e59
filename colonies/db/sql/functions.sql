-- name: insert_function
-- $1 function_id, $2 colony_name, $3 executor_name, $4 executor_type, $5 func_name,
-- $6 description, $7 args, $8 location_name
INSERT INTO functions (function_id, colony_name, executor_name, executor_type, func_name,
                       description, args, location_name)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING *;

-- name: get_function
-- $1 function_id
SELECT * FROM functions WHERE function_id = $1;

-- name: list_functions
-- $1 colony_name, $2 executor_name ('' = all executors)
SELECT * FROM functions WHERE colony_name = $1 AND ($2 = '' OR executor_name = $2)
ORDER BY added_seq;

-- name: delete_function
-- $1 function_id
DELETE FROM functions WHERE function_id = $1;

-- name: delete_executor_functions
-- $1 colony_name, $2 executor_name
DELETE FROM functions WHERE colony_name = $1 AND executor_name = $2;

-- name: record_function_run
-- Statistics of a successful run; averages are the reference's (old+new)/2.
-- $1 colony_name, $2 executor_name, $3 func_name, $4 wait seconds, $5 exec seconds
UPDATE functions SET
    counter = counter + 1,
    min_wait_time = CASE WHEN min_wait_time = 0 THEN $4 ELSE least(min_wait_time, $4) END,
    max_wait_time = CASE WHEN max_wait_time = 0 THEN $4 ELSE greatest(max_wait_time, $4) END,
    avg_wait_time = CASE WHEN avg_wait_time = 0 THEN $4 ELSE (avg_wait_time + $4) / 2 END,
    min_exec_time = CASE WHEN min_exec_time = 0 THEN $5 ELSE least(min_exec_time, $5) END,
    max_exec_time = CASE WHEN max_exec_time = 0 THEN $5 ELSE greatest(max_exec_time, $5) END,
    avg_exec_time = CASE WHEN avg_exec_time = 0 THEN $5 ELSE (avg_exec_time + $5) / 2 END
WHERE colony_name = $1 AND executor_name = $2 AND func_name = $3;
