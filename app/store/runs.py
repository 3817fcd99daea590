"""Reads of runs, their steps and their event log on the writer connection."""

from __future__ import annotations

import json
from typing import Any

from app.store.rows import RowReader
from app.store.schema import Run

_RUN_FIELDS = tuple(Run.model_fields)
_RUN_COLUMNS = ", ".join(_RUN_FIELDS)

# Each waiting run costs one lookup in `ix_wait_run_status` (run_id, status): start-up stays
# linear in the number of waiting runs (it scanned every open wait per run before that index).
RESUME_SQL = (
    "SELECT id FROM run WHERE status IN ('pending', 'running') OR (status = 'waiting'"
    " AND NOT EXISTS (SELECT 1 FROM wait WHERE wait.run_id = run.id"
    " AND wait.status = 'open')) ORDER BY created_at"
)


class RunQueries(RowReader):
    def fetch_run(self, run_id: str) -> Run | None:
        """One run, read on the writer connection: the cheap path for `Engine.wait`."""
        cursor = self._conn.execute(f"SELECT {_RUN_COLUMNS} FROM run WHERE id=?", (run_id,))
        row = cursor.fetchone()
        if row is None:
            return None
        values = dict(zip(_RUN_FIELDS, row, strict=True))
        for name in ("input", "output", "error", "overrides"):
            if values[name] is not None:
                values[name] = json.loads(values[name])
        return Run.model_construct(**values)  # trusted: our own row, no validation needed

    def run_row(self, run_id: str) -> dict[str, Any] | None:
        """The cheapest read of a run, for the engine's own bookkeeping."""
        return self.row(
            "SELECT id, workflow_id, version_id, status, input, overrides, idempotency_key,"
            " parent_run_id, output, error, started_at, created_at FROM run WHERE id=?",
            run_id,
        )

    def run_id_for_key(self, idempotency_key: str) -> str | None:
        row = self._conn.execute(
            "SELECT id FROM run WHERE idempotency_key=?", (idempotency_key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def unfinished_child_ids(self, run_id: str) -> list[str]:
        """The run's sub-workflow runs that have not ended."""
        return self.ids(
            "SELECT id FROM run WHERE parent_run_id=? AND status NOT IN"
            " ('succeeded', 'failed', 'canceled')",
            run_id,
        )

    def runs_to_resume(self) -> list[str]:
        """Runs a previous process left in flight: running, or waiting with no open wait."""
        return self.ids(RESUME_SQL)

    def step_rows(self, run_id: str) -> list[dict[str, Any]]:
        """The run's steps as written (by id): node_key, node_id, attempt, status, output, ports."""
        return self.rows(
            "SELECT node_key, node_id, attempt, status, output, ports FROM step"
            " WHERE run_id=? ORDER BY id",
            run_id,
        )

    def next_event_seq(self, run_id: str) -> int:
        """The `seq` the run's next event gets."""
        found = self._conn.execute("SELECT max(seq) FROM event WHERE run_id=?", (run_id,))
        return int(found.fetchone()[0] or 0) + 1
