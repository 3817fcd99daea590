-- Ren schema version 13: indexes for the lists that page on the server (app.store.reads).
-- The runs list pages by keyset on (created_at, id), newest first, optionally for one workflow
-- or one status; each index below lets SQLite walk straight to a page, however deep.
CREATE INDEX ix_run_created_id ON run (created_at, id);
CREATE INDEX ix_run_workflow_created ON run (workflow_id, created_at, id);
CREATE INDEX ix_run_status_created ON run (status, created_at, id);
-- The inbox pages open tasks newest/oldest first and due soonest first (no due time last).
CREATE INDEX ix_task_status_created ON task (status, created_at, id);
CREATE INDEX ix_task_status_due ON task (status, coalesce(due_at, 1e18), created_at, id);
-- The runs page's count per status (its filter labels) leaves test runs out: with is_test in
-- the index SQLite counts from the index alone instead of reading every run row.
CREATE INDEX ix_run_status_test ON run (status, is_test);
