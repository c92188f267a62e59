-- name: record_nonce
-- Record one request nonce (the common case: a batch of one); "INSERT 0 0" if it was seen.
-- $1 signed_at as Unix nanoseconds, $2 nonce_key
INSERT INTO replay_nonces (signed_at, nonce_key)
VALUES (to_timestamp($1::float8 / 1e9), $2)
ON CONFLICT DO NOTHING;

-- name: record_nonces
-- Record a batch of request nonces; returns the keys that were new (the others were seen).
-- $1 signed_at as Unix nanoseconds (int8[], cheaper to send), $2 nonce_keys (bytea[])
INSERT INTO replay_nonces (signed_at, nonce_key)
SELECT to_timestamp(t::float8 / 1e9), k FROM unnest($1::int8[], $2::bytea[]) AS n (t, k)
ON CONFLICT DO NOTHING
RETURNING nonce_key;

-- name: prune_nonces
-- Forget the nonces of requests signed before the window (they are refused as stale).
-- $1 the oldest signing time in the window
DELETE FROM replay_nonces WHERE signed_at < $1;
