-- Ren schema version 14: people on the network (accounts, groups, API tokens, sessions),
-- signed task links and the append-only audit log (app.auth).
CREATE TABLE users (
    name VARCHAR NOT NULL PRIMARY KEY,
    role VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,  -- argon2id, with its parameters and salt
    created_at FLOAT NOT NULL
);

CREATE TABLE groups (
    name VARCHAR NOT NULL PRIMARY KEY,
    created_at FLOAT NOT NULL
);

CREATE TABLE memberships (
    user_name VARCHAR NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    group_name VARCHAR NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
    PRIMARY KEY (user_name, group_name)
);

-- A personal API token is shown once; only its SHA-256 is kept (it has 256 random bits, so a
-- slow hash adds nothing). Revoking sets revoked_at: the next request with it fails.
CREATE TABLE api_tokens (
    id VARCHAR NOT NULL PRIMARY KEY,
    user_name VARCHAR NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    label VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL UNIQUE,
    created_at FLOAT NOT NULL,
    last_used_at FLOAT,
    revoked_at FLOAT
);

-- A login session: the cookie carries the secret, the table its SHA-256.
CREATE TABLE sessions (
    id_hash VARCHAR NOT NULL PRIMARY KEY,
    user_name VARCHAR NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at FLOAT NOT NULL,
    seen_at FLOAT NOT NULL
);
CREATE INDEX ix_sessions_user ON sessions (user_name);

-- A signed link to one task's form for someone without an account (single use, expiring).
CREATE TABLE task_links (
    id VARCHAR NOT NULL PRIMARY KEY,
    task_id VARCHAR NOT NULL,
    recipient VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at FLOAT NOT NULL,
    expires_at FLOAT NOT NULL,
    used_at FLOAT,
    revoked_at FLOAT
);
CREATE INDEX ix_task_links_task ON task_links (task_id);

-- Who did what: append-only (app.auth.audit only inserts; nothing updates or deletes a row,
-- and retention leaves it alone).
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at FLOAT NOT NULL,
    who VARCHAR NOT NULL,
    what VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    details JSON NOT NULL
);
-- The log is read newest first (by id, which follows time), filtered by one column: each
-- index holds the rowid too, so a filtered page is read straight off it in id order.
CREATE INDEX ix_audit_what ON audit (what);
CREATE INDEX ix_audit_who ON audit (who);
CREATE INDEX ix_audit_target ON audit (target);
