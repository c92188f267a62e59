-- name: insert_audit_entries
-- Append a batch of audit entries in one statement: one array per column, same length.
-- $1 ts[], $2 caller_id[], $3 caller_role[], $4 caller_name[], $5 payload_type[],
-- $6 colony_name[], $7 target[], $8 status[]
INSERT INTO audit_log (ts, caller_id, caller_role, caller_name, payload_type, colony_name,
                       target, status)
SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[],
                     $6::text[], $7::text[], $8::integer[]);

-- name: audit_entry_position
-- Where an entry sits in the newest-first order (the paging cursor).
-- $1 seq
SELECT ts, seq FROM audit_log WHERE seq = $1;

-- name: colony_audit
-- A colony's entries before a position, newest first (index audit_log_colony_ts).
-- $1 colony_name, $2 before ts, $3 before seq, $4 since, $5 payload_type ('' = any), $6 count
SELECT * FROM audit_log
WHERE colony_name = $1 AND (ts, seq) < ($2, $3) AND ts >= $4 AND ($5 = '' OR payload_type = $5)
ORDER BY ts DESC, seq DESC LIMIT $6;

-- name: all_audit
-- Every colony's entries before a position, newest first (index audit_log_ts).
-- $1 before ts, $2 before seq, $3 since, $4 payload_type ('' = any), $5 count
SELECT * FROM audit_log
WHERE (ts, seq) < ($1, $2) AND ts >= $3 AND ($4 = '' OR payload_type = $4)
ORDER BY ts DESC, seq DESC LIMIT $5;

-- name: allow_audit_retention
-- Lets this transaction delete audit entries (the table's trigger refuses it otherwise).
SELECT set_config('colonies.audit_retention', 'on', true);

-- name: delete_audit_before
-- Retention: every audit entry older than a time (only after allow_audit_retention).
-- $1 cutoff
DELETE FROM audit_log WHERE ts < $1;
