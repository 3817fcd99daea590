-- Ren schema version 12: test runs and pins (the editor's "test as you build").
-- A test run is an ordinary run of a test version (number < 0) of the draft, flagged is_test:
-- lists and counts leave it out, and the editor purges old ones. A pin is a node's output
-- saved per workflow; only test runs use it.
ALTER TABLE run ADD COLUMN is_test BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX ix_run_test ON run (is_test, workflow_id, created_at);
CREATE TABLE pin (
    workflow_id VARCHAR NOT NULL REFERENCES workflow (id),
    node_id VARCHAR NOT NULL,
    output JSON,
    port VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    created_at FLOAT NOT NULL,
    PRIMARY KEY (workflow_id, node_id)
);
