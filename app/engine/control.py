"""Run control from every state: pause, resume (with edited input), cancel, retry.

A live run is told through its control flags and stops at the next step boundary (long steps
see the request through `ctx` at their safe points). A sleeping run is changed in the database
directly, with compare-and-set updates, so two racing requests cannot both take effect.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from app.auth.audit import CANCELED, PAUSED, RESUMED, RETRIED, AuditLog, StoreAuditLog
from app.engine.runner import RUN_TERMINAL
from app.engine.tasks import NoLongerPossible
from app.engine.workflows import NotFound
from app.store import writes
from app.store.writes import Batch

if TYPE_CHECKING:
    from app.engine.service import Engine


class Controls:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.audit: AuditLog = StoreAuditLog(engine.store)  # who paused, resumed, …

    def _status(self, run_id: str) -> str:
        run = self.engine.store.fetch_run(run_id)
        if run is None:
            raise NotFound(f"no run '{run_id}'")
        return run.status

    async def pause(self, run_id: str) -> str:
        """Pause at the next step boundary (at once if the run is sleeping)."""
        engine = self.engine
        live = engine.live_state(run_id)
        if live is not None:
            live.control.pause_requested = True
            await engine.wait(run_id)
            self.audit.record(PAUSED, run_id)
            return self._status(run_id)
        status = self._status(run_id)
        if status == "paused":
            return status
        if status in RUN_TERMINAL:
            raise NoLongerPossible(f"run {run_id} is {status}; it cannot be paused")
        engine.journal.flush()
        if not engine.store.write_if(
            (writes.SET_RUN_STATUS_IF, ("paused", time.time(), run_id, status)), Batch()
        ):
            raise NoLongerPossible(f"run {run_id} changed meanwhile; try again")
        engine.note(run_id, "run.paused", None, {"by": "operator"})
        self.audit.record(PAUSED, run_id)
        return "paused"

    async def resume(self, run_id: str, inputs: dict[str, Any] | None = None) -> str:
        """Go on from where the run paused; `inputs` replaces the input of steps by node key."""
        engine = self.engine
        if engine.live_state(run_id) is not None:
            await engine.wait(run_id)  # let a pause in progress finish first
        status = self._status(run_id)
        if status != "paused":
            raise NoLongerPossible(f"run {run_id} is {status}, not paused")
        engine.journal.flush()
        batch = Batch()
        if inputs:
            batch.add(writes.SET_RUN_OVERRIDES, writes.to_json(inputs), run_id)
        if not engine.store.write_if(
            (writes.SET_RUN_STATUS_IF, ("running", time.time(), run_id, "paused")), batch
        ):
            raise NoLongerPossible(f"run {run_id} was resumed meanwhile")
        engine.note(run_id, "run.resumed", None, {"edited": sorted(inputs or {})})
        self.audit.record(RESUMED, run_id, {"edited": sorted(inputs or {})})
        engine.relaunch(run_id)
        return "running"

    async def cancel(self, run_id: str) -> str:
        """Stop the run for good: running steps are cancelled, open tasks and timers closed."""
        engine = self.engine
        status = self._status(run_id)
        if status in RUN_TERMINAL:
            raise NoLongerPossible(f"run {run_id} is already {status}")
        await engine.halt_live(run_id)
        now = time.time()
        engine.journal.flush()
        batch = Batch()
        batch.add(writes.CANCEL_RUN_WAITS, now, run_id)
        batch.add(writes.CANCEL_RUN_TASKS, run_id)
        batch.add(writes.CANCEL_RUN_TIMERS, run_id)
        error = writes.to_json({"type": "Canceled", "message": "canceled by the operator"})
        if not engine.store.write_if((writes.CANCEL_RUN, (error, now, now, run_id)), batch):
            raise NoLongerPossible(f"run {run_id} ended meanwhile")
        for timer_id in engine.store.run_timer_ids(run_id):
            engine.alarms.disarm(timer_id)
        engine.note(run_id, "run.canceled", None, {"by": "operator"})
        self.audit.record(CANCELED, run_id)
        engine.run_ended(run_id, "canceled")
        for child_id in engine.store.unfinished_child_ids(run_id):
            await self.cancel(child_id)
        return "canceled"

    async def retry(self, run_id: str) -> str:
        """Run a failed run again from its failed step; completed steps keep their outputs."""
        engine = self.engine
        status = self._status(run_id)
        if status != "failed":
            raise NoLongerPossible(f"run {run_id} is {status}; only failed runs can be retried")
        engine.journal.flush()
        if not engine.store.write_if((writes.RETRY_RUN, (time.time(), run_id)), Batch()):
            raise NoLongerPossible(f"run {run_id} changed meanwhile")
        engine.note(run_id, "run.retried", None, {})
        self.audit.record(RETRIED, run_id)
        engine.relaunch(run_id)
        return "running"
