-- Replay protection (COLONIES_REPLAY_PROTECTION): the nonces of signed requests seen in the
-- window, shared by every server on the database. The key is a digest of the signer's id and
-- the nonce; a row is kept until a request carrying it would be refused as stale anyway.
CREATE TABLE replay_nonces (
    nonce_key  bytea PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX replay_nonces_expires ON replay_nonces (expires_at);
