-- Caching of results (issue 13, core/caching.py). cache_key: what a process's result depends
-- on, once known ('' before, or without caching); cache_hit and cached_from: the process was
-- closed at once with the output of process cached_from, without an executor.
ALTER TABLE processes ADD COLUMN cache_key text NOT NULL DEFAULT '';
ALTER TABLE processes ADD COLUMN cache_hit boolean NOT NULL DEFAULT false;
ALTER TABLE processes ADD COLUMN cached_from text NOT NULL DEFAULT '';
-- Earlier results by key, newest first (runs, not hits: a result is as old as its run).
CREATE INDEX processes_cache ON processes (colony_name, cache_key, end_time)
    WHERE state = {SUCCESS} AND cache_key <> '' AND NOT cache_hit;
-- Workflow nodes that ask for caching and wait for their key (released, not yet checked).
CREATE INDEX processes_cache_pending ON processes (process_graph_id)
    WHERE state = {WAITING} AND cache_key = '' AND spec @> '{"cache": {"enabled": true}}';
-- The view lists the table's columns as they were when it was made: make it again.
DROP VIEW process_view;
CREATE VIEW process_view AS
SELECT p.*,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('attribute_id', a.attribute_id,
                                  'target_id', a.target_id,
                                  'target_colony_name', a.target_colony_name,
                                  'target_process_graph_id', a.target_process_graph_id,
                                  'state', p.state, 'attribute_type', a.attribute_type,
                                  'key', a.key, 'value', a.value) ORDER BY a.added_seq),
                         '[]'::jsonb)
        FROM attributes a WHERE a.target_id = p.process_id) AS attributes
FROM processes p;
