-- Ren schema version 6: the Code-node texts a person trusted, per workflow (by SHA-256 of the
-- text). A Code node runs only when its text is here for its workflow (app.engine.code_trust).
CREATE TABLE trusted_code (
    workflow_id VARCHAR NOT NULL REFERENCES workflow (id),
    code_hash VARCHAR NOT NULL,
    how VARCHAR NOT NULL,
    trusted_at FLOAT NOT NULL,
    PRIMARY KEY (workflow_id, code_hash)
);
