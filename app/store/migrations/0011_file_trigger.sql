-- Ren schema version 11: what file triggers saw (app.engine.file_watch).
-- file_watch: since when each published file trigger watches its folder (reset when its
-- folder, pattern or events change), so files newer than that which arrived while Ren was
-- closed start their runs at the next start. file_seen: each (file, modification time) that
-- started a run, so a restart never fires it again; the run's key records the same.
CREATE TABLE file_watch (
    workflow_id VARCHAR NOT NULL REFERENCES workflow (id),
    node_id VARCHAR NOT NULL,
    config_hash VARCHAR NOT NULL,
    since FLOAT NOT NULL,
    PRIMARY KEY (workflow_id, node_id)
);
CREATE TABLE file_seen (
    workflow_id VARCHAR NOT NULL REFERENCES workflow (id),
    node_id VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    mtime_ns INTEGER NOT NULL,
    size INTEGER,
    run_id VARCHAR,
    seen_at FLOAT NOT NULL,
    PRIMARY KEY (workflow_id, node_id, path, event, mtime_ns)
);
