-- The audit log: one row per state-changing request (refusals included), written in batches
-- by the server's audit writer. Append-only: UPDATE and TRUNCATE are refused, and DELETE only
-- passes inside a transaction that set colonies.audit_retention (the retention pass). No
-- foreign keys: entries outlive their colony, executor and process.
CREATE TABLE audit_log (
    seq          bigserial PRIMARY KEY,
    ts           timestamptz NOT NULL,
    caller_id    text NOT NULL,
    caller_role  text NOT NULL,
    caller_name  text NOT NULL,
    payload_type text NOT NULL,
    colony_name  text NOT NULL,
    target       text NOT NULL,
    status       integer NOT NULL
);
CREATE INDEX audit_log_colony_ts ON audit_log (colony_name, ts, seq);
CREATE INDEX audit_log_ts ON audit_log (ts, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('colonies.audit_retention', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
