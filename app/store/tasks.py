"""Reads of human task rows (the inbox)."""

from __future__ import annotations

from typing import Any

from app.store.rows import RowReader


class TaskQueries(RowReader):
    def open_tasks(self) -> list[dict[str, Any]]:
        """Every open task with its run's `workflow_id`, oldest first."""
        return self.rows(
            "SELECT t.*, r.workflow_id FROM task t JOIN run r ON r.id = t.run_id"
            " WHERE t.status='open' ORDER BY t.created_at"
        )

    def task_row(self, task_id: str) -> dict[str, Any] | None:
        return self.row("SELECT * FROM task WHERE id=?", task_id)

    def open_task_count(self) -> int:
        found = self.row("SELECT count(*) AS n FROM task WHERE status='open'")
        return int(found["n"]) if found else 0
