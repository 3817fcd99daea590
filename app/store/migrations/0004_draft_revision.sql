-- Ren schema version 4: each workflow's draft revision, bumped by every draft write (and only
-- by those). The editor saves compare-and-set on it, so two tabs cannot overwrite each other.
ALTER TABLE workflow ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
