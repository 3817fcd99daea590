-- Ren schema version 16: retention policies (app.engine.retention_policy) and the indexes the
-- metrics read (app.engine.metrics). `scope` is 'global' or a workflow id; in a workflow's row
-- a NULL field means "as the global policy" and 0 means "no limit".
CREATE TABLE retention_policy (
    scope VARCHAR NOT NULL PRIMARY KEY,
    keep_days INTEGER,  -- finished runs are deleted this many days after they ended
    keep_last INTEGER,  -- only the newest N finished runs of each workflow are kept
    keep_failed_days INTEGER,  -- failed runs are kept this long instead (whatever the above say)
    export_folder VARCHAR,  -- runs are written there as JSON Lines before they are deleted
    updated_at FLOAT NOT NULL
);
-- Step counts per status come from the index alone.
CREATE INDEX ix_step_status ON step (status);
