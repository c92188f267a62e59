-- The whole current schema of a colonies database, applied to fresh databases.
-- Upgrades of existing databases are the numbered files in migrations/.

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
CREATE INDEX executors_last_heard ON executors (last_heard_from_time) WHERE state <> {EXECUTOR_UNREGISTERED};

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

-- What the processes of a function used: their resource reports (the attribute
-- 'resources' a back end adds) summed per function (Function.resources).
CREATE TABLE function_resources (
    function_id      text PRIMARY KEY REFERENCES functions (function_id) ON DELETE CASCADE,
    reports          bigint NOT NULL DEFAULT 0,
    wall_seconds     double precision NOT NULL DEFAULT 0,
    cpu_seconds      double precision NOT NULL DEFAULT 0,
    peak_mem_max     bigint NOT NULL DEFAULT 0,
    staged_in_bytes  bigint NOT NULL DEFAULT 0,
    staged_out_bytes bigint NOT NULL DEFAULT 0
);

-- A process keeps its whole normalised spec as JSON, plus the columns that assignment
-- filters on, so the assign query never opens the JSON.
CREATE TABLE processes (
    process_id           text PRIMARY KEY,
    colony_name          text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    initiator_id         text NOT NULL DEFAULT '',
    initiator_name       text NOT NULL DEFAULT '',
    assigned_executor_id text NOT NULL DEFAULT '',
    is_assigned          boolean NOT NULL DEFAULT false,
    state                smallint NOT NULL DEFAULT {WAITING},
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
    req_gpu_mem          bigint NOT NULL DEFAULT 0,
    -- an unconfirmed delivery: the process waits again after this time (NULL: none pending)
    delivery_deadline    timestamptz,
    -- the client's id of the submit, so that a retried submit finds its first process
    request_id           text NOT NULL DEFAULT '',
    -- 0009: the current (or last) attempt, from 1, and the one the current run started with
    attempt              integer NOT NULL DEFAULT 1,
    run_attempt          integer NOT NULL DEFAULT 1,
    -- a retried process waits out its backoff until then (NULL: none)
    not_before           timestamptz,
    -- the failed process whose failure failed (fail-fast) or skipped (continue) this one,
    -- and this one's state before it, for a rerun
    cascade_cause        text NOT NULL DEFAULT '',
    cascade_state        smallint,
    -- caching (core/caching.py): what the result depends on ('' while unknown or without
    -- caching); closed at once with the output of process cached_from
    cache_key            text NOT NULL DEFAULT '',
    cache_hit            boolean NOT NULL DEFAULT false,
    cached_from          text NOT NULL DEFAULT ''
);
-- The assignment index: only assignable rows, in pick order, so claiming the next one costs
-- the same at any queue depth.
CREATE INDEX processes_assignable ON processes (colony_name, executor_type, priority_time)
    WHERE state = {WAITING} AND NOT wait_for_parents AND not_before IS NULL;
CREATE INDEX processes_not_before ON processes (not_before) WHERE not_before IS NOT NULL;
CREATE INDEX processes_colony_state ON processes (colony_name, state, priority_time);
CREATE INDEX processes_finished ON processes (colony_name, state, end_time)
    WHERE state > {RUNNING};
CREATE INDEX processes_running_deadline ON processes (exec_deadline)
    WHERE state = {RUNNING} AND max_exec_time <> -1;
CREATE INDEX processes_waiting_deadline ON processes (wait_deadline)
    WHERE state = {WAITING} AND max_wait_time NOT IN (0, -1);
CREATE INDEX processes_assigned_executor ON processes (assigned_executor_id) WHERE state = {RUNNING};
CREATE INDEX processes_delivery_deadline ON processes (delivery_deadline)
    WHERE state = {RUNNING} AND delivery_deadline IS NOT NULL;
CREATE UNIQUE INDEX processes_request_id ON processes (initiator_id, request_id)
    WHERE request_id <> '';
-- Not partial: queries compare with a parameter, which a partial index cannot serve.
CREATE INDEX processes_graph ON processes (process_graph_id);
-- Earlier results by key, newest first (runs, not hits: a result is as old as its run).
CREATE INDEX processes_cache ON processes (colony_name, cache_key, end_time)
    WHERE state = {SUCCESS} AND cache_key <> '' AND NOT cache_hit;
-- Workflow nodes that ask for caching and wait for their key (released, not yet checked).
CREATE INDEX processes_cache_pending ON processes (process_graph_id)
    WHERE state = {WAITING} AND cache_key = '' AND spec @> '{"cache": {"enabled": true}}';

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
    added         timestamptz NOT NULL,
    -- the attempt of the process that wrote it (0: an executor's own entry)
    attempt       integer NOT NULL DEFAULT 0
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
    state            smallint NOT NULL DEFAULT {WAITING},
    submission_time  timestamptz NOT NULL,
    start_time       timestamptz NOT NULL,
    end_time         timestamptz NOT NULL,
    request_id       text NOT NULL DEFAULT '',
    -- '' (fail-fast, the reference's) or 'continue'
    failure_policy   text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX process_graphs_request_id ON process_graphs (initiator_id, request_id)
    WHERE request_id <> '';
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
-- graph by the row lock. Fail-fast (the reference, failure_policy ''): a FAILED parent fails
-- every process of the graph, state only (cascade_* remember the state before and the
-- failed process, for a rerun). Continue: the waiting descendants of a failed node are
-- skipped: CANCELLED, with an error naming the failed ancestor. Otherwise (and always under
-- continue) each waiting node whose parents all succeeded is released with their outputs,
-- in parent order, as its input. (The processes trigger announces all of it.) Then the
-- graph state is derived from its processes; under continue it is final only once nothing
-- waits or runs. Returns the graph's new state, or NULL if there is no such graph.
CREATE FUNCTION resolve_graph(gid text, now timestamptz) RETURNS smallint
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

-- Blueprints (SEMANTICS §14). No foreign key to colonies: blueprints and their definitions
-- outlive their colony, as in the reference (SEMANTICS §16). Each object is kept as its wire
-- JSON parts; the columns beside them are what queries filter on.
CREATE TABLE blueprint_definitions (
    blueprint_definition_id text PRIMARY KEY,
    colony_name             text NOT NULL,
    name                    text NOT NULL,
    kind                    text NOT NULL,
    -- spec.names.kind: the kind its blueprints name
    names_kind              text NOT NULL,
    metadata                jsonb NOT NULL,
    spec                    jsonb NOT NULL,
    UNIQUE (colony_name, name),
    UNIQUE (colony_name, names_kind)
);

CREATE TABLE blueprints (
    blueprint_id  text PRIMARY KEY,
    colony_name   text NOT NULL,
    name          text NOT NULL,
    kind          text NOT NULL,
    location_name text NOT NULL DEFAULT '',
    metadata      jsonb NOT NULL,
    spec          jsonb NOT NULL,
    status        jsonb NOT NULL,
    UNIQUE (colony_name, name)
);
CREATE INDEX blueprints_kind_location ON blueprints (colony_name, kind, location_name);

-- Kept after the blueprint is removed (its last entry is the "delete").
CREATE TABLE blueprint_history (
    seq          bigserial PRIMARY KEY,
    history_id   text NOT NULL UNIQUE,
    blueprint_id text NOT NULL,
    colony_name  text NOT NULL,
    kind         text NOT NULL,
    name         text NOT NULL,
    generation   bigint NOT NULL,
    spec         jsonb NOT NULL,
    status       jsonb NOT NULL,
    ts           timestamptz NOT NULL,
    changed_by   text NOT NULL,
    change_type  text NOT NULL
);
CREATE INDEX blueprint_history_blueprint ON blueprint_history (blueprint_id, seq);

-- A process with its attributes as objects with the model's field names: a row of the view
-- is a Process as it stands (Process.model_validate). Stores read processes through it.
-- (Its p.* is expanded when it is made: a migration adding a column makes it again.)
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

INSERT INTO schema_migrations (version) VALUES (1), (2), (6);

-- Enrollment tickets: a colony owner's permission for new executors of one type to register
-- and be approved with their own keys. Only a hash of each token's secret is kept.
CREATE TABLE executor_tickets (
    ticket_id     text PRIMARY KEY,
    colony_name   text NOT NULL REFERENCES colonies (name) ON DELETE CASCADE,
    secret_hash   text NOT NULL,
    executor_type text NOT NULL,
    name_prefix   text NOT NULL DEFAULT '',
    uses          bigint NOT NULL,
    used          bigint NOT NULL DEFAULT 0,
    expires       timestamptz NOT NULL,
    revoked       boolean NOT NULL DEFAULT false,
    created       timestamptz NOT NULL,
    added_seq     bigserial
);
CREATE INDEX executor_tickets_colony ON executor_tickets (colony_name, added_seq);
INSERT INTO schema_migrations (version) VALUES (4);

-- 0007
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
INSERT INTO schema_migrations (version) VALUES (7);

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

INSERT INTO schema_migrations (version) VALUES (5);

-- Replay protection (COLONIES_REPLAY_PROTECTION): the nonces of signed requests seen in the
-- window, shared by every server on the database. nonce_key is a digest of the signer's id and
-- the nonce. The key starts with the signing time: requests arrive in about that order, so
-- inserts land at the end of the index, and pruning (rows older than the window, whose
-- requests would be refused as stale anyway) deletes a range at its start.
CREATE TABLE replay_nonces (
    signed_at timestamptz NOT NULL,
    nonce_key bytea NOT NULL,
    PRIMARY KEY (signed_at, nonce_key)
);

INSERT INTO schema_migrations (version) VALUES (3);

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
-- (0009: a retried process whose backoff ended is announced like a released node.)
CREATE TRIGGER processes_state_changed
    AFTER UPDATE OF state, wait_for_parents, end_time, not_before ON processes FOR EACH ROW
    WHEN (OLD.state <> NEW.state
          OR (OLD.wait_for_parents AND NOT NEW.wait_for_parents)
          OR (NEW.state = {SUCCESS} AND OLD.end_time <> NEW.end_time)
          OR (OLD.not_before IS NOT NULL AND NEW.not_before IS NULL))
    EXECUTE FUNCTION notify_process_state();
INSERT INTO schema_migrations (version) VALUES (8);

-- 0009
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
    -- a successful run kept as an attempt (a rerun's node): its cache key ('' for any other
    -- attempt) and output, which the cache still serves (0013)
    cache_key     text NOT NULL DEFAULT '',
    output        jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (process_id, attempt)
);
CREATE INDEX process_attempts_cache ON process_attempts (cache_key, end_time)
    WHERE cache_key <> '';
INSERT INTO schema_migrations (version) VALUES (13);

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
INSERT INTO schema_migrations (version) VALUES (9);
INSERT INTO schema_migrations (version) VALUES (10);
INSERT INTO schema_migrations (version) VALUES (12);
INSERT INTO schema_migrations (version) VALUES (14);

-- 0015
-- The list of a colony's running processes reads this index in order (no sort).
CREATE INDEX processes_running ON processes (colony_name, start_time) WHERE state = {RUNNING};
INSERT INTO schema_migrations (version) VALUES (15);

-- 0016
-- The stamp of each owner's newest log entry: the next one is stamped after it.
ALTER TABLE log_volumes ADD COLUMN last_ts bigint NOT NULL DEFAULT 0;
INSERT INTO schema_migrations (version) VALUES (16);
