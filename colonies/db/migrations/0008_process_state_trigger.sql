-- 0008
-- One home for what follows a process state change (issue 15). A trigger announces every
-- change of a process's state on colonies_process as {"c": colony, "t": executor type,
-- "p": process id, "s": state}, which PostgreSQL delivers at commit to every server's
-- LISTEN connection (and never on rollback): a new process that may be assigned (not one
-- held by its parents), a waiting node its parents released, each change of state, and a
-- successful process closed again (its output replaced). Statements change states and
-- nothing else; they no longer build the notification themselves.
-- NOTIFY refuses payloads of 8000 bytes or more: for an executor type too long to name,
-- the notification names the type "*" (every waiter of the colony looks again).
CREATE FUNCTION notify_process_state() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    payload text := json_build_object('c', NEW.colony_name, 't', NEW.executor_type,
                                      'p', NEW.process_id, 's', NEW.state)::text;
BEGIN
    IF octet_length(payload) >= 8000 THEN
        payload := json_build_object('c', NEW.colony_name, 't', '*', 'p', NEW.process_id,
                                     's', NEW.state)::text;
    END IF;
    IF octet_length(payload) < 8000 THEN
        PERFORM pg_notify('colonies_process', payload);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER processes_inserted AFTER INSERT ON processes FOR EACH ROW
    WHEN (NOT NEW.wait_for_parents) EXECUTE FUNCTION notify_process_state();
CREATE TRIGGER processes_state_changed
    AFTER UPDATE OF state, wait_for_parents, end_time ON processes FOR EACH ROW
    WHEN (OLD.state <> NEW.state
          OR (OLD.wait_for_parents AND NOT NEW.wait_for_parents)
          OR (NEW.state = {SUCCESS} AND OLD.end_time <> NEW.end_time))
    EXECUTE FUNCTION notify_process_state();

-- The attributes of a process as objects with the model's field names, so that a row of
-- the view is a Process (Process.model_validate) as it stands.
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

-- Resolve a workflow after one of its processes changed (SEMANTICS §6.3), serialised per
-- graph by the row lock: a FAILED parent fails every process of the graph; otherwise each
-- waiting node whose parents all succeeded is released with their outputs, in parent order,
-- as its input. (The processes trigger announces both.) Then the graph state is derived
-- from its processes. Returns the graph's new state, or NULL if there is no such graph.
CREATE OR REPLACE FUNCTION resolve_graph(gid text, now timestamptz) RETURNS smallint
LANGUAGE plpgsql AS $$
DECLARE
    n_total bigint;
    n_running bigint;
    n_success bigint;
    n_failed bigint;
    n_cancelled bigint;
    new_state smallint;
BEGIN
    PERFORM 1 FROM process_graphs WHERE process_graph_id = gid FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- a failed process with children means some process has a failed parent
    IF EXISTS (SELECT 1 FROM processes
               WHERE process_graph_id = gid AND state = {FAILED} AND cardinality(children) > 0)
    THEN
        -- state only, as the reference; subscribers waiting for FAILED still hear of it
        UPDATE processes SET state = {FAILED} WHERE process_graph_id = gid AND state <> {FAILED};
    ELSE
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
    SELECT count(*), count(*) FILTER (WHERE state = {RUNNING}),
           count(*) FILTER (WHERE state = {SUCCESS}), count(*) FILTER (WHERE state = {FAILED}),
           count(*) FILTER (WHERE state = {CANCELLED})
    INTO n_total, n_running, n_success, n_failed, n_cancelled
    FROM processes WHERE process_graph_id = gid;
    new_state := CASE WHEN n_failed > 0 THEN {FAILED}
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
