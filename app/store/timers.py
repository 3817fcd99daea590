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

    def earliest_pending_timers(self, limit: int) -> list[tuple[str, float]]:
        """(id, due_at) of the `limit` timers that ring next and have not rung yet."""
        found = self._conn.execute(
            "SELECT id, due_at FROM timer WHERE status='pending' ORDER BY due_at LIMIT ?",
            (limit,),
        )
        return [(str(timer_id), float(due_at)) for timer_id, due_at in found]

    def has_due_timer(self, now: float) -> bool:
        """Whether a timer that has not rung yet is due at `now`."""
        found = self._conn.execute(
            "SELECT id FROM timer WHERE status='pending' AND due_at <= ? LIMIT 1", (now,)
        )
        return found.fetchone() is not None
