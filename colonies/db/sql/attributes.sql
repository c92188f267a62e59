-- name: insert_attribute
-- $1 attribute_id, $2 target_id, $3 target_colony_name, $4 target_process_graph_id,
-- $5 attribute_type, $6 key, $7 value
INSERT INTO attributes (attribute_id, target_id, target_colony_name, target_process_graph_id,
                        attribute_type, key, value)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: get_attribute
-- An attribute with the state of its process, which it mirrors.
-- $1 attribute_id
SELECT a.*, p.state, p.colony_name FROM attributes a
JOIN processes p ON p.process_id = a.target_id
WHERE a.attribute_id = $1;
