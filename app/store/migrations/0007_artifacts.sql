-- Ren schema version 7: files that steps produced (downloads, reports, exports). The file is
-- at <data folder>/<path>; the row is written in the transaction that records its step.
CREATE TABLE artifact (
    id VARCHAR NOT NULL PRIMARY KEY,
    run_id VARCHAR NOT NULL REFERENCES run (id),
    node_key VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    media_type VARCHAR NOT NULL,
    size INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    created_at FLOAT NOT NULL
);
CREATE INDEX ix_artifact_run_id ON artifact (run_id);
