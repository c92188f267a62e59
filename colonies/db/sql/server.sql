-- name: get_server_id
-- The stored id of the server owner.
SELECT server_id FROM server;

-- name: set_server_id
-- Record the server owner id (first start, or changeserveridmsg).
-- $1 server_id
INSERT INTO server (singleton, server_id) VALUES (true, $1)
ON CONFLICT (singleton) DO UPDATE SET server_id = excluded.server_id;

-- name: caller_in_colony
-- Everything authorization needs about a caller and a colony, in one round trip.
-- Executors are matched by id across all colonies (first registered wins, as in the reference).
-- $1 caller_id, $2 colony_name
SELECT c.name IS NOT NULL AS colony_exists, c.colony_id, c.paused,
       e.executor_name, e.executor_type, e.state AS executor_state, e.colony_name AS executor_colony,
       e.location_name AS executor_location, e.capabilities AS executor_capabilities,
       u.name AS user_name
FROM (SELECT 1) AS one
LEFT JOIN colonies c ON c.name = $2
LEFT JOIN LATERAL (
    SELECT * FROM executors WHERE executor_id = $1 ORDER BY added_seq LIMIT 1
) e ON true
LEFT JOIN users u ON u.user_id = $1 AND u.colony_name = $2;

-- name: server_statistics
-- Server-wide counters; executors exclude unregistered ones.
SELECT (SELECT count(*) FROM colonies) AS colonies,
       (SELECT count(*) FROM executors WHERE state <> {EXECUTOR_UNREGISTERED}) AS executors,
       count(*) FILTER (WHERE state = {WAITING}) AS waiting,
       count(*) FILTER (WHERE state = {RUNNING}) AS running,
       count(*) FILTER (WHERE state = {SUCCESS}) AS successful,
       count(*) FILTER (WHERE state = {FAILED}) AS failed
FROM processes;

-- name: process_counts_by_state
-- Processes per state across all colonies (metrics).
SELECT state, count(*) AS n FROM processes GROUP BY state;

-- name: try_xact_lock
-- Leader election for one pass of a background job: held until the transaction ends.
-- $1 lock key
SELECT pg_try_advisory_xact_lock($1);

-- name: database_status
-- The newest schema migration applied, and what PostgreSQL says about itself and its size.
SELECT (SELECT max(version) FROM schema_migrations) AS schema_version,
       current_database() AS database_name,
       current_setting('server_version') AS postgres_version,
       pg_database_size(current_database()) AS size;
