-- name: insert_executor_ticket
-- Store a new enrollment ticket (the secret only as its SHA-256).
-- $1 ticket_id, $2 colony_name, $3 secret_hash, $4 executor_type, $5 name_prefix, $6 uses,
-- $7 expires, $8 created
INSERT INTO executor_tickets (ticket_id, colony_name, secret_hash, executor_type, name_prefix,
                              uses, expires, created)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING *;

-- name: list_executor_tickets
-- Every ticket of a colony, oldest first.
-- $1 colony_name
SELECT * FROM executor_tickets WHERE colony_name = $1 ORDER BY added_seq;

-- name: revoke_executor_ticket
-- Refuse every later enrollment with a ticket (executors enrolled before keep running).
-- $1 colony_name, $2 ticket_id
UPDATE executor_tickets SET revoked = true
WHERE colony_name = $1 AND ticket_id = $2
RETURNING *;

-- name: use_executor_ticket
-- Take one use of a valid ticket. Concurrent enrollments queue on the row lock and see the
-- count the winner committed, so a ticket is never used more often than it allows.
-- $1 ticket_id, $2 colony_name, $3 secret_hash, $4 now
UPDATE executor_tickets SET used = used + 1
WHERE ticket_id = $1 AND colony_name = $2 AND secret_hash = $3
  AND NOT revoked AND expires > $4 AND used < uses
RETURNING *;

-- name: get_executor_ticket
-- One ticket by id, with its secret's hash (to say why it cannot be used).
-- $1 ticket_id
SELECT * FROM executor_tickets WHERE ticket_id = $1;
