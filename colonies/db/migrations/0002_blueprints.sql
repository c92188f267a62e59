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
