"""The audit log: who did what to which target, with details, when. Append-only.

Engine services record through the narrow `AuditLog` Protocol (`record(what, target,
details)`); who did it comes from `acting_as`, a context variable the API, the CLI's RPC and
the pages set for the request they serve (left alone it is "local": the person at this machine,
or Ren itself for what schedules start). A task's completion records its own `completed_by`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from app.store.writes import Batch

# What the log records (the `what` column).
PUBLISHED = "published"
STARTED = "started"
PAUSED = "paused"
RESUMED = "resumed"
CANCELED = "canceled"
RETRIED = "retried"
SCHEDULE_CHANGED = "schedule changed"
CREDENTIAL_CHANGED = "credential changed"
TASK_COMPLETED = "task completed"
ACTIONS = (
    PUBLISHED,
    STARTED,
    PAUSED,
    RESUMED,
    CANCELED,
    RETRIED,
    SCHEDULE_CHANGED,
    CREDENTIAL_CHANGED,
    TASK_COMPLETED,
)

INSERT_AUDIT = "INSERT INTO audit (at, who, what, target, details) VALUES (?, ?, ?, ?, ?)"

acting_as: ContextVar[str] = ContextVar("ren_acting_as", default="local")


@contextmanager
def acting(name: str) -> Iterator[None]:
    """Record what happens inside as done by `name`."""
    token = acting_as.set(name)
    try:
        yield
    finally:
        acting_as.reset(token)


class AuditLog(Protocol):
    def record(self, what: str, target: str, details: dict[str, Any] | None = None) -> None: ...


class Writer(Protocol):
    def write(self, batch: Batch) -> None: ...


def add_entry(
    batch: Batch, what: str, target: str, details: dict[str, Any], who: str | None = None
) -> None:
    """Add an audit row to `batch`, so it commits with the change it describes."""
    body = json.dumps(details, default=str, sort_keys=True)
    batch.add(INSERT_AUDIT, time.time(), who or acting_as.get(), what, target, body)


class StoreAuditLog:
    """An AuditLog writing to the engine's store."""

    def __init__(self, store: Writer) -> None:
        self.store = store

    def record(self, what: str, target: str, details: dict[str, Any] | None = None) -> None:
        batch = Batch()
        add_entry(batch, what, target, details or {})
        self.store.write(batch)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    who: str
    what: str
    target: str
    details: dict[str, Any]


class Rows(Protocol):
    def rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]: ...


def read_entries(
    db: Rows,
    *,
    who: str | None = None,
    what: str | None = None,
    target: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first; each filter narrows (exact match); page with `before_id`."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("who", who), ("what", what), ("target", target)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    sql = "SELECT id, at, who, what, target, details FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(max(1, min(limit, 1000)))
    return [
        AuditEntry(r["id"], r["at"], r["who"], r["what"], r["target"], json.loads(r["details"]))
        for r in db.rows(sql, params)
    ]
