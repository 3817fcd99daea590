-- Ren schema version 9: named credentials (app.credentials). `secret` is a Fernet token of the
-- secret fields (JSON); `fields` holds the fields that may be shown (a user name, a host).
CREATE TABLE credentials (
    name VARCHAR NOT NULL PRIMARY KEY,
    kind VARCHAR NOT NULL,
    secret BLOB NOT NULL,
    fields JSON,
    created_at FLOAT NOT NULL,
    updated_at FLOAT NOT NULL
);
