-- name: insert_attribute
-- $1 attribute_id, $2 target_id, $3 target_colony_name, $4 target_process_graph_id,
-- $5 attribute_type, $6 key, $7 value
INSERT INTO attributes (attribute_id, target_id, target_colony_name, target_process_graph_id,
                        attribute_type, key, value)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: insert_report_attribute
-- insert_attribute for a process's resource report, which is also added to the totals of
-- the function running it (its funcname as registered by its assigned executor), if any.
-- $1..$7 as insert_attribute, $8 wall seconds, $9 CPU seconds, $10 peak memory (bytes),
-- $11 bytes staged in, $12 bytes staged out
WITH added AS (
    INSERT INTO attributes (attribute_id, target_id, target_colony_name,
                            target_process_graph_id, attribute_type, key, value)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    RETURNING target_id
), fn AS (
    SELECT DISTINCT f.function_id
    FROM added a
    JOIN processes p ON p.process_id = a.target_id
    JOIN executors e ON e.executor_id = p.assigned_executor_id AND e.colony_name = p.colony_name
    JOIN functions f ON f.colony_name = p.colony_name AND f.executor_name = e.executor_name
                    AND f.func_name = p.func_name
)
INSERT INTO function_resources AS t (function_id, reports, wall_seconds, cpu_seconds,
                                     peak_mem_max, staged_in_bytes, staged_out_bytes)
SELECT function_id, 1, $8::float8, $9::float8, $10::bigint, $11::bigint, $12::bigint FROM fn
ON CONFLICT (function_id) DO UPDATE SET
    reports = t.reports + 1,
    wall_seconds = t.wall_seconds + excluded.wall_seconds,
    cpu_seconds = t.cpu_seconds + excluded.cpu_seconds,
    peak_mem_max = greatest(t.peak_mem_max, excluded.peak_mem_max),
    staged_in_bytes = t.staged_in_bytes + excluded.staged_in_bytes,
    staged_out_bytes = t.staged_out_bytes + excluded.staged_out_bytes;

-- name: get_attribute
-- An attribute with the state of its process, which it mirrors.
-- $1 attribute_id
SELECT a.*, p.state, p.colony_name FROM attributes a
JOIN processes p ON p.process_id = a.target_id
WHERE a.attribute_id = $1;
