-- Generators and their queued arguments (SEMANTICS §11).

-- name: insert_generator
-- A new generator, never packed nor run.
-- $1 generator_id, $2 colony_name, $3 name, $4 initiator_id, $5 initiator_name,
-- $6 workflow_spec, $7 trigger, $8 timeout, $9 zero time
INSERT INTO generators (generator_id, colony_name, name, initiator_id, initiator_name,
                        workflow_spec, trigger, timeout, first_pack, last_run)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9);

-- name: get_generator
-- One generator by id.
-- $1 generator_id
SELECT * FROM generators WHERE generator_id = $1;

-- name: get_generator_by_name
-- One generator by its name in a colony.
-- $1 colony_name, $2 name
SELECT * FROM generators WHERE colony_name = $1 AND name = $2;

-- name: list_generators
-- Generators of a colony, by name.
-- $1 colony_name, $2 count
SELECT * FROM generators WHERE colony_name = $1 ORDER BY name LIMIT GREATEST($2, 0);

-- name: count_generator_args
-- How many arguments are queued for a generator.
-- $1 generator_id
SELECT count(*) FROM generator_args WHERE generator_id = $1;

-- name: pack_generator
-- Queue one argument; the first pack ever also sets first_pack.
-- $1 generator_id, $2 arg, $3 now
WITH first AS (
    UPDATE generators SET first_pack = $3
    WHERE generator_id = $1 AND first_pack < '0001-01-02'::timestamptz
)
INSERT INTO generator_args (generator_id, arg, added) VALUES ($1, $2, $3);

-- name: delete_generator
-- A generator; its queued arguments go by cascade.
-- $1 generator_id
DELETE FROM generators WHERE generator_id = $1;

-- name: pending_generators
-- Generators with queued arguments, with how many (a hint: recount under the lock).
SELECT g.*, a.queued FROM generators g
JOIN (SELECT generator_id, count(*) AS queued FROM generator_args GROUP BY generator_id) a
  ON a.generator_id = g.generator_id;

-- name: lock_generator
-- Claim a generator for one run until the transaction ends; nothing if another server has it.
-- $1 generator_id
SELECT * FROM generators WHERE generator_id = $1 FOR UPDATE SKIP LOCKED;

-- name: generator_args
-- The queued arguments of a generator, oldest first.
-- $1 generator_id
SELECT seq, arg FROM generator_args WHERE generator_id = $1 ORDER BY seq;

-- name: consume_generator_args
-- Drop the arguments a run used and record the run.
-- $1 generator_id, $2 seqs, $3 now
WITH used AS (DELETE FROM generator_args WHERE generator_id = $1 AND seq = ANY($2))
UPDATE generators SET last_run = $3 WHERE generator_id = $1;
