-- name: insert_colony
-- $1 name, $2 colony_id
INSERT INTO colonies (name, colony_id) VALUES ($1, $2);

-- name: get_colony
-- $1 name
SELECT name, colony_id, paused FROM colonies WHERE name = $1;

-- name: list_colonies
SELECT name, colony_id, paused FROM colonies ORDER BY name;

-- name: delete_colony
-- Everything of the colony goes with it through ON DELETE CASCADE.
-- $1 name
DELETE FROM colonies WHERE name = $1;

-- name: set_colony_id
-- $1 name, $2 colony_id
UPDATE colonies SET colony_id = $2 WHERE name = $1;

-- name: set_colony_paused
-- $1 name, $2 paused
UPDATE colonies SET paused = $2 WHERE name = $1;

-- name: colony_statistics
-- Counters of one colony; executors include unregistered ones, as in the reference.
-- $1 name
SELECT (SELECT count(*) FROM executors WHERE colony_name = $1) AS executors,
       (SELECT count(*) FROM executors WHERE colony_name = $1 AND state = {EXECUTOR_APPROVED}) AS active,
       (SELECT count(*) FROM executors WHERE colony_name = $1 AND state = {EXECUTOR_UNREGISTERED}) AS unregistered,
       count(*) FILTER (WHERE state = {WAITING}) AS waiting,
       count(*) FILTER (WHERE state = {RUNNING}) AS running,
       count(*) FILTER (WHERE state = {SUCCESS}) AS successful,
       count(*) FILTER (WHERE state = {FAILED}) AS failed,
       count(*) FILTER (WHERE state = {CANCELLED}) AS cancelled
FROM processes WHERE colony_name = $1;
