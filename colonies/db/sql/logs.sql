-- name: insert_log
-- $1 colony_name, $2 process_id, $3 executor_name, $4 message, $5 ts (unix ns), $6 added
INSERT INTO logs (colony_name, process_id, executor_name, message, ts, added)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: process_logs
-- First entries of a process after a timestamp, oldest first.
-- $1 process_id, $2 since (unix ns), $3 count
SELECT * FROM logs WHERE process_id = $1 AND ts > $2 ORDER BY ts, log_seq LIMIT $3;

-- name: process_logs_latest
-- The newest entries of a process, returned oldest first.
-- $1 process_id, $2 count
SELECT * FROM (SELECT * FROM logs WHERE process_id = $1 ORDER BY ts DESC, log_seq DESC LIMIT $2) t
ORDER BY ts, log_seq;

-- name: executor_logs
-- $1 executor_name, $2 since (unix ns), $3 count
SELECT * FROM logs WHERE executor_name = $1 AND ts > $2 ORDER BY ts, log_seq LIMIT $3;

-- name: executor_logs_latest
-- $1 executor_name, $2 count
SELECT * FROM (SELECT * FROM logs WHERE executor_name = $1 ORDER BY ts DESC, log_seq DESC LIMIT $2) t
ORDER BY ts, log_seq;

-- name: search_logs
-- Case-sensitive substring search within a time window.
-- $1 colony_name, $2 text, $3 added after, $4 count
SELECT * FROM logs WHERE colony_name = $1 AND added > $3 AND strpos(message, $2) > 0
ORDER BY ts LIMIT $4;

-- name: delete_logs_before
-- Retention: every log entry added before a time.
-- $1 cutoff
DELETE FROM logs WHERE added < $1;
