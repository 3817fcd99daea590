"""Every write Ren makes, as SQL collected into batches that commit in one transaction.

The engine's hot path (one commit per completed step) goes through the stdlib `sqlite3`
connection with cached statements: an ORM round-trip per statement would cost more than the
commit itself. Reads go through SQLModel (app.store.reads).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_encode_lenient = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def to_json(value: Any) -> str | None:
    """JSON text for a column; values JSON cannot hold are stored as their str()."""
    if value is None:
        return None
    try:
        return _encode(value)
    except (TypeError, ValueError):
        return _encode_lenient(value)


def normalize(value: Any) -> tuple[Any, str | None]:
    """The value as it will read back from the database, and its JSON text.

    Downstream nodes must see exactly what a recovered run would read back, so a value that
    needed str() for some part is replaced by its JSON round trip.
    """
    if value is None:
        return None, None
    try:
        return value, _encode(value)
    except (TypeError, ValueError):
        text = _encode_lenient(value)
        return json.loads(text), text


# -- runs, steps and events --------------------------------------------------------------------

INSERT_STEP = (
    "INSERT INTO step (run_id, node_key, node_id, attempt, status, input, output, error, ports,"
    " started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)
INSERT_EVENT = "INSERT INTO event (run_id, seq, type, node_key, data, at) VALUES (?,?,?,?,?,?)"
SET_RUN_STATUS = "UPDATE run SET status=?, updated_at=? WHERE id=?"
START_RUN = "UPDATE run SET status=?, started_at=coalesce(started_at, ?), updated_at=? WHERE id=?"
FINISH_RUN = "UPDATE run SET status=?, output=?, error=?, finished_at=?, updated_at=? WHERE id=?"
INSERT_RUN = (
    "INSERT INTO run (id, workflow_id, version_id, status, input, idempotency_key, parent_run_id,"
    " created_at, started_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT (idempotency_key) DO NOTHING"
)
WAKE_RUN = "UPDATE run SET status='running', updated_at=? WHERE id=? AND status='waiting'"
SET_RUN_STATUS_IF = "UPDATE run SET status=?, updated_at=? WHERE id=? AND status=?"
SET_RUN_OVERRIDES = "UPDATE run SET overrides=? WHERE id=?"
CANCEL_RUN = (
    "UPDATE run SET status='canceled', error=?, finished_at=?, updated_at=? WHERE id=?"
    " AND status NOT IN ('succeeded', 'failed', 'canceled')"
)
RETRY_RUN = (
    "UPDATE run SET status='running', error=NULL, output=NULL, finished_at=NULL, updated_at=?"
    " WHERE id=? AND status='failed'"
)

# -- workflows and versions --------------------------------------------------------------------

INSERT_WORKFLOW = (
    "INSERT INTO workflow (id, name, draft, latest_version, created_at, updated_at)"
    " VALUES (?,?,?,?,?,?)"
)
UPDATE_WORKFLOW = (
    "UPDATE workflow SET name=?, draft=?, updated_at=?, revision=revision+1 WHERE id=?"
)
# the compare-and-set save: only while the draft is still at the revision the writer read
UPDATE_WORKFLOW_IF = (
    "UPDATE workflow SET name=?, draft=?, updated_at=?, revision=revision+1"
    " WHERE id=? AND revision=?"
)
SET_LATEST_VERSION = "UPDATE workflow SET latest_version=?, updated_at=? WHERE id=?"
DELETE_WORKFLOW = "UPDATE workflow SET deleted_at=?, updated_at=? WHERE id=?"
RESTORE_WORKFLOW = "UPDATE workflow SET deleted_at=NULL WHERE id=?"
INSERT_VERSION = (
    "INSERT INTO workflow_version (id, workflow_id, number, definition, hash, message, created_at)"
    " VALUES (?,?,?,?,?,?,?)"
)

# -- waits, tasks and timers -------------------------------------------------------------------

INSERT_WAIT = (
    "INSERT INTO wait (id, run_id, node_key, node_id, kind, status, key, due_at, input,"
    " created_at) VALUES (?,?,?,?,?,'open',?,?,?,?)"
)
CLOSE_WAIT = "UPDATE wait SET status=?, result=?, resolved_at=? WHERE id=? AND status='open'"
SET_WAIT_KEY = "UPDATE wait SET key=? WHERE run_id=? AND node_key=?"
CANCEL_RUN_WAITS = (
    "UPDATE wait SET status='canceled', resolved_at=? WHERE run_id=? AND status='open'"
)
INSERT_TASK = (
    "INSERT INTO task (id, run_id, node_key, node_id, title, description, form, outcomes,"
    " assignee, assignee_group, due_at, status, created_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,'open',?)"
)
COMPLETE_TASK = (
    'UPDATE task SET status=?, outcome=?, "values"=?, completed_by=?, completed_at=?'
    " WHERE id=? AND status='open'"
)
REASSIGN_TASK = "UPDATE task SET assignee=?, due_at=NULL WHERE id=? AND status='open'"
CANCEL_RUN_TASKS = "UPDATE task SET status='canceled' WHERE run_id=? AND status='open'"
INSERT_TIMER = (
    "INSERT INTO timer (id, wait_id, run_id, kind, due_at, status) VALUES (?,?,?,?,?,'pending')"
)
CANCEL_TIMERS = "UPDATE timer SET status='canceled' WHERE wait_id=? AND status='pending'"
FIRE_TIMER = "UPDATE timer SET status='fired', fired_at=? WHERE id=? AND status='pending'"
CANCEL_RUN_TIMERS = "UPDATE timer SET status='canceled' WHERE run_id=? AND status='pending'"

# -- schedules ---------------------------------------------------------------------------------

INSERT_SCHEDULE = (
    "INSERT INTO schedule (id, workflow_id, cron, interval_s, timezone, input, enabled, misfire,"
    " last_fire_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
)
DELETE_SCHEDULE = "DELETE FROM schedule WHERE id=?"
SET_SCHEDULE_ENABLED = "UPDATE schedule SET enabled=?, last_fire_at=? WHERE id=?"
SET_SCHEDULE_LAST_FIRE = "UPDATE schedule SET last_fire_at=? WHERE id=?"
UPDATE_SCHEDULE = (
    "UPDATE schedule SET cron=?, interval_s=?, timezone=?, input=?, enabled=?, misfire=?,"
    " last_fire_at=? WHERE id=?"
)

# -- webhook secrets ---------------------------------------------------------------------------

# The first secret of a workflow; a workflow that has one keeps it.
INSERT_WEBHOOK_SECRET = (
    "INSERT INTO webhook_secret (workflow_id, secret, created_at) VALUES (?,?,?)"
    " ON CONFLICT (workflow_id) DO NOTHING"
)
# Regenerate: the new secret replaces the old one.
SET_WEBHOOK_SECRET = (
    "INSERT INTO webhook_secret (workflow_id, secret, created_at) VALUES (?,?,?)"
    " ON CONFLICT (workflow_id) DO UPDATE SET secret=excluded.secret,"
    " created_at=excluded.created_at"
)


@dataclass
class Batch:
    """Statements that must commit together (e.g. a step, the run's state and its events)."""

    ops: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ops)

    def add(self, sql: str, *params: Any) -> None:
        self.ops.append((sql, params))

    def extend(self, other: Batch) -> None:
        self.ops.extend(other.ops)

    def step(
        self,
        run_id: str,
        node_key: str,
        node_id: str,
        attempt: int,
        status: str,
        *,
        input_json: str | None,
        output_json: str | None,
        error: Any,
        ports: tuple[str, ...],
        started_at: float | None,
        finished_at: float,
    ) -> None:
        self.ops.append(
            (
                INSERT_STEP,
                (
                    run_id,
                    node_key,
                    node_id,
                    attempt,
                    status,
                    input_json,
                    output_json,
                    to_json(error),
                    _encode(list(ports)),
                    started_at,
                    finished_at,
                ),
            )
        )

    def event(
        self, run_id: str, seq: int, type_: str, node_key: str | None, data: Any, at: float
    ) -> str | None:
        """Add an event row; returns its data as JSON text (reused for the run's log file)."""
        text = to_json(data)
        self.ops.append((INSERT_EVENT, (run_id, seq, type_, node_key, text, at)))
        return text

    def grouped(self) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        """Consecutive statements with the same SQL, for executemany."""
        current: str | None = None
        rows: list[tuple[Any, ...]] = []
        for sql, params in self.ops:
            if sql != current:
                if current is not None:
                    yield current, rows
                current, rows = sql, []
            rows.append(params)
        if current is not None:
            yield current, rows
