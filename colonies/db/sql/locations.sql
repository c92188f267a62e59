-- name: insert_location
-- $1 colony_name, $2 name, $3 location_id, $4 description, $5 long, $6 lat
INSERT INTO locations (colony_name, name, location_id, description, long, lat)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: get_location
-- $1 colony_name, $2 name
SELECT * FROM locations WHERE colony_name = $1 AND name = $2;

-- name: list_locations
-- $1 colony_name
SELECT * FROM locations WHERE colony_name = $1 ORDER BY name;

-- name: delete_location
-- $1 colony_name, $2 name
DELETE FROM locations WHERE colony_name = $1 AND name = $2;

-- name: insert_location_if_absent
-- Add a location unless the colony has one of that name; returns a row if it was added.
-- $1 colony_name, $2 name, $3 location_id, $4 description, $5 long, $6 lat
INSERT INTO locations (colony_name, name, location_id, description, long, lat)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (colony_name, name) DO NOTHING
RETURNING name;
