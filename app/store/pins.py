"""Pins: a node's output saved per workflow in the editor (table `pin`).

A test run uses a pinned node's output instead of running the node (app.engine.test_runs);
real runs never read this table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from app.store import writes
from app.store.schema import Pin
from app.store.store import Store

UPSERT_PIN = (
    "INSERT INTO pin (workflow_id, node_id, output, port, source, created_at) VALUES (?,?,?,?,?,?)"
    " ON CONFLICT (workflow_id, node_id) DO UPDATE SET output=excluded.output,"
    " port=excluded.port, source=excluded.source, created_at=excluded.created_at"
)
DELETE_PIN = "DELETE FROM pin WHERE workflow_id=? AND node_id=?"


@dataclass(frozen=True)
class PinnedOutput:
    node_id: str
    output: Any
    port: str  # the output port it fires
    source: str  # "typed", or the id of the run it came from
    created_at: float


class Pins:
    """Read and change the pins of workflows."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def of(self, workflow_id: str) -> dict[str, PinnedOutput]:
        """The workflow's pins, by node id."""
        with self.store.session() as session:
            query = select(Pin).where(Pin.workflow_id == workflow_id).order_by(col(Pin.node_id))
            rows = session.exec(query).all()
        return {
            r.node_id: PinnedOutput(r.node_id, r.output, r.port, r.source, r.created_at)
            for r in rows
        }

    def pin(
        self, workflow_id: str, node_id: str, output: Any, port: str = "out", source: str = "typed"
    ) -> PinnedOutput:
        """Save (or replace) a node's pinned output; raises NotJsonData for non-JSON values."""
        output, output_json = writes.normalize(output)
        now = time.time()
        self.store.write_raw(UPSERT_PIN, workflow_id, node_id, output_json, port, source, now)
        return PinnedOutput(node_id, output, port, source, now)

    def unpin(self, workflow_id: str, node_id: str) -> None:
        self.store.write_raw(DELETE_PIN, workflow_id, node_id)
