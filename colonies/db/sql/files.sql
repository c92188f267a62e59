-- name: insert_file
-- A new file revision; the global sequence assigns sequence_nr.
-- $1 file_id, $2 colony_name, $3 label, $4 name, $5 size, $6 checksum, $7 checksum_alg,
-- $8 ref, $9 added
INSERT INTO files (file_id, colony_name, label, name, size, checksum, checksum_alg, ref, added)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING *;

-- name: get_file
-- One revision by id within a colony.
-- $1 colony_name, $2 file_id
SELECT * FROM files WHERE colony_name = $1 AND file_id = $2;

-- name: get_file_revisions
-- Every revision of a name, newest first.
-- $1 colony_name, $2 label, $3 name
SELECT * FROM files WHERE colony_name = $1 AND label = $2 AND name = $3
ORDER BY sequence_nr DESC;

-- name: get_latest_file
-- The latest revision of a name.
-- $1 colony_name, $2 label, $3 name
SELECT * FROM files WHERE colony_name = $1 AND label = $2 AND name = $3
ORDER BY sequence_nr DESC LIMIT 1;

-- name: list_file_data
-- The latest revision of every name in a label.
-- $1 colony_name, $2 label
SELECT DISTINCT ON (name) name, checksum, size, ref->'s3object'->>'object' AS s3_filename
FROM files WHERE colony_name = $1 AND label = $2
ORDER BY name, sequence_nr DESC;

-- name: list_all_labels
-- Every label of a colony with its number of revisions.
-- $1 colony_name
SELECT label, count(*) AS files FROM files WHERE colony_name = $1 GROUP BY label ORDER BY label;

-- name: list_labels_prefix
-- Labels starting with a string.
-- $1 colony_name, $2 prefix
SELECT label, count(*) AS files FROM files
WHERE colony_name = $1 AND starts_with(label, $2) GROUP BY label ORDER BY label;

-- name: list_labels_exact
-- A label and its sub-labels (``label/...``), nothing if the label itself has no files.
-- $1 colony_name, $2 label
SELECT label, count(*) AS files FROM files
WHERE colony_name = $1 AND (label = $2 OR starts_with(label, $2 || '/'))
  AND EXISTS (SELECT 1 FROM files WHERE colony_name = $1 AND label = $2)
GROUP BY label ORDER BY label;

-- name: delete_file
-- One revision.
-- $1 colony_name, $2 file_id
DELETE FROM files WHERE colony_name = $1 AND file_id = $2;

-- name: delete_file_revisions
-- Every revision of a name.
-- $1 colony_name, $2 label, $3 name
DELETE FROM files WHERE colony_name = $1 AND label = $2 AND name = $3;

-- name: snapshot_file_ids
-- The latest revision of every name in a label and its sub-labels (exact label query).
-- $1 colony_name, $2 label
SELECT DISTINCT ON (label, name) file_id FROM files
WHERE colony_name = $1 AND (label = $2 OR starts_with(label, $2 || '/'))
  AND EXISTS (SELECT 1 FROM files WHERE colony_name = $1 AND label = $2)
ORDER BY label, name, sequence_nr DESC;

-- name: insert_snapshot
-- A snapshot; fails on a duplicate name in the colony.
-- $1 snapshot_id, $2 colony_name, $3 label, $4 name, $5 file_ids, $6 added
INSERT INTO snapshots (snapshot_id, colony_name, label, name, file_ids, added)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: get_snapshot
-- By id within a colony.
-- $1 colony_name, $2 snapshot_id
SELECT * FROM snapshots WHERE colony_name = $1 AND snapshot_id = $2;

-- name: get_snapshot_by_name
-- By name within a colony.
-- $1 colony_name, $2 name
SELECT * FROM snapshots WHERE colony_name = $1 AND name = $2;

-- name: list_snapshots
-- Every snapshot of a colony, newest first.
-- $1 colony_name
SELECT * FROM snapshots WHERE colony_name = $1 ORDER BY added DESC;

-- name: delete_snapshot
-- By id.
-- $1 colony_name, $2 snapshot_id
DELETE FROM snapshots WHERE colony_name = $1 AND snapshot_id = $2;

-- name: delete_snapshot_by_name
-- By name.
-- $1 colony_name, $2 name
DELETE FROM snapshots WHERE colony_name = $1 AND name = $2;

-- name: delete_snapshots
-- Every snapshot of a colony.
-- $1 colony_name
DELETE FROM snapshots WHERE colony_name = $1;

-- name: label_digest
-- The latest revision of every file of a label and its sub-labels, for cache keys.
-- $1 colony_name, $2 label
SELECT DISTINCT ON (label, name) label, name, checksum FROM files
WHERE colony_name = $1 AND (label = $2 OR starts_with(label, $2 || '/'))
ORDER BY label, name, sequence_nr DESC;

-- name: snapshot_digest
-- The files of a snapshot, for cache keys.
-- $1 colony_name, $2 snapshot_id
SELECT f.label, f.name, f.checksum FROM snapshots s JOIN files f ON f.file_id = ANY (s.file_ids)
WHERE s.colony_name = $1 AND s.snapshot_id = $2
ORDER BY f.label, f.name;
