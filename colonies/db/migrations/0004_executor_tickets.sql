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
