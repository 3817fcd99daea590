-- Ren schema version 18: the login limit survives a restart, and forms can be shared by link.

-- Wrong passwords per (client address, account name) (app.auth.ratelimit). A right password
-- deletes the row; rows untouched for a day are pruned.
CREATE TABLE login_attempts (
    address VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    failures INTEGER NOT NULL,
    last_at FLOAT NOT NULL,
    PRIMARY KEY (address, name)
);
CREATE INDEX ix_login_attempts_last_at ON login_attempts (last_at);

-- A signed link that opens one workflow's form for anyone who has it, without an account
-- (app.auth.form_links): revocable, optionally expiring; many answers, unlike a task link.
CREATE TABLE form_links (
    id VARCHAR NOT NULL PRIMARY KEY,
    workflow_id VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at FLOAT NOT NULL,
    expires_at FLOAT,
    revoked_at FLOAT
);
CREATE INDEX ix_form_links_workflow_id ON form_links (workflow_id);
