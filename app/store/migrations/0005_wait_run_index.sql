-- A run's open waits by run: start-up asks, for every waiting run, whether it still has one.
-- Without this index SQLite answered with the (status, kind) index, scanning every open wait
-- once per waiting run (10,000 waiting runs took seconds).
CREATE INDEX ix_wait_run_status ON wait (run_id, status);
