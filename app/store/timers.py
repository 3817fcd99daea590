"""Reads of timer rows: the alarms of waits (wake, timeout, remind)."""

from __future__ import annotations

from typing import Any

from app.store.rows import RowReader


class TimerQueries(RowReader):
    def timer_ids(self, wait_id: str) -> list[str]:
        """Every timer of a wait, whatever its status."""
        return self.ids("SELECT id FROM timer WHERE wait_id=?", wait_id)

    def run_timer_ids(self, run_id: str) -> list[str]:
        """Every timer of a run, whatever its status."""
        return self.ids("SELECT id FROM timer WHERE run_id=?", run_id)

    def timer_row(self, timer_id: str) -> dict[str, Any] | None:
        return self.row("SELECT * FROM timer WHERE id=?", timer_id)
