-- Ren schema version 8: the key-value store of the storage node (app.store.kv). `scope` is
-- 'shared' or 'workflow:<id>'; `value` is JSON text. A storage step's write commits in the
-- transaction that records the step, so a re-run never applies it twice.
CREATE TABLE kv (
    scope VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value TEXT NOT NULL,
    updated_at FLOAT NOT NULL,
    PRIMARY KEY (scope, key)
);
