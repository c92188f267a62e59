-- Delivery leases and idempotent submits (issue 10).
-- delivery_deadline: an assign whose caller promised to confirm delivery (our SDK) holds the
-- process only until this time; unconfirmed, it waits again. NULL: confirmed, or no lease.
-- request_id: the client's id of a submit, so a retried submit finds its first process.
ALTER TABLE processes ADD COLUMN delivery_deadline timestamptz;
ALTER TABLE processes ADD COLUMN request_id text NOT NULL DEFAULT '';
CREATE INDEX processes_delivery_deadline ON processes (delivery_deadline)
    WHERE state = 1 AND delivery_deadline IS NOT NULL;
CREATE UNIQUE INDEX processes_request_id ON processes (initiator_id, request_id)
    WHERE request_id <> '';
ALTER TABLE process_graphs ADD COLUMN request_id text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX process_graphs_request_id ON process_graphs (initiator_id, request_id)
    WHERE request_id <> '';
-- The view lists the table's columns as they were when it was made: make it again.
DROP VIEW process_view;
CREATE VIEW process_view AS
SELECT p.*,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(a.attribute_id, a.target_colony_name,
                                  a.target_process_graph_id, a.attribute_type, a.key, a.value)
                                  ORDER BY a.added_seq), '[]'::jsonb)
        FROM attributes a WHERE a.target_id = p.process_id) AS attrs
FROM processes p;
