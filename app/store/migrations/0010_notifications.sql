-- Ren schema version 10: the in-app notification list (the header's bell). A notify step, a
-- task reminder or an escalation adds a row; opening it in the list sets read_at.
CREATE TABLE notifications (
    id VARCHAR NOT NULL PRIMARY KEY,
    created_at FLOAT NOT NULL,
    title VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    run_id VARCHAR,
    task_id VARCHAR,
    read_at FLOAT
);
CREATE INDEX ix_notifications_created_at ON notifications (created_at);
