"""Reads of human task rows (the inbox)."""

from __future__ import annotations

from typing import Any

from app.store.rows import RowReader


class TaskQueries(RowReader):
    def open_tasks(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Every open task (or one run's) with its run's `workflow_id`, oldest first."""
        of_run = "" if run_id is None else " AND t.run_id=?"
        return self.rows(
            "SELECT t.*, r.workflow_id FROM task t JOIN run r ON r.id = t.run_id"
            f" WHERE t.status='open'{of_run} ORDER BY t.created_at",
            *(() if run_id is None else (run_id,)),
        )

    def task_row(self, task_id: str) -> dict[str, Any] | None:
        return self.row("SELECT * FROM task WHERE id=?", task_id)

    def open_task_count(self) -> int:
        found = self.row("SELECT count(*) AS n FROM task WHERE status='open'")
        return int(found["n"]) if found else 0
