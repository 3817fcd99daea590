"""The runner: advances one run from its committed state until it ends or has to stop.

It asks the pure planner (app.core.plan) what is ready, runs ready nodes concurrently, and
commits each completed step (step row + skips it causes + events + run state) before any
successor starts. Loop bodies run as nested scopes (app.engine.loops). Running one node (its
input, context, attempts, retries and timeout) is app.engine.steps.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.core.dsl import ApprovalSpec
from app.core.plan import Advance, ScopeProgress
from app.engine.journal import Journal
from app.engine.state import (
    RunState,
    StepRecord,
    WaitInfo,
    approval_key,
    node_key,
    wait_key,
)
from app.engine.steps import Outcome, StepFailed, StepRunner
from app.nodes.base import WaitFor
from app.store import artifacts, writes
from app.store.writes import Batch

RUN_TERMINAL = ("succeeded", "failed", "canceled")


class WaitHost(Protocol):
    """What the runner needs from the engine to record and start waits (app.engine.waits)."""

    def record(
        self, state: RunState, wkey: str, node_id: str, wait: WaitFor, input_json: str | None
    ) -> tuple[Batch, WaitInfo]: ...

    async def committed(
        self, state: RunState, wkey: str, info: WaitInfo, wait: WaitFor
    ) -> None: ...

    def approval_wait(self, approval: ApprovalSpec, state: RunState, input: Any) -> WaitFor: ...


@dataclass
class ScopeRun:
    """One scope instance being driven: the top level, or one loop item."""

    progress: ScopeProgress
    suffix: str
    loop_vars: dict[str, Any] = field(default_factory=dict)
    entry_input: Any = None
    batched: bool = False  # loop items checkpoint in batches (see Journal.stage)
    blocked: set[str] = field(default_factory=set)  # nodes waiting on a person, timer, …
    generation: int = 0  # the run's wake generation this scope last looked at


class RunDriver:
    """Drives one run. Created when a run is (re)started and dropped when it stops."""

    def __init__(
        self, state: RunState, journal: Journal, data_dir_root: Any, waits: WaitHost
    ) -> None:
        self.state = state
        self.journal = journal
        self.waits = waits
        self.data_dir_root = data_dir_root
        self.halt: str | None = None  # "failed" | "paused" | "canceled"
        self.halt_error: dict[str, Any] | None = None
        self.final_batch = Batch()
        self.finished = False
        self.steps = StepRunner(self)

    # -- the top level -------------------------------------------------------------------

    async def drive(self) -> str:
        """Run until the run ends or stops; returns the run's status afterwards."""
        graph = self.state.compiled.graph
        top = ScopeProgress(graph, None)
        scope = ScopeRun(top, "", entry_input=self.state.input)
        advance = self.restore(scope)
        timeout = self.state.compiled.spec.timeout_s
        try:
            if timeout is None:
                await self.run_scope(scope, advance)
            else:
                loop = asyncio.get_running_loop()
                deadline = loop.time() + (self.state.started_at + timeout - time.time())
                async with asyncio.timeout_at(deadline):
                    await self.run_scope(scope, advance)
        except TimeoutError:
            self.halt = "failed"
            self.halt_error = {
                "type": "RunTimeout",
                "message": f"the run took longer than {timeout} s",
            }
        if self.halt is None and top.finished:
            if not self.finished:  # e.g. the last nodes were skipped while restoring
                batch = Batch()
                self._finish_succeeded(batch)
                await self.journal.commit(self.state.log, batch)
            return "succeeded"
        if self.halt is None and self.state.has_open_waits:
            return await self._sleep()
        if self.halt is None:  # nothing can run now but the run is not done
            self.halt, self.halt_error = "failed", {"message": "the run cannot make progress"}
        return await self._stop()

    async def _sleep(self) -> str:
        """Every live branch waits: commit the run as `waiting`; nothing of it stays in memory."""
        batch = Batch()
        batch.add(writes.SET_RUN_STATUS, "waiting", time.time(), self.state.run_id)
        open_waits = [k for k, w in self.state.waits.items() if w.status == "open"]
        self.journal.emit(self.state.log, "run.waiting", data={"waits": open_waits})
        await self.journal.commit(self.state.log, batch)
        return "waiting"

    async def _stop(self) -> str:
        status = self.halt or "failed"
        batch = self.final_batch
        now = time.time()
        log = self.state.log
        if status == "paused":
            batch.add(writes.SET_RUN_STATUS, "paused", now, self.state.run_id)
            self.journal.emit(log, "run.paused", data={"error": self.halt_error})
        else:
            error = self.halt_error or {"message": f"run {status}"}
            batch.add(
                writes.FINISH_RUN, status, None, writes.to_json(error), now, now, self.state.run_id
            )
            self.journal.emit(log, f"run.{status}", data={"error": error})
        await self.journal.commit(log, batch)
        return status

    def run_output(self) -> Any:
        """The output of the `end` nodes that ran (else of the last nodes that ran)."""
        compiled = self.state.compiled
        top_ids = compiled.graph.scope_nodes(None)
        ends = [n for n in top_ids if compiled.nodes[n].spec.type == "end"]
        sinks = ends or [n for n in top_ids if not compiled.graph.out_edges[n]]
        ran = {
            n: self.state.records[n].output
            for n in sinks
            if n in self.state.records and self.state.records[n].status == "succeeded"
        }
        if len(ran) == 1:
            return next(iter(ran.values()))
        return ran or None

    # -- a scope -------------------------------------------------------------------------

    async def run_scope(self, scope: ScopeRun, first: Advance) -> None:
        """Run the ready nodes of one scope instance until it finishes, blocks or halts."""
        if first.skipped:  # found while restoring: recorded with the next commit
            batch = Batch()
            self._record_skips(scope, first.skipped, batch)
            self.journal.stage(self.state.log, batch)
        scope.generation = self.state.wake_generation
        queue: deque[str] = deque(first.ready)
        pending: dict[asyncio.Task[Outcome], str] = {}
        try:
            while True:
                await self._drain(scope, queue, pending)
                if self.halt is None and scope.blocked and self._rewake(scope, queue):
                    continue
                return
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def _drain(
        self, scope: ScopeRun, queue: deque[str], pending: dict[asyncio.Task[Outcome], str]
    ) -> None:
        while queue or pending:
            if self.halt is None and self.state.control.pause_requested:
                self.halt = "canceled" if self.state.control.cancel_requested else "paused"
            if self.halt is not None:
                queue.clear()
                if not pending:
                    return
            if queue and not pending and len(queue) == 1:
                outcome = await self.steps.run_node(scope, queue.popleft())  # a chain: no task
                queue.extend(await self._complete(scope, outcome, no_more_running=True))
                continue
            while queue:
                node_id = queue.popleft()
                pending[asyncio.ensure_future(self.steps.run_node(scope, node_id))] = node_id
            waiting_for: set[asyncio.Future[Any]] = set(pending)
            woken = None
            if self.state.waits:  # a wait may be resolved while other branches run
                woken = asyncio.ensure_future(self.state.woken.wait())
                waiting_for.add(woken)
            done, _ = await asyncio.wait(waiting_for, return_when=asyncio.FIRST_COMPLETED)
            if woken is not None:
                woken.cancel()
                if woken in done:
                    self.state.woken.clear()
                    self._rewake(scope, queue)
            for task in done:
                if task is woken:
                    continue
                del pending[task]  # type: ignore[arg-type]
                outcome = task.result()
                queue.extend(await self._complete(scope, outcome, not pending and not queue))

    def _rewake(self, scope: ScopeRun, queue: deque[str]) -> bool:
        """After waits were resolved: queue what can move now. True if anything can."""
        if scope.generation == self.state.wake_generation:
            return False
        scope.generation = self.state.wake_generation
        advance = self.restore(scope)
        for node_id in list(scope.blocked):
            if scope.progress.is_done(node_id):
                scope.blocked.discard(node_id)
            elif not self._blocked_now(scope, node_id):
                scope.blocked.discard(node_id)  # e.g. approved: now it can run
                queue.append(node_id)
        queue.extend(advance.ready)
        if advance.skipped:
            batch = Batch()
            self._record_skips(scope, advance.skipped, batch)
            self.journal.stage(self.state.log, batch)
        return bool(queue)

    def _blocked_now(self, scope: ScopeRun, node_id: str) -> bool:
        key = node_key(node_id, scope.suffix)
        attempt = self.state.next_attempt(key)
        for wkey in (wait_key(key, attempt), approval_key(key)):
            info = self.state.waits.get(wkey)
            if info is not None and info.status == "open":
                return True
        return False

    async def _complete(
        self, scope: ScopeRun, outcome: Outcome, no_more_running: bool
    ) -> list[str]:
        """Commit a finished step with what it causes; return the nodes now ready."""
        spec = self.state.compiled.nodes[outcome.node_id].spec
        if outcome.status == "interrupted":  # paused or canceled at a safe point: not a result
            if self.halt is None:
                self.halt = outcome.error["reason"] if outcome.error else "paused"
            return []
        if outcome.status == "blocked":
            scope.blocked.add(outcome.node_id)
            return []
        if outcome.status == "waiting":
            await self._record_wait(scope, outcome)
            scope.blocked.add(outcome.node_id)
            return []
        batch = Batch()
        if outcome.status == "failed" and spec.on_error == "continue":
            outcome.ports = ("error",)
            outcome.output = {"error": outcome.error, "input": outcome.input}
            outcome.output, outcome.output_json = writes.normalize(outcome.output)
            outcome.live_edges = self.steps.live_edges(
                scope, outcome.node_id, outcome.output, outcome.ports
            )
        self._record_step(scope, outcome, batch)
        if outcome.status == "failed" and not outcome.ports:
            return self._fail_step(scope, outcome, batch, spec.on_error)
        advance = scope.progress.complete(outcome.node_id, outcome.live_edges)
        self._record_skips(scope, advance.skipped, batch)
        top_done = scope.suffix == "" and scope.progress.finished and not advance.ready
        if top_done and no_more_running and self.halt is None:
            self._finish_succeeded(batch)
        if scope.batched:
            self.journal.stage(self.state.log, batch)
        else:
            await self.journal.commit(self.state.log, batch)
        return advance.ready

    async def _record_wait(self, scope: ScopeRun, outcome: Outcome) -> None:
        assert outcome.wait is not None
        wkey = (
            approval_key(outcome.key)
            if outcome.wait.kind == "approval"
            else wait_key(outcome.key, outcome.attempt)
        )
        batch, info = self.waits.record(
            self.state, wkey, outcome.node_id, outcome.wait, outcome.input_json
        )
        self.state.waits[wkey] = info
        self.journal.emit(
            self.state.log,
            "step.waiting",
            outcome.key,
            {"node_id": outcome.node_id, "kind": outcome.wait.kind, "wait_id": info.id},
        )
        await self.journal.commit(self.state.log, batch)
        await self.waits.committed(self.state, wkey, info, outcome.wait)

    def _fail_step(
        self, scope: ScopeRun, outcome: Outcome, batch: Batch, on_error: str
    ) -> list[str]:
        error = outcome.error or {}
        if scope.batched:  # inside a loop item: the loop node fails with it
            self.journal.stage(self.state.log, batch)
            raise StepFailed(outcome.key, error)
        self.final_batch.extend(batch)
        if self.halt is None:
            self.halt = "paused" if on_error == "pause" else "failed"
            self.halt_error = {**error, "node_key": outcome.key}
        return []

    def _finish_succeeded(self, batch: Batch) -> None:
        self.finished = True
        _output, output_json = writes.normalize(self.run_output())
        now = time.time()
        batch.add(writes.FINISH_RUN, "succeeded", output_json, None, now, now, self.state.run_id)
        self.journal.emit(self.state.log, "run.succeeded", data={})

    def _record_step(self, scope: ScopeRun, outcome: Outcome, batch: Batch) -> None:
        run_id = self.state.run_id
        self.state.record(
            outcome.key,
            StepRecord(
                outcome.node_id, outcome.attempt, outcome.status, outcome.output, outcome.ports
            ),
        )
        batch.step(
            run_id,
            outcome.key,
            outcome.node_id,
            outcome.attempt,
            outcome.status,
            input_json=outcome.input_json,
            output_json=outcome.output_json,
            error=outcome.error,
            ports=outcome.ports,
            started_at=outcome.started_at,
            finished_at=outcome.finished_at,
        )
        artifacts.record(batch, outcome.artifacts)  # files the step saved
        if outcome.status == "succeeded":  # e.g. a storage write: exactly once with the step
            for sql, params in outcome.writes:
                batch.add(sql, *params)
        data: dict[str, Any] = {
            "node_id": outcome.node_id,
            "attempt": outcome.attempt,
            "status": outcome.status,
            "ports": list(outcome.ports),
            "ms": round((outcome.finished_at - outcome.started_at) * 1000, 3),
        }
        if outcome.error:
            data["error"] = outcome.error.get("message")
        kind = "step.completed" if outcome.status == "succeeded" else "step.failed"
        self.journal.emit(self.state.log, kind, outcome.key, data)

    def _record_skips(self, scope: ScopeRun, skipped: list[str], batch: Batch) -> None:
        now = time.time()
        for node_id in skipped:
            key = node_key(node_id, scope.suffix)
            self.state.record(key, StepRecord(node_id, 1, "skipped", None, ()))
            batch.step(
                self.state.run_id,
                key,
                node_id,
                1,
                "skipped",
                input_json=None,
                output_json=None,
                error=None,
                ports=(),
                started_at=None,
                finished_at=now,
            )
            self.journal.emit(self.state.log, "step.skipped", key, {"node_id": node_id})

    def restore(self, scope: ScopeRun) -> Advance:
        """Load the scope's committed steps into its planner; return what is ready now."""
        done = {}
        for node_id in scope.progress.node_ids:
            record = self.state.records.get(node_key(node_id, scope.suffix))
            if record is not None and record.done:
                done[node_id] = self.steps.live_edges(scope, node_id, record.output, record.ports)
        return scope.progress.restore(done)
