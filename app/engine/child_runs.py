"""Sub-workflow runs: starting a parent step's child run, and waking the parent when it ends.

A child run starts at most once per parent step: its idempotency key is
`child:{parent_run_id}:{wait key}`, and the parent's wait row then holds the child's run id.
At start-up, `reconcile` starts the children a crash kept from starting and wakes the parents
of children that ended meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.engine.runner import RUN_TERMINAL
from app.store import writes
from app.store.writes import Batch

if TYPE_CHECKING:
    from app.engine.service import Engine


class ChildRuns:
    """The sub-workflow runs of the engine's runs (the engine's `child_runs`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def start_child(self, parent_run_id: str, wkey: str, child: dict[str, Any]) -> None:
        """Start a sub-workflow's run (at most once per parent step: the key is unique)."""
        try:
            child_id = await self.engine.start_run(
                child["workflow_id"],
                child.get("input"),
                version=child.get("version"),
                idempotency_key=f"child:{parent_run_id}:{wkey}",
                parent_run_id=parent_run_id,
            )
        except Exception as err:
            wait_id = self.engine.store.wait_id_for_key(parent_run_id, wkey)
            if wait_id is not None:
                error = {"type": type(err).__name__, "message": f"sub-workflow: {err}"}
                self.engine.waits.resolve(wait_id, {}, error=error)
            return
        batch = Batch()
        batch.add(writes.SET_WAIT_KEY, child_id, parent_run_id, wkey)
        self.engine.store.write(batch)
        run = self.engine.get_run(child_id)
        if run.status in RUN_TERMINAL:  # it was quicker than us
            self.run_ended(child_id, run.status)

    def run_ended(self, run_id: str, status: str) -> None:
        """A run ended: if it is a sub-workflow's child, wake its parent."""
        run = self.engine.get_run(run_id)
        key = run.idempotency_key or ""
        if not key.startswith("child:") or status not in RUN_TERMINAL:
            return
        _, parent_id, wkey = key.split(":", 2)
        wait_id = self.engine.store.open_wait_id_for_key(parent_id, wkey)
        if wait_id is None:
            return
        if status == "succeeded":
            self.engine.waits.resolve(wait_id, {"run_id": run_id, "output": run.output})
        else:
            message = (run.error or {}).get("message", status)
            error = {
                "type": "ChildRunFailed",
                "message": f"sub-workflow run {run_id} {status}: {message}",
                "child_run_id": run_id,
            }
            self.engine.waits.resolve(wait_id, {}, error=error)

    async def reconcile(self) -> None:
        """At start: start children a crash kept from starting; wake parents of ended ones."""
        for wait in self.engine.store.open_child_waits():
            if wait["key"] is None:
                config = self.engine.compiled_for_run(wait["run_id"]).nodes[wait["node_id"]].config
                child_input = getattr(config, "input", None)
                child = {
                    "workflow_id": getattr(config, "workflow", ""),
                    "version": getattr(config, "version", None),
                    "input": wait["input"] if child_input is None else child_input,
                }
                await self.start_child(wait["run_id"], wait["node_key"], child)
            else:
                child_run = self.engine.store.fetch_run(wait["key"])
                if child_run is not None and child_run.status in RUN_TERMINAL:
                    self.run_ended(child_run.id, child_run.status)
