"""The AI journal: every model reply and tool result of an AI step, written before the next
call (table `ai_journal`, migration 16).

An AI step (the `ai_agent`) numbers its calls 0, 1, 2, ... When the step runs again after a
crash, a restart or a wait, `Replay` hands back the recorded entries in order; only calls past
the end of the journal reach the model or the tool. The request hash of each entry is checked,
so a changed workflow cannot silently replay answers to a different conversation.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.dsl import WorkflowSpec

if TYPE_CHECKING:  # the database layer loads when a step first uses the journal, not for
    from app.store.store import Store  # `ren validate` (which imports the node catalog)

INSERT = (
    "INSERT INTO ai_journal (run_id, node_key, seq, kind, request_hash, response, created_at)"
    " VALUES (?,?,?,?,?,?,?)"
)
SELECT = (
    "SELECT seq, kind, request_hash, response FROM ai_journal"
    " WHERE run_id=? AND node_key=? ORDER BY seq"
)


class JournalMismatch(RuntimeError):
    """A replayed entry was recorded for a different request (the workflow changed)."""


def request_hash(request: Any) -> str:
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Entry:
    seq: int
    kind: str
    request_hash: str
    response: Any


_stores: dict[Path, Store] = {}
_lock = threading.Lock()


def folder_store(root: Path) -> Store:
    """The data folder's database in this process (opened once)."""
    resolved = root.resolve()
    with _lock:
        store = _stores.get(resolved)
        if store is None:
            from app.store.store import Store

            store = _stores[resolved] = Store(resolved / "ren.sqlite")
        return store


class AiJournal:
    """The entries of one AI step (run, step key), read once and appended one by one."""

    def __init__(self, store: Store, run_id: str, node_key: str) -> None:
        self.store = store
        self.run_id = run_id
        self.node_key = node_key
        self.entries = self._load()
        self.cursor = 0  # the next entry a replay hands out

    def _load(self) -> list[Entry]:
        with self.store.session() as session:
            rows = session.connection().exec_driver_sql(SELECT, (self.run_id, self.node_key))
            found = []
            for seq, kind, hash_, response in rows.all():
                data = json.loads(response) if isinstance(response, str) else response
                found.append(Entry(int(seq), str(kind), str(hash_), data))
        return found

    def replay(self, kind: str, request: Any) -> Entry | None:
        """The recorded answer to the next call, or None when the journal ends here."""
        if self.cursor >= len(self.entries):
            return None
        entry = self.entries[self.cursor]
        wanted = request_hash(request)
        if entry.kind != kind or entry.request_hash != wanted:
            raise JournalMismatch(
                f"step {self.node_key}: call {entry.seq} was recorded as a {entry.kind} call for "
                "another request; the workflow changed since, so it cannot resume here"
            )
        self.cursor += 1
        return entry

    def record(self, kind: str, request: Any, response: Any) -> Entry:
        """Write the answer to the next call durably (committed when this returns)."""
        seq = len(self.entries)
        entry = Entry(seq, kind, request_hash(request), response)
        self.store.write_raw(
            INSERT,
            self.run_id,
            self.node_key,
            seq,
            kind,
            entry.request_hash,
            json.dumps(response),
            time.time(),
        )
        self.entries.append(entry)
        self.cursor = len(self.entries)
        return entry


RUN_DEFINITION = (
    "SELECT v.id, v.definition FROM run r JOIN workflow_version v ON v.id = r.version_id"
    " WHERE r.id = ?"
)
_definitions: dict[str, WorkflowSpec] = {}  # by version id: versions never change


def run_workflow(store: Store, run_id: str) -> WorkflowSpec:
    """The workflow version a run runs (an AI node reads its attached sub-nodes from it)."""
    with store.session() as session:
        row = session.connection().exec_driver_sql(RUN_DEFINITION, (run_id,)).first()
    if row is None:
        raise LookupError(f"run {run_id} is not in this data folder")
    version_id, definition = str(row[0]), row[1]
    spec = _definitions.get(version_id)
    if spec is None:
        data = json.loads(definition) if isinstance(definition, str) else definition
        spec = _definitions[version_id] = WorkflowSpec.model_validate(data)
    return spec


WAKE_RESULT = "SELECT kind, result FROM wait WHERE run_id=? AND node_key=? AND status='done'"


def wake_result(
    store: Store, run_id: str, node_key: str, attempt: int
) -> tuple[str, dict[str, Any]] | None:
    """(wait kind, result) of how the wait of `attempt` of a re-entrant step was resolved;
    None when it did not wait."""
    wkey = node_key if attempt == 1 else f"{node_key}#{attempt}"
    with store.session() as session:
        row = session.connection().exec_driver_sql(WAKE_RESULT, (run_id, wkey)).first()
    if row is None:
        return None
    data = json.loads(row[1]) if isinstance(row[1], str) else row[1]
    if not isinstance(data, dict) or not data.get("reenter"):
        return None
    return str(row[0]), data
