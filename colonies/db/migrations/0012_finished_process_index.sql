-- Lists of finished processes (newest end first) read an index instead of sorting the
-- colony's whole history.
CREATE INDEX processes_finished ON processes (colony_name, state, end_time)
    WHERE state > {RUNNING};
