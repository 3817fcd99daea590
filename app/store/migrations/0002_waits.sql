-- Ren schema version 2: durable waits (human tasks, timers, signals, child runs) and schedules.
CREATE TABLE wait (
    id VARCHAR NOT NULL PRIMARY KEY,
    run_id VARCHAR NOT NULL REFERENCES run (id),
    node_key VARCHAR NOT NULL,
    node_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    "key" VARCHAR,
    due_at FLOAT,
    input JSON,
    result JSON,
    created_at FLOAT NOT NULL,
    resolved_at FLOAT,
    UNIQUE (run_id, node_key)
);
CREATE INDEX ix_wait_open ON wait (status, kind);

CREATE TABLE task (
    id VARCHAR NOT NULL PRIMARY KEY,
    run_id VARCHAR NOT NULL REFERENCES run (id),
    node_key VARCHAR NOT NULL,
    node_id VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    form JSON,
    outcomes JSON,
    assignee VARCHAR,
    assignee_group VARCHAR,
    due_at FLOAT,
    status VARCHAR NOT NULL,
    outcome VARCHAR,
    "values" JSON,
    completed_by VARCHAR,
    completed_at FLOAT,
    created_at FLOAT NOT NULL
);
CREATE INDEX ix_task_status ON task (status);

CREATE TABLE timer (
    id VARCHAR NOT NULL PRIMARY KEY,
    wait_id VARCHAR NOT NULL REFERENCES wait (id),
    run_id VARCHAR NOT NULL REFERENCES run (id),
    kind VARCHAR NOT NULL,
    due_at FLOAT NOT NULL,
    status VARCHAR NOT NULL,
    fired_at FLOAT
);
CREATE INDEX ix_timer_pending ON timer (status, due_at);

CREATE TABLE schedule (
    id VARCHAR NOT NULL PRIMARY KEY,
    workflow_id VARCHAR NOT NULL REFERENCES workflow (id),
    cron VARCHAR,
    interval_s FLOAT,
    timezone VARCHAR NOT NULL,
    input JSON,
    enabled BOOLEAN NOT NULL,
    misfire VARCHAR NOT NULL,
    last_fire_at FLOAT,
    created_at FLOAT NOT NULL
);
CREATE INDEX ix_schedule_workflow_id ON schedule (workflow_id);

-- Inputs an operator edited when resuming a paused run: {node_key: input}.
ALTER TABLE run ADD COLUMN overrides JSON;
