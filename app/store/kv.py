"""The key-value store behind the storage node: reads now, writes with the step's commit.

A storage step reads when it executes and hands its write back as SQL (`NodeResult.writes`);
the runner commits that SQL in the transaction that records the step as done. A run killed
before that commit re-runs the step and nothing was applied; after it, the step is done and
is never run again. So an increment counts exactly once.

Increments and appends are written relative to the stored value (`value + delta`, "append
then keep the last N"), not as the value the step computed: two runs that change one key at
the same time both count, whatever order their commits land in.

Values are JSON text; scopes are `shared` or `workflow:<workflow id>`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.store.rows import RowReader
from app.store.writes import Batch

SHARED = "shared"

Write = tuple[str, tuple[Any, ...]]  # one statement of a step's writes: SQL and its parameters

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

KV_GET = "SELECT value FROM kv WHERE scope=? AND key=?"
KV_SET = (
    "INSERT INTO kv (scope, key, value, updated_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (scope, key) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at"
)
KV_DELETE = "DELETE FROM kv WHERE scope=? AND key=?"
# ?3 is the delta as JSON; a stored value that is not a number is replaced by the delta
# (the node refuses that case when it reads, so this only guards a race).
KV_INCREMENT = (
    "INSERT INTO kv (scope, key, value, updated_at) VALUES (?1, ?2, json(?3), ?4)"
    " ON CONFLICT (scope, key) DO UPDATE SET value = CASE"
    " WHEN json_type(kv.value) IN ('integer', 'real')"
    " THEN json_quote(json_extract(kv.value, '$') + json_extract(?3, '$'))"
    " ELSE json(?3) END, updated_at = ?4"
)
# ?3 is the item as JSON, ?4 the most items kept (the newest); a value that is not a list
# starts a new one.
KV_APPEND = (
    "INSERT INTO kv (scope, key, value, updated_at) VALUES (?1, ?2, json_array(json(?3)), ?5)"
    " ON CONFLICT (scope, key) DO UPDATE SET value = ("
    "SELECT json_group_array(json(kept.item)) FROM ("
    "SELECT a.list -> ('$[' || e.key || ']') AS item FROM"
    " (SELECT json_insert(CASE WHEN json_type(kv.value) = 'array' THEN kv.value ELSE '[]' END,"
    " '$[#]', json(?3)) AS list) AS a, json_each(a.list) AS e"
    " WHERE e.key >= json_array_length(a.list) - ?4 ORDER BY e.key) AS kept"
    "), updated_at = ?5"
)


def workflow_scope(workflow_id: str) -> str:
    return f"workflow:{workflow_id}"


def encode(value: Any) -> str:
    """A value as the JSON text the table holds (ValueError for NaN or what JSON cannot hold)."""
    try:
        return _encode(value)
    except TypeError as err:
        raise ValueError(f"{type(value).__name__} is not JSON data") from err


class KeyValueReader(Protocol):
    """What a step needs to read the store (the engine's `Store` is one)."""

    def kv_get(self, scope: str, key: str) -> tuple[bool, Any]: ...


class KvQueries(RowReader):
    """Reads of the key-value table on the writer connection (a committed write counts at once)."""

    def kv_get(self, scope: str, key: str) -> tuple[bool, Any]:
        """(found, value): (False, None) when the key holds nothing."""
        found = self._conn.execute(KV_GET, (scope, key)).fetchone()
        return (False, None) if found is None else (True, json.loads(found[0]))

    def kv_items(self, scope: str) -> dict[str, Any]:
        """Every key of a scope with its value."""
        rows = self._conn.execute("SELECT key, value FROM kv WHERE scope=? ORDER BY key", (scope,))
        return {key: json.loads(value) for key, value in rows}


@dataclass(frozen=True)
class CommittedFirst:
    """Reads after committing what is queued: a loop item's finished steps are staged, not
    committed, when the next step runs, and their writes must count for its read."""

    commit_queued: Callable[[], None]
    store: KeyValueReader

    def kv_get(self, scope: str, key: str) -> tuple[bool, Any]:
        self.commit_queued()
        return self.store.kv_get(scope, key)


@dataclass(frozen=True)
class KvWrites:
    """The SQL of each write, to go into the batch that records the step."""

    scope: str
    key: str

    def set(self, value: Any) -> Write:
        return KV_SET, (self.scope, self.key, encode(value), time.time())

    def delete(self) -> Write:
        return KV_DELETE, (self.scope, self.key)

    def increment(self, by: int | float) -> Write:
        return KV_INCREMENT, (self.scope, self.key, encode(by), time.time())

    def append(self, item: Any, max_length: int) -> Write:
        return KV_APPEND, (self.scope, self.key, encode(item), max_length, time.time())


class KvStore(KeyValueReader, Protocol):
    def kv_items(self, scope: str) -> dict[str, Any]: ...

    def write(self, batch: Batch) -> None: ...


class Storage:
    """The storage node's keys from Python (`engine.storage`): shared keys by default, or a
    workflow's own with `workflow=`. Writes commit at once, on the engine's writer."""

    def __init__(self, store: KvStore) -> None:
        self._store = store

    @staticmethod
    def _scope(workflow: str | None) -> str:
        return workflow_scope(workflow) if workflow else SHARED

    def get(self, key: str, default: Any = None, *, workflow: str | None = None) -> Any:
        found, value = self._store.kv_get(self._scope(workflow), key)
        return value if found else default

    def set(self, key: str, value: Any, *, workflow: str | None = None) -> None:
        self._write(KvWrites(self._scope(workflow), key).set(value))

    def delete(self, key: str, *, workflow: str | None = None) -> bool:
        found, _ = self._store.kv_get(self._scope(workflow), key)
        self._write(KvWrites(self._scope(workflow), key).delete())
        return found

    def items(self, *, workflow: str | None = None) -> dict[str, Any]:
        return self._store.kv_items(self._scope(workflow))

    def _write(self, write: Write) -> None:
        batch = Batch()
        batch.add(write[0], *write[1])
        self._store.write(batch)
