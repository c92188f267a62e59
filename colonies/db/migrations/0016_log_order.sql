-- Each owner's log (a process's, or an executor's own) keeps the stamp of its newest entry:
-- a new entry is stamped after it, in the order the entries commit, even when two arrive
-- at once or the server's clock steps back. A reader following a log by time skips none.
ALTER TABLE log_volumes ADD COLUMN last_ts bigint NOT NULL DEFAULT 0;
