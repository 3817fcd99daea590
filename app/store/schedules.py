"""Reads of schedule rows (when to start runs of a workflow)."""

from __future__ import annotations

from typing import Any

from app.store.rows import RowReader


class ScheduleQueries(RowReader):
    def schedules(self) -> list[dict[str, Any]]:
        """Every schedule, oldest first."""
        return self.rows("SELECT * FROM schedule ORDER BY created_at")

    def schedule_row(self, schedule_id: str) -> dict[str, Any] | None:
        return self.row("SELECT * FROM schedule WHERE id=?", schedule_id)
