-- 0009
-- Retries with history, failure policies and reruns of workflows (issue 13, items 1-4).
-- attempt: the number of the process's current (or last) attempt, from 1; run_attempt: the
-- attempt its current run started with (a workflow rerun starts a new run, whose retry
-- policy counts again); not_before: a retried process waits out its backoff until then
-- (NULL: none; the deadline pass clears it when due, which puts it back in the assign
-- index); cascade_cause / cascade_state: the failed process whose failure made this one
-- fail (fail-fast) or be skipped (continue), and this one's state before, for a rerun.
ALTER TABLE processes
    ADD COLUMN attempt integer NOT NULL DEFAULT 1,
    ADD COLUMN run_attempt integer NOT NULL DEFAULT 1,
    ADD COLUMN not_before timestamptz,
    ADD COLUMN cascade_cause text NOT NULL DEFAULT '',
    ADD COLUMN cascade_state smallint;
DROP INDEX processes_assignable;
CREATE INDEX processes_assignable ON processes (colony_name, executor_type, priority_time)
    WHERE state = {WAITING} AND NOT wait_for_parents AND not_before IS NULL;
CREATE INDEX processes_not_before ON processes (not_before) WHERE not_before IS NOT NULL;

-- The kept attempts of a process (every one but its current, which is the process row).
CREATE TABLE process_attempts (
    process_id    text NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    attempt       integer NOT NULL,
    executor_id   text NOT NULL DEFAULT '',
    executor_name text NOT NULL DEFAULT '',
    state         smallint NOT NULL,
    start_time    timestamptz NOT NULL,
    end_time      timestamptz NOT NULL,
    errors        jsonb NOT NULL DEFAULT '[]',
    ended_by      text NOT NULL DEFAULT '',
    attributes    jsonb NOT NULL DEFAULT '[]',
    backoff_until timestamptz,
    PRIMARY KEY (process_id, attempt)
);

-- Each log entry of a process belongs to the attempt that wrote it (0: an executor's own).
ALTER TABLE logs ADD COLUMN attempt integer NOT NULL DEFAULT 0;

ALTER TABLE process_graphs ADD COLUMN failure_policy text NOT NULL DEFAULT '';

-- A retried process whose backoff ended is announced like a released node.
DROP TRIGGER processes_state_changed ON processes;
CREATE TRIGGER processes_state_changed
    AFTER UPDATE OF state, wait_for_parents, end_time, not_before ON processes FOR EACH ROW
    WHEN (OLD.state <> NEW.state
          OR (OLD.wait_for_parents AND NOT NEW.wait_for_parents)
          OR (NEW.state = {SUCCESS} AND OLD.end_time <> NEW.end_time)
          OR (OLD.not_before IS NOT NULL AND NEW.not_before IS NULL))
    EXECUTE FUNCTION notify_process_state();

DROP VIEW process_view;
CREATE VIEW process_view AS
SELECT p.*,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('attribute_id', a.attribute_id,
                                  'target_id', a.target_id,
                                  'target_colony_name', a.target_colony_name,
                                  'target_process_graph_id', a.target_process_graph_id,
                                  'state', p.state, 'attribute_type', a.attribute_type,
                                  'key', a.key, 'value', a.value) ORDER BY a.added_seq),
                         '[]'::jsonb)
        FROM attributes a WHERE a.target_id = p.process_id) AS attributes
FROM processes p;

-- The current attempt of each process, as a process_attempts row would keep it: its
-- executor, times, errors and own attributes (not the env ones its spec gave).
CREATE VIEW attempt_view AS
SELECT p.process_id, p.attempt, p.assigned_executor_id AS executor_id,
       coalesce((SELECT e.executor_name FROM executors e
                 WHERE e.executor_id = p.assigned_executor_id AND p.assigned_executor_id <> ''
                 ORDER BY e.added_seq DESC LIMIT 1), '') AS executor_name,
       p.state, p.start_time, p.end_time, p.errors, ''::text AS ended_by,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('attribute_id', a.attribute_id,
                                  'target_id', a.target_id,
                                  'target_colony_name', a.target_colony_name,
                                  'target_process_graph_id', a.target_process_graph_id,
                                  'state', p.state, 'attribute_type', a.attribute_type,
                                  'key', a.key, 'value', a.value) ORDER BY a.added_seq),
                         '[]'::jsonb)
        FROM attributes a
        WHERE a.target_id = p.process_id AND a.attribute_type <> {ATTRIBUTE_ENV}) AS attributes,
       NULL::timestamptz AS backoff_until
FROM processes p;

-- Resolve a workflow after one of its processes changed (SEMANTICS §6.3), serialised per
-- graph by the row lock. Fail-fast (the reference, failure_policy ''): a FAILED parent fails
-- every process of the graph, state only (cascade_* remember the state before and the
-- failed process, for a rerun). Continue: the waiting descendants of a failed node are
-- skipped: CANCELLED, with an error naming the failed ancestor. Otherwise (and always under
-- continue) each waiting node whose parents all succeeded is released with their outputs,
-- in parent order, as its input. (The processes trigger announces all of it.) Then the
-- graph state is derived from its processes; under continue it is final only once nothing
-- waits or runs. Returns the graph's new state, or NULL if there is no such graph.
CREATE OR REPLACE FUNCTION resolve_graph(gid text, now timestamptz) RETURNS smallint
LANGUAGE plpgsql AS $$
DECLARE
    policy text;
    release boolean := true;
    n_total bigint;
    n_waiting bigint;
    n_running bigint;
    n_success bigint;
    n_failed bigint;
    n_cancelled bigint;
    new_state smallint;
BEGIN
    SELECT failure_policy INTO policy FROM process_graphs
    WHERE process_graph_id = gid FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF policy = 'continue' THEN
        WITH RECURSIVE below(process_id, cause) AS (
            SELECT unnest(f.children), f.process_id FROM processes f
            WHERE f.process_graph_id = gid AND f.state = {FAILED} AND f.cascade_cause = ''
              AND EXISTS (SELECT 1 FROM processes c
                          WHERE c.process_id = ANY (f.children) AND c.state = {WAITING})
            UNION
            SELECT unnest(c.children), below.cause FROM processes c
            JOIN below ON c.process_id = below.process_id
        ), nearest AS (
            SELECT DISTINCT ON (below.process_id) below.process_id, f.process_id AS cause,
                   coalesce(nullif(f.spec->>'nodename', ''), f.process_id) AS node
            FROM below JOIN processes f ON f.process_id = below.cause
            ORDER BY below.process_id, f.end_time, f.process_id
        )
        UPDATE processes c SET state = {CANCELLED}, end_time = now, cascade_state = c.state,
            cascade_cause = nearest.cause,
            errors = jsonb_build_array('Skipped: ancestor ' || nearest.node || ' (process '
                                       || nearest.cause || ') failed')
        FROM nearest WHERE c.process_id = nearest.process_id AND c.state = {WAITING};
    ELSIF EXISTS (SELECT 1 FROM processes
                  WHERE process_graph_id = gid AND state = {FAILED} AND cardinality(children) > 0)
    THEN
        release := false;
        -- state only, as the reference; subscribers waiting for FAILED still hear of it
        UPDATE processes SET state = {FAILED}, cascade_state = state, cascade_cause = coalesce(
            (SELECT f.process_id FROM processes f
             WHERE f.process_graph_id = gid AND f.state = {FAILED} AND f.cascade_cause = ''
             ORDER BY cardinality(f.children) = 0, f.end_time, f.process_id LIMIT 1), '')
        WHERE process_graph_id = gid AND state <> {FAILED};
    END IF;
    IF release THEN
        WITH ready AS (
            SELECT c.process_id, c.parents FROM processes c
            WHERE c.process_graph_id = gid AND c.wait_for_parents AND c.state = {WAITING}
              AND NOT EXISTS (SELECT 1 FROM processes p
                              WHERE p.process_id = ANY (c.parents) AND p.state <> {SUCCESS})
        )
        UPDATE processes c SET wait_for_parents = false, input = (
            SELECT coalesce(jsonb_agg(x.o ORDER BY array_position(ready.parents, p.process_id),
                                      x.i), '[]'::jsonb)
            FROM processes p
            CROSS JOIN LATERAL jsonb_array_elements(p.output) WITH ORDINALITY AS x(o, i)
            WHERE p.process_id = ANY (ready.parents))
        FROM ready WHERE c.process_id = ready.process_id;
    END IF;
    SELECT count(*), count(*) FILTER (WHERE state = {WAITING}),
           count(*) FILTER (WHERE state = {RUNNING}),
           count(*) FILTER (WHERE state = {SUCCESS}), count(*) FILTER (WHERE state = {FAILED}),
           count(*) FILTER (WHERE state = {CANCELLED})
    INTO n_total, n_waiting, n_running, n_success, n_failed, n_cancelled
    FROM processes WHERE process_graph_id = gid;
    new_state := CASE WHEN policy = 'continue' AND n_waiting + n_running > 0
                           THEN CASE WHEN n_waiting < n_total THEN {RUNNING} ELSE {WAITING} END
                      WHEN n_failed > 0 THEN {FAILED}
                      WHEN n_cancelled > 0 THEN {CANCELLED}
                      WHEN n_total > 0 AND n_success = n_total THEN {SUCCESS}
                      WHEN n_success + n_running > 0 THEN {RUNNING}
                      ELSE {WAITING} END;
    UPDATE process_graphs SET state = new_state,
        start_time = CASE WHEN new_state <> {WAITING} AND start_time < '0001-01-02' THEN now
                          ELSE start_time END,
        end_time = CASE WHEN new_state IN ({SUCCESS}, {FAILED}, {CANCELLED})
                             AND end_time < '0001-01-02' THEN now
                        ELSE end_time END
    WHERE process_graph_id = gid;
    RETURN new_state;
END $$;
