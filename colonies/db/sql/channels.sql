-- Channel entries (SEMANTICS §15).

-- name: channel_process
-- What channel checks need of a process: colony, the two ids allowed in, state, declaration.
-- $1 process_id, $2 channel name
SELECT colony_name, initiator_id, assigned_executor_id, state,
       coalesce(spec -> 'channels', '[]'::jsonb) ? $2 AS declared
FROM processes WHERE process_id = $1;

-- name: channel_append
-- Append one entry at the next index of an open process's channel and tell subscribers;
-- opened is false when the process is gone or finished, idx null when the log is full.
-- $1 process_id, $2 name, $3 sequence, $4 in_reply_to, $5 sender_id, $6 payload,
-- $7 entry_type, $8 max entries
WITH p AS (
    SELECT process_id FROM processes WHERE process_id = $1 AND state IN ({WAITING}, {RUNNING})
), c AS (
    INSERT INTO channels (process_id, name, size)
    SELECT process_id, $2, 1 FROM p
    ON CONFLICT (process_id, name) DO UPDATE SET size = channels.size + 1
    WHERE channels.size < $8
    RETURNING size
), e AS (
    INSERT INTO channel_entries (process_id, name, idx, sequence, in_reply_to, ts, sender_id,
                                 payload, entry_type)
    SELECT $1, $2, size - 1, $3, $4, clock_timestamp(), $5, $6, $7 FROM c
    RETURNING idx
)
SELECT EXISTS (SELECT FROM p) AS opened,
       (SELECT idx FROM e) AS idx,
       (SELECT pg_notify('colonies_topic',
                         json_build_object('topic', 'channel:' || $1 || ':' || $2)::text)::text
        FROM e) AS notified;

-- name: channel_read
-- Entries from an index on, in log order; a null limit means all.
-- $1 process_id, $2 name, $3 first index, $4 limit
SELECT sequence, in_reply_to, ts, sender_id, payload, entry_type
FROM channel_entries
WHERE process_id = $1 AND name = $2 AND idx >= $3
ORDER BY idx
LIMIT $4;
