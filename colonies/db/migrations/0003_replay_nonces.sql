-- Replay protection (COLONIES_REPLAY_PROTECTION): the nonces of signed requests seen in the
-- window, shared by every server on the database. The key is a digest of the signer's id and
-- the nonce; a row is kept until a request carrying it would be refused as stale anyway.
-- No index on expires_at: every request inserts here, and pruning (every 30 s) reads the
-- few minutes of rows the table holds faster than each insert would maintain a second index.
CREATE TABLE replay_nonces (
    nonce_key  bytea PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
