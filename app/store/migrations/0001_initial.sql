-- Ren schema version 1: workflows, immutable versions, runs, steps and the event log.
CREATE TABLE workflow (
    id VARCHAR NOT NULL PRIMARY KEY,
    name VARCHAR NOT NULL,
    draft JSON NOT NULL,
    latest_version INTEGER,
    created_at FLOAT NOT NULL,
    updated_at FLOAT NOT NULL,
    deleted_at FLOAT
);

CREATE TABLE workflow_version (
    id VARCHAR NOT NULL PRIMARY KEY,
    workflow_id VARCHAR NOT NULL REFERENCES workflow (id),
    number INTEGER NOT NULL,
    definition JSON NOT NULL,
    hash VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    created_at FLOAT NOT NULL,
    UNIQUE (workflow_id, number)
);
CREATE INDEX ix_workflow_version_workflow_id ON workflow_version (workflow_id);

CREATE TABLE run (
    id VARCHAR NOT NULL PRIMARY KEY,
    workflow_id VARCHAR NOT NULL REFERENCES workflow (id),
    version_id VARCHAR NOT NULL REFERENCES workflow_version (id),
    status VARCHAR NOT NULL,
    input JSON,
    output JSON,
    error JSON,
    idempotency_key VARCHAR UNIQUE,
    parent_run_id VARCHAR,
    created_at FLOAT NOT NULL,
    started_at FLOAT,
    finished_at FLOAT,
    updated_at FLOAT NOT NULL
);
CREATE INDEX ix_run_workflow_id ON run (workflow_id);
CREATE INDEX ix_run_created ON run (created_at);
CREATE INDEX ix_run_status ON run (status);

CREATE TABLE step (
    id INTEGER NOT NULL PRIMARY KEY,
    run_id VARCHAR NOT NULL REFERENCES run (id),
    node_key VARCHAR NOT NULL,
    node_id VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    input JSON,
    output JSON,
    error JSON,
    ports JSON,
    started_at FLOAT,
    finished_at FLOAT NOT NULL,
    UNIQUE (run_id, node_key, attempt)
);

CREATE TABLE event (
    id INTEGER NOT NULL PRIMARY KEY,
    run_id VARCHAR NOT NULL REFERENCES run (id),
    seq INTEGER NOT NULL,
    type VARCHAR NOT NULL,
    node_key VARCHAR,
    data JSON,
    at FLOAT NOT NULL,
    UNIQUE (run_id, seq)
);
