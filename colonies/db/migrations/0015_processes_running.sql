-- The list of a colony's running processes (oldest start first) reads an index instead of
-- sorting every running process.
CREATE INDEX processes_running ON processes (colony_name, start_time) WHERE state = {RUNNING};
