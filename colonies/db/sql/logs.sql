-- name: insert_log
-- Store one entry and add its size to its owner's volume: the process, or for an
-- executor's own entries (no process) the executor. Returns the owner's new volume.
-- The entry belongs to the process's current attempt. The owner's volume row is written
-- first, which holds it until commit: entries of one owner are stamped one after another,
-- each after the last (at least $5, else the last stamp + 1 ns), so their stamps rise in
-- the order they commit and a reader paging by time misses none.
-- $1 colony_name, $2 process_id, $3 executor_name, $4 message, $5 ts (unix ns), $6 added
WITH volume AS (
    INSERT INTO log_volumes AS v (colony_name, process_id, executor_name, bytes, last_ts)
    VALUES ($1, $2, CASE WHEN $2 = '' THEN $3 ELSE '' END, octet_length($4), $5)
    ON CONFLICT (colony_name, process_id, executor_name) DO UPDATE
    SET bytes = v.bytes + excluded.bytes, last_ts = greatest(excluded.last_ts, v.last_ts + 1)
    RETURNING bytes, last_ts
), entry AS (
    INSERT INTO logs (colony_name, process_id, executor_name, message, ts, added, attempt)
    SELECT $1, $2, $3, $4, volume.last_ts, $6,
           coalesce((SELECT attempt FROM processes WHERE process_id = $2 AND $2 <> ''), 0)
    FROM volume
)
SELECT bytes FROM volume;

-- name: trim_process_logs
-- Drop the oldest entries of a process until the rest fit in $2 bytes (the newest always
-- stays), and record the volume kept, counted from the rows: a count left high by
-- retention heals here. What goes is everything up to the newest entry that does not fit.
-- $1 process_id, $2 bytes to keep
WITH entries AS (
    SELECT ts, log_seq, octet_length(message) AS size,
           sum(octet_length(message)) OVER (ORDER BY ts DESC, log_seq DESC) AS upto
    FROM logs WHERE process_id = $1
), cut AS (
    SELECT ts, log_seq FROM entries WHERE upto - size >= $2
    ORDER BY ts DESC, log_seq DESC LIMIT 1
), dropped AS (
    DELETE FROM logs l USING cut
    WHERE l.process_id = $1 AND l.ts <= cut.ts AND (l.ts, l.log_seq) <= (cut.ts, cut.log_seq)
)
UPDATE log_volumes
SET bytes = (SELECT coalesce(sum(size), 0) FROM entries WHERE upto - size < $2)
WHERE process_id = $1 AND executor_name = '';

-- name: trim_executor_logs
-- As trim_process_logs, for an executor's own entries (those without a process).
-- $1 colony_name, $2 executor_name, $3 bytes to keep
WITH entries AS (
    SELECT ts, log_seq, octet_length(message) AS size,
           sum(octet_length(message)) OVER (ORDER BY ts DESC, log_seq DESC) AS upto
    FROM logs WHERE executor_name = $2 AND process_id = '' AND colony_name = $1
), cut AS (
    SELECT ts, log_seq FROM entries WHERE upto - size >= $3
    ORDER BY ts DESC, log_seq DESC LIMIT 1
), dropped AS (
    DELETE FROM logs l USING cut
    WHERE l.executor_name = $2 AND l.process_id = '' AND l.colony_name = $1
      AND l.ts <= cut.ts AND (l.ts, l.log_seq) <= (cut.ts, cut.log_seq)
)
UPDATE log_volumes
SET bytes = (SELECT coalesce(sum(size), 0) FROM entries WHERE upto - size < $3)
WHERE process_id = '' AND executor_name = $2 AND colony_name = $1;

-- Reads return at most count entries and stop after the entry that reaches $bytes bytes of
-- messages (the first entry always comes): `before` is the size of the entries ahead of a
-- row in reading order.

-- name: process_logs
-- First entries of a process after a timestamp, oldest first (of one attempt unless $5 = 0).
-- $1 process_id, $2 since (unix ns), $3 count, $4 bytes, $5 attempt
SELECT * FROM (
    SELECT *, sum(octet_length(message)) OVER w - octet_length(message) AS before
    FROM logs WHERE process_id = $1 AND ts > $2 AND ($5 = 0 OR attempt = $5)
    WINDOW w AS (ORDER BY ts, log_seq) ORDER BY ts, log_seq LIMIT $3
) t WHERE before < $4 ORDER BY ts, log_seq;

-- name: process_logs_latest
-- The newest entries of a process (of one attempt unless $4 = 0), returned oldest first.
-- $1 process_id, $2 count, $3 bytes, $4 attempt
SELECT * FROM (
    SELECT *, sum(octet_length(message)) OVER w - octet_length(message) AS before
    FROM logs WHERE process_id = $1 AND ($4 = 0 OR attempt = $4)
    WINDOW w AS (ORDER BY ts DESC, log_seq DESC) ORDER BY ts DESC, log_seq DESC LIMIT $2
) t WHERE before < $3 ORDER BY ts, log_seq;

-- name: executor_logs
-- $1 executor_name, $2 since (unix ns), $3 count, $4 bytes
SELECT * FROM (
    SELECT *, sum(octet_length(message)) OVER w - octet_length(message) AS before
    FROM logs WHERE executor_name = $1 AND ts > $2
    WINDOW w AS (ORDER BY ts, log_seq) ORDER BY ts, log_seq LIMIT $3
) t WHERE before < $4 ORDER BY ts, log_seq;

-- name: executor_logs_latest
-- $1 executor_name, $2 count, $3 bytes
SELECT * FROM (
    SELECT *, sum(octet_length(message)) OVER w - octet_length(message) AS before
    FROM logs WHERE executor_name = $1
    WINDOW w AS (ORDER BY ts DESC, log_seq DESC) ORDER BY ts DESC, log_seq DESC LIMIT $2
) t WHERE before < $3 ORDER BY ts, log_seq;

-- name: search_logs
-- Case-sensitive substring search within a time window.
-- $1 colony_name, $2 text, $3 added after, $4 count, $5 bytes
SELECT * FROM (
    SELECT *, sum(octet_length(message)) OVER w - octet_length(message) AS before
    FROM logs WHERE colony_name = $1 AND added > $3 AND strpos(message, $2) > 0
    WINDOW w AS (ORDER BY ts, log_seq) ORDER BY ts, log_seq LIMIT $4
) t WHERE before < $5 ORDER BY ts, log_seq;

-- name: delete_logs_before
-- Retention: every log entry added before a time.
-- $1 cutoff
DELETE FROM logs WHERE added < $1;

-- name: delete_empty_log_volumes
-- Retention: the volumes of owners none of whose entries are left.
DELETE FROM log_volumes v
WHERE (v.process_id <> '' AND NOT EXISTS (SELECT 1 FROM logs l WHERE l.process_id = v.process_id))
   OR (v.process_id = '' AND NOT EXISTS (
        SELECT 1 FROM logs l
        WHERE l.executor_name = v.executor_name AND l.process_id = '' AND l.colony_name = v.colony_name));
