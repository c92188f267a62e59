-- How many bytes of log entries each owner holds, so an add can keep a process (or an
-- executor's own entries, process_id '') within COLONIES_MAX_LOG_VOLUME without summing
-- its entries. executor_name is '' for a process's entries.
CREATE TABLE log_volumes (
    colony_name   text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    process_id    text NOT NULL,
    executor_name text NOT NULL,
    bytes         bigint NOT NULL,
    PRIMARY KEY (process_id, executor_name, colony_name)
);
