-- What the processes of a function used: their resource reports (the attribute
-- 'resources' a back end adds) summed per function (Function.resources).
CREATE TABLE function_resources (
    function_id      text PRIMARY KEY REFERENCES functions (function_id) ON DELETE CASCADE,
    reports          bigint NOT NULL DEFAULT 0,
    wall_seconds     double precision NOT NULL DEFAULT 0,
    cpu_seconds      double precision NOT NULL DEFAULT 0,
    peak_mem_max     bigint NOT NULL DEFAULT 0,
    staged_in_bytes  bigint NOT NULL DEFAULT 0,
    staged_out_bytes bigint NOT NULL DEFAULT 0
);
