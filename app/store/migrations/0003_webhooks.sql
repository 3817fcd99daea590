-- Ren schema version 3: each workflow's webhook secret (callers of /hooks/<workflow> send it).
CREATE TABLE webhook_secret (
    workflow_id VARCHAR NOT NULL PRIMARY KEY REFERENCES workflow (id),
    secret VARCHAR NOT NULL,
    created_at FLOAT NOT NULL
);
