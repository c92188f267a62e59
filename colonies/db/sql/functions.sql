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
