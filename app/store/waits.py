"""Reads of wait rows: what a run sleeps on (a human task, a timer, a signal, a child run)."""

from __future__ import annotations

from typing import Any

from app.store.rows import RowReader


class WaitQueries(RowReader):
    def wait_row(self, wait_id: str) -> dict[str, Any] | None:
        return self.row("SELECT * FROM wait WHERE id=?", wait_id)
