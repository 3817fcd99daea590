"""What file triggers saw, in tables `file_watch` and `file_seen` (migration 11).

`file_watch` holds since when a trigger watches (reset when what it watches changes);
`file_seen` each (file, modification time) that started a run, so nothing fires twice.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from app.store.store import Store
from app.store.writes import Batch

PUBLISHED_TRIGGERS = (
    "SELECT w.id, v.definition FROM workflow w JOIN workflow_version v"
    " ON v.workflow_id = w.id AND v.number = w.latest_version"
    " WHERE w.deleted_at IS NULL AND v.definition LIKE '%\"file_trigger\"%'"
)
SELECT_WATCH = "SELECT config_hash, since FROM file_watch WHERE workflow_id=? AND node_id=?"
UPSERT_WATCH = (
    "INSERT INTO file_watch (workflow_id, node_id, config_hash, since) VALUES (?,?,?,?)"
    " ON CONFLICT (workflow_id, node_id) DO UPDATE SET"
    " config_hash=excluded.config_hash, since=excluded.since"
)
SELECT_SEEN = "SELECT path, mtime_ns FROM file_seen WHERE workflow_id=? AND node_id=?"
SELECT_SEEN_PATH = "SELECT mtime_ns FROM file_seen WHERE workflow_id=? AND node_id=? AND path=?"
INSERT_SEEN = (
    "INSERT INTO file_seen (workflow_id, node_id, path, event, mtime_ns, size, run_id, seen_at)"
    " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"
)


@dataclass(frozen=True)
class TriggerNode:
    """A file trigger node of a workflow's latest published version."""

    workflow_id: str
    node_id: str
    config: dict[str, Any]


class FileWatchStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def published_triggers(self) -> list[TriggerNode]:
        with self.store.session() as session:
            rows = session.connection().exec_driver_sql(PUBLISHED_TRIGGERS).all()
        found = []
        for workflow_id, definition in rows:
            document = json.loads(definition) if isinstance(definition, str) else definition
            for node in document.get("nodes", []):
                if node.get("type") == "file_trigger":
                    config = node.get("config") or {}
                    found.append(TriggerNode(str(workflow_id), str(node["id"]), config))
        return found

    def since(self, workflow_id: str, node_id: str, config_hash: str) -> float:
        """Since when this trigger watches with this config (now, the first time)."""
        with self.store.session() as session:
            found = session.connection().exec_driver_sql(SELECT_WATCH, (workflow_id, node_id))
            row = found.first()
        if row is not None and row[0] == config_hash:
            return float(row[1])
        now = time.time()
        self.store.write_raw(UPSERT_WATCH, workflow_id, node_id, config_hash, now)
        return now

    def seen(self, workflow_id: str, node_id: str) -> dict[str, set[int]]:
        """Every path that started a run, with the modification times it did so for."""
        with self.store.session() as session:
            found = session.connection().exec_driver_sql(SELECT_SEEN, (workflow_id, node_id))
            rows = found.all()
        paths: dict[str, set[int]] = {}
        for path, mtime_ns in rows:
            paths.setdefault(str(path), set()).add(int(mtime_ns))
        return paths

    def seen_times(self, workflow_id: str, node_id: str, path: str) -> set[int]:
        """The modification times `path` started a run for."""
        with self.store.session() as session:
            found = session.connection().exec_driver_sql(
                SELECT_SEEN_PATH, (workflow_id, node_id, path)
            )
            return {int(row[0]) for row in found.all()}

    def record(
        self,
        trigger: TriggerNode,
        path: str,
        event: str,
        mtime_ns: int,
        size: int | None,
        run_id: str,
    ) -> None:
        batch = Batch()
        batch.add(
            INSERT_SEEN,
            trigger.workflow_id,
            trigger.node_id,
            path,
            event,
            mtime_ns,
            size,
            run_id,
            time.time(),
        )
        self.store.write(batch)
