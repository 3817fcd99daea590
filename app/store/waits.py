"""Reads of wait rows: what a run sleeps on (a human task, a timer, a signal, a child run)."""

from __future__ import annotations

from typing import Any

from app.store.rows import RowReader


class WaitQueries(RowReader):
    def wait_row(self, wait_id: str) -> dict[str, Any] | None:
        return self.row("SELECT * FROM wait WHERE id=?", wait_id)

    def run_waits(self, run_id: str) -> list[dict[str, Any]]:
        """Every wait of the run, whatever its status: id, node_key, kind, status, result."""
        return self.rows(
            "SELECT id, node_key, kind, status, result FROM wait WHERE run_id=?", run_id
        )

    def wait_to_resolve(self, wait_id: str) -> dict[str, Any] | None:
        """A wait with what resolving it needs of its run: `version_id` and `run_status`."""
        return self.row(
            "SELECT w.*, r.version_id, r.status AS run_status FROM wait w"
            " JOIN run r ON r.id = w.run_id WHERE w.id=?",
            wait_id,
        )

    def wait_id_for_key(self, run_id: str, wait_key: str) -> str | None:
        """The id of the run's wait with this key (its `node_key`), whatever its status."""
        found = self.row("SELECT id FROM wait WHERE run_id=? AND node_key=?", run_id, wait_key)
        return None if found is None else str(found["id"])

    def open_wait_id_for_key(self, run_id: str, wait_key: str) -> str | None:
        """The id of the run's wait with this key (its `node_key`) if it is open."""
        found = self.row(
            "SELECT id FROM wait WHERE run_id=? AND node_key=? AND status='open'", run_id, wait_key
        )
        return None if found is None else str(found["id"])

    def open_child_waits(self) -> list[dict[str, Any]]:
        """Every open wait for a sub-workflow's run (its `key` is the child's run id, once
        the child started)."""
        return self.rows("SELECT * FROM wait WHERE kind='child' AND status='open'")

    def open_signal_wait_id(self, run_id: str, name: str) -> str | None:
        """The run's oldest open wait for the signal `name`, or None."""
        found = self.row(
            "SELECT id FROM wait WHERE run_id=? AND kind='signal' AND key=? AND status='open'"
            " ORDER BY created_at LIMIT 1",
            run_id,
            name,
        )
        return None if found is None else str(found["id"])

    def wait_briefs(self, run_id: str) -> list[dict[str, Any]]:
        """The run's waits as reports show them: id, node_key, kind, key, status, due_at."""
        return self.rows(
            "SELECT id, node_key, kind, key, status, due_at FROM wait WHERE run_id=?", run_id
        )

    def open_wait_briefs(self, run_id: str) -> list[dict[str, Any]]:
        """The run's open waits as reports show them: id, node_key, kind, key, due_at."""
        return self.rows(
            "SELECT id, node_key, kind, key, due_at FROM wait WHERE run_id=? AND status='open'",
            run_id,
        )
