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
