-- name: insert_blueprint_definition
-- $1 blueprint_definition_id, $2 colony_name, $3 name, $4 kind, $5 names_kind, $6 metadata,
-- $7 spec
INSERT INTO blueprint_definitions (blueprint_definition_id, colony_name, name, kind,
                                   names_kind, metadata, spec)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: get_blueprint_definition
-- $1 colony_name, $2 name
SELECT * FROM blueprint_definitions WHERE colony_name = $1 AND name = $2;

-- name: get_blueprint_definition_by_kind
-- The definition whose spec.names.kind is a blueprint's kind. $1 colony_name, $2 kind
SELECT * FROM blueprint_definitions WHERE colony_name = $1 AND names_kind = $2;

-- name: list_blueprint_definitions
-- $1 colony_name
SELECT * FROM blueprint_definitions WHERE colony_name = $1 ORDER BY name;

-- name: delete_blueprint_definition
-- $1 colony_name, $2 name
DELETE FROM blueprint_definitions WHERE colony_name = $1 AND name = $2;

-- name: insert_blueprint
-- $1 blueprint_id, $2 colony_name, $3 name, $4 kind, $5 location_name, $6 metadata, $7 spec,
-- $8 status
INSERT INTO blueprints (blueprint_id, colony_name, name, kind, location_name, metadata, spec,
                        status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: get_blueprint
-- $1 colony_name, $2 name
SELECT * FROM blueprints WHERE colony_name = $1 AND name = $2;

-- name: lock_blueprint
-- One blueprint, locked until the transaction ends (read-modify-write). $1 colony_name, $2 name
SELECT * FROM blueprints WHERE colony_name = $1 AND name = $2 FOR UPDATE;

-- name: get_blueprint_by_id
-- $1 blueprint_id
SELECT * FROM blueprints WHERE blueprint_id = $1;

-- name: list_blueprints
-- Blueprints of a colony; an empty kind or location does not filter.
-- $1 colony_name, $2 kind, $3 location_name
SELECT * FROM blueprints
WHERE colony_name = $1 AND ($2 = '' OR kind = $2) AND ($3 = '' OR location_name = $3)
ORDER BY name;

-- name: count_blueprints
-- How many blueprints of a kind a colony has, at one location or (NULL) anywhere.
-- $1 colony_name, $2 kind, $3 location_name or NULL
SELECT count(*) FROM blueprints
WHERE colony_name = $1 AND kind = $2 AND ($3::text IS NULL OR location_name = $3);

-- name: update_blueprint
-- $1 blueprint_id, $2 kind, $3 location_name, $4 metadata, $5 spec, $6 status
UPDATE blueprints SET kind = $2, location_name = $3, metadata = $4, spec = $5, status = $6
WHERE blueprint_id = $1;

-- name: set_blueprint_status
-- Replace the status only. $1 colony_name, $2 name, $3 status
UPDATE blueprints SET status = $3 WHERE colony_name = $1 AND name = $2;

-- name: delete_blueprint
-- $1 blueprint_id
DELETE FROM blueprints WHERE blueprint_id = $1;

-- name: insert_blueprint_history
-- $1 history_id, $2 blueprint_id, $3 colony_name, $4 kind, $5 name, $6 generation, $7 spec,
-- $8 status, $9 ts, $10 changed_by, $11 change_type
INSERT INTO blueprint_history (history_id, blueprint_id, colony_name, kind, name, generation,
                               spec, status, ts, changed_by, change_type)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: list_blueprint_history
-- Newest first. $1 blueprint_id, $2 limit or NULL for all
SELECT * FROM blueprint_history WHERE blueprint_id = $1 ORDER BY seq DESC LIMIT $2;

-- name: blueprint_history_colony
-- The colony of a blueprint that may be gone, from its latest history entry. $1 blueprint_id
SELECT colony_name FROM blueprint_history WHERE blueprint_id = $1 ORDER BY seq DESC LIMIT 1;
