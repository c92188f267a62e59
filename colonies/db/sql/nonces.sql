-- name: record_nonce
-- Record one request nonce (the common case: a batch of one); "INSERT 0 0" if it was seen.
-- $1 nonce_key, $2 expires_at as Unix nanoseconds
INSERT INTO replay_nonces (nonce_key, expires_at)
VALUES ($1, to_timestamp($2::float8 / 1e9))
ON CONFLICT (nonce_key) DO NOTHING;

-- name: record_nonces
-- Record a batch of request nonces; returns the keys that were new (the others were seen).
-- $1 nonce_keys (bytea[]), $2 expires_at as Unix nanoseconds (int8[], cheaper to send)
INSERT INTO replay_nonces (nonce_key, expires_at)
SELECT k, to_timestamp(e::float8 / 1e9) FROM unnest($1::bytea[], $2::int8[]) AS n (k, e)
ON CONFLICT (nonce_key) DO NOTHING
RETURNING nonce_key;

-- name: prune_nonces
-- Forget nonces whose requests would now be refused as stale.
-- $1 now
DELETE FROM replay_nonces WHERE expires_at < $1;
