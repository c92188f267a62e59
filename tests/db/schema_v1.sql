-- Version 1 of the schema, frozen: what databases made before the first migration hold.
-- tests/db/test_migrations.py upgrades it with every migration and compares the result
-- with a fresh schema.sql database. Never edit it.

CREATE TABLE schema_migrations (
    version     integer PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

-- One row: the id of the server owner key.
CREATE TABLE server (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    server_id   text NOT NULL
);

CREATE TABLE colonies (
    name        text PRIMARY KEY,
    colony_id   text NOT NULL,
    paused      boolean NOT NULL DEFAULT false
);
CREATE INDEX colonies_colony_id ON colonies (colony_id);

CREATE TABLE users (
    colony_name text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    name        text NOT NULL,
    user_id     text NOT NULL,
    email       text NOT NULL DEFAULT '',
    phone       text NOT NULL DEFAULT '',
    PRIMARY KEY (colony_name, name)
);
CREATE INDEX users_user_id ON users (user_id);

CREATE TABLE executors (
    colony_name          text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    executor_name        text NOT NULL,
    executor_id          text NOT NULL,
    executor_type        text NOT NULL,
    state                smallint NOT NULL,
    require_func_reg     boolean NOT NULL DEFAULT false,
    commission_time      timestamptz NOT NULL,
    last_heard_from_time timestamptz NOT NULL,
    location_name        text NOT NULL DEFAULT '',
    capabilities         jsonb NOT NULL,
    allocations          jsonb NOT NULL,
    blueprint_id         text NOT NULL DEFAULT '',
    blueprint_gen        bigint NOT NULL DEFAULT 0,
    added_seq            bigserial,
    PRIMARY KEY (colony_name, executor_name)
);
CREATE INDEX executors_executor_id ON executors (executor_id, added_seq);
CREATE INDEX executors_last_heard ON executors (last_heard_from_time) WHERE state <> 3;

CREATE TABLE functions (
    function_id   text PRIMARY KEY,
    colony_name   text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    executor_name text NOT NULL,
    executor_type text NOT NULL DEFAULT '',
    func_name     text NOT NULL,
    description   text NOT NULL DEFAULT '',
    args          jsonb,
    counter       bigint NOT NULL DEFAULT 0,
    min_wait_time double precision NOT NULL DEFAULT 0,
    max_wait_time double precision NOT NULL DEFAULT 0,
    min_exec_time double precision NOT NULL DEFAULT 0,
    max_exec_time double precision NOT NULL DEFAULT 0,
    avg_wait_time double precision NOT NULL DEFAULT 0,
    avg_exec_time double precision NOT NULL DEFAULT 0,
    location_name text NOT NULL DEFAULT '',
    added_seq     bigserial
);
CREATE INDEX functions_colony_executor ON functions (colony_name, executor_name, func_name);

-- A process keeps its whole normalised spec as JSON, plus the columns that assignment
-- filters on, so the assign query never opens the JSON.
CREATE TABLE processes (
    process_id           text PRIMARY KEY,
    colony_name          text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    initiator_id         text NOT NULL DEFAULT '',
    initiator_name       text NOT NULL DEFAULT '',
    assigned_executor_id text NOT NULL DEFAULT '',
    is_assigned          boolean NOT NULL DEFAULT false,
    state                smallint NOT NULL DEFAULT 0,
    priority_time        bigint NOT NULL,
    submission_time      timestamptz NOT NULL,
    start_time           timestamptz NOT NULL,
    end_time             timestamptz NOT NULL,
    wait_deadline        timestamptz NOT NULL,
    exec_deadline        timestamptz NOT NULL,
    retries              integer NOT NULL DEFAULT 0,
    spec                 jsonb NOT NULL,
    wait_for_parents     boolean NOT NULL DEFAULT false,
    parents              text[] NOT NULL DEFAULT '{}',
    children             text[] NOT NULL DEFAULT '{}',
    process_graph_id     text NOT NULL DEFAULT '',
    input                jsonb NOT NULL DEFAULT '[]',
    output               jsonb NOT NULL DEFAULT '[]',
    errors               jsonb NOT NULL DEFAULT '[]',
    -- copies of spec fields used in WHERE clauses
    executor_type        text NOT NULL,
    executor_names       text[],
    location_name        text NOT NULL DEFAULT '',
    label                text NOT NULL DEFAULT '',
    func_name            text NOT NULL DEFAULT '',
    max_wait_time        integer NOT NULL DEFAULT 0,
    max_exec_time        integer NOT NULL DEFAULT 0,
    max_retries          integer NOT NULL DEFAULT 0,
    req_cpu              bigint NOT NULL DEFAULT 0,
    req_mem              bigint NOT NULL DEFAULT 0,
    req_storage          bigint NOT NULL DEFAULT 0,
    req_nodes            integer NOT NULL DEFAULT 0,
    req_gpu_name         text NOT NULL DEFAULT '',
    req_gpu_count        integer NOT NULL DEFAULT 0,
    req_gpu_mem          bigint NOT NULL DEFAULT 0
);
-- The assignment index: only assignable rows, in pick order, so claiming the next one costs
-- the same at any queue depth.
CREATE INDEX processes_assignable ON processes (colony_name, executor_type, priority_time)
    WHERE state = 0 AND NOT wait_for_parents;
CREATE INDEX processes_colony_state ON processes (colony_name, state, priority_time);
CREATE INDEX processes_running_deadline ON processes (exec_deadline)
    WHERE state = 1 AND max_exec_time <> -1;
CREATE INDEX processes_waiting_deadline ON processes (wait_deadline)
    WHERE state = 0 AND max_wait_time NOT IN (0, -1);
CREATE INDEX processes_assigned_executor ON processes (assigned_executor_id) WHERE state = 1;
-- Not partial: queries compare with a parameter, which a partial index cannot serve.
CREATE INDEX processes_graph ON processes (process_graph_id);

CREATE TABLE attributes (
    attribute_id            text PRIMARY KEY,
    target_id               text NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    target_colony_name      text NOT NULL DEFAULT '',
    target_process_graph_id text NOT NULL DEFAULT '',
    attribute_type          smallint NOT NULL,
    key                     text NOT NULL,
    value                   text NOT NULL,
    added_seq               bigserial
);
CREATE INDEX attributes_target ON attributes (target_id, added_seq);

CREATE TABLE locations (
    colony_name text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    name        text NOT NULL,
    location_id text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    long        double precision NOT NULL DEFAULT 0,
    lat         double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (colony_name, name)
);

CREATE TABLE logs (
    log_seq       bigserial PRIMARY KEY,
    colony_name   text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    process_id    text NOT NULL DEFAULT '',
    executor_name text NOT NULL DEFAULT '',
    message       text NOT NULL,
    ts            bigint NOT NULL,
    added         timestamptz NOT NULL
);
CREATE INDEX logs_process ON logs (process_id, ts);
CREATE INDEX logs_executor ON logs (executor_name, ts);
CREATE INDEX logs_colony_added ON logs (colony_name, added);


CREATE TABLE process_graphs (
    process_graph_id text PRIMARY KEY,
    colony_name      text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    initiator_id     text NOT NULL DEFAULT '',
    initiator_name   text NOT NULL DEFAULT '',
    root_process_ids text[] NOT NULL DEFAULT '{}',
    process_ids      text[] NOT NULL DEFAULT '{}',
    state            smallint NOT NULL DEFAULT 0,
    submission_time  timestamptz NOT NULL,
    start_time       timestamptz NOT NULL,
    end_time         timestamptz NOT NULL
);
CREATE INDEX process_graphs_colony_state ON process_graphs (colony_name, state, submission_time);

CREATE TABLE crons (
    cron_id                     text PRIMARY KEY,
    colony_name                 text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    name                        text NOT NULL,
    initiator_id                text NOT NULL DEFAULT '',
    initiator_name              text NOT NULL DEFAULT '',
    cron_expression             text NOT NULL DEFAULT '',
    interval                    integer NOT NULL DEFAULT 0,
    random                      boolean NOT NULL DEFAULT false,
    next_run                    timestamptz NOT NULL,
    last_run                    timestamptz NOT NULL,
    workflow_spec               text NOT NULL,
    prev_process_graph_id       text NOT NULL DEFAULT '',
    wait_for_prev_process_graph boolean NOT NULL DEFAULT false,
    -- start of the current interval window, for random interval crons
    window_start                timestamptz NOT NULL DEFAULT '0001-01-01 00:00:00+00',
    UNIQUE (colony_name, name)
);
CREATE INDEX crons_next_run ON crons (next_run);

CREATE TABLE generators (
    generator_id   text PRIMARY KEY,
    colony_name    text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    name           text NOT NULL,
    initiator_id   text NOT NULL DEFAULT '',
    initiator_name text NOT NULL DEFAULT '',
    workflow_spec  text NOT NULL,
    trigger        integer NOT NULL,
    timeout        integer NOT NULL DEFAULT 0,
    first_pack     timestamptz NOT NULL,
    last_run       timestamptz NOT NULL,
    UNIQUE (colony_name, name)
);

CREATE TABLE generator_args (
    seq          bigserial PRIMARY KEY,
    generator_id text NOT NULL REFERENCES generators (generator_id) ON DELETE CASCADE,
    arg          text NOT NULL,
    added        timestamptz NOT NULL
);
CREATE INDEX generator_args_generator ON generator_args (generator_id, seq);

-- Channels (SEMANTICS §15): one row per (process, channel) that has entries. Appends
-- increment size under the row lock, so entry indexes are 0..size-1 without gaps.
CREATE TABLE channels (
    process_id text NOT NULL REFERENCES processes (process_id) ON DELETE CASCADE,
    name       text NOT NULL,
    size       integer NOT NULL,
    PRIMARY KEY (process_id, name)
);

CREATE TABLE channel_entries (
    process_id  text NOT NULL,
    name        text NOT NULL,
    idx         integer NOT NULL,
    sequence    bigint NOT NULL,
    in_reply_to bigint NOT NULL DEFAULT 0,
    ts          timestamptz NOT NULL,
    sender_id   text NOT NULL,
    payload     bytea NOT NULL,
    entry_type  text NOT NULL,
    PRIMARY KEY (process_id, name, idx),
    FOREIGN KEY (process_id, name) REFERENCES channels (process_id, name) ON DELETE CASCADE
);

-- Resolve a workflow after one of its processes changed (SEMANTICS §6.3), serialised per
-- graph by the row lock: a FAILED parent fails every process of the graph; otherwise each
-- waiting node whose parents all succeeded is released with their outputs, in parent order,
-- as its input (and assigns are woken). Then the graph state is derived from its processes.
-- Returns the graph's new state, or NULL if there is no such graph.
CREATE FUNCTION resolve_graph(gid text, now timestamptz) RETURNS smallint
LANGUAGE plpgsql AS $$
DECLARE
    r record;
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
               WHERE process_graph_id = gid AND state = 3 AND cardinality(children) > 0) THEN
        -- state only, as the reference; subscribers waiting for FAILED still hear of it
        FOR r IN
            UPDATE processes SET state = 3 WHERE process_graph_id = gid AND state <> 3
            RETURNING process_id, colony_name, executor_type
        LOOP
            PERFORM pg_notify('colonies_process', json_build_object('c', r.colony_name,
                't', r.executor_type, 'p', r.process_id, 's', 3)::text);
        END LOOP;
    ELSE
        FOR r IN
            WITH ready AS (
                SELECT c.process_id, c.parents FROM processes c
                WHERE c.process_graph_id = gid AND c.wait_for_parents AND c.state = 0
                  AND NOT EXISTS (SELECT 1 FROM processes p
                                  WHERE p.process_id = ANY (c.parents) AND p.state <> 2)
            )
            UPDATE processes c SET wait_for_parents = false, input = (
                SELECT coalesce(jsonb_agg(x.o ORDER BY array_position(ready.parents, p.process_id),
                                          x.i), '[]'::jsonb)
                FROM processes p
                CROSS JOIN LATERAL jsonb_array_elements(p.output) WITH ORDINALITY AS x(o, i)
                WHERE p.process_id = ANY (ready.parents))
            FROM ready WHERE c.process_id = ready.process_id
            RETURNING c.process_id, c.colony_name, c.executor_type
        LOOP
            PERFORM pg_notify('colonies_process', json_build_object('c', r.colony_name,
                't', r.executor_type, 'p', r.process_id, 's', 0)::text);
        END LOOP;
    END IF;
    SELECT count(*), count(*) FILTER (WHERE state = 1), count(*) FILTER (WHERE state = 2),
           count(*) FILTER (WHERE state = 3), count(*) FILTER (WHERE state = 4)
    INTO n_total, n_running, n_success, n_failed, n_cancelled
    FROM processes WHERE process_graph_id = gid;
    new_state := CASE WHEN n_failed > 0 THEN 3
                      WHEN n_cancelled > 0 THEN 4
                      WHEN n_total > 0 AND n_success = n_total THEN 2
                      WHEN n_success + n_running > 0 THEN 1
                      ELSE 0 END;
    UPDATE process_graphs SET state = new_state,
        start_time = CASE WHEN new_state <> 0 AND start_time < '0001-01-02' THEN now
                          ELSE start_time END,
        end_time = CASE WHEN new_state IN (2, 3, 4) AND end_time < '0001-01-02' THEN now
                        ELSE end_time END
    WHERE process_graph_id = gid;
    RETURN new_state;
END $$;

-- Colonies FS (FS.md): one row per file revision; sequence_nr is one global sequence, so
-- the latest revision of a name is its highest sequence_nr. ref is the S3 reference object.
CREATE TABLE files (
    file_id      text PRIMARY KEY,
    colony_name  text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    label        text NOT NULL,
    name         text NOT NULL,
    size         bigint NOT NULL DEFAULT 0,
    sequence_nr  bigserial,
    checksum     text NOT NULL DEFAULT '',
    checksum_alg text NOT NULL DEFAULT '',
    ref          jsonb NOT NULL,
    added        timestamptz NOT NULL
);
CREATE INDEX files_label_name ON files (colony_name, label, name, sequence_nr);

-- Snapshots: file_ids NULL when the label had no files (as the reference answers).
CREATE TABLE snapshots (
    snapshot_id text PRIMARY KEY,
    colony_name text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    label       text NOT NULL,
    name        text NOT NULL,
    file_ids    text[],
    added       timestamptz NOT NULL,
    UNIQUE (colony_name, name)
);
CREATE INDEX snapshots_colony_added ON snapshots (colony_name, added);

-- A process with its attributes as JSON rows: [attribute_id, target_colony_name,
-- target_process_graph_id, attribute_type, key, value]. Stores read processes through it.
CREATE VIEW process_view AS
SELECT p.*,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(a.attribute_id, a.target_colony_name,
                                  a.target_process_graph_id, a.attribute_type, a.key, a.value)
                                  ORDER BY a.added_seq), '[]'::jsonb)
        FROM attributes a WHERE a.target_id = p.process_id) AS attrs
FROM processes p;

-- Servers cache who is a member of which colony; any change to the rows that decide it
-- tells every server to drop that cache. (last_heard_from_time changes on every assign
-- and decides nothing, so executor updates only count for the columns listed.)
CREATE FUNCTION notify_membership_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('colonies_membership', '');
    RETURN NULL;
END $$;
CREATE TRIGGER colonies_membership AFTER INSERT OR UPDATE OR DELETE ON colonies
    FOR EACH STATEMENT EXECUTE FUNCTION notify_membership_changed();
CREATE TRIGGER users_membership AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_membership_changed();
CREATE TRIGGER executors_membership AFTER INSERT OR DELETE ON executors
    FOR EACH STATEMENT EXECUTE FUNCTION notify_membership_changed();
CREATE TRIGGER executors_membership_update
    AFTER UPDATE OF executor_id, executor_type, state, location_name, capabilities, colony_name
    ON executors FOR EACH STATEMENT EXECUTE FUNCTION notify_membership_changed();

INSERT INTO schema_migrations (version) VALUES (1);
