"""The runner: advances one run from its committed state until it ends or has to stop.

It asks the pure planner (app.core.plan) what is ready, runs ready nodes concurrently, and
commits each completed step (step row + skips it causes + events + run state) before any
successor starts. Loop bodies run as nested scopes (app.engine.loops).
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.core.conditions import evaluate_condition
from app.core.dsl import ApprovalSpec
from app.core.expressions import expression_scope
from app.core.plan import Advance, ScopeProgress
from app.engine.journal import Journal
from app.engine.state import (
    RunState,
    ScopeBlocked,
    StepRecord,
    WaitInfo,
    approval_key,
    node_key,
    wait_key,
)
from app.nodes.base import NodeResult, WaitFor
from app.nodes.context import StepContext, StepInterrupted
from app.store import writes
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


class StepFailed(Exception):
    """A step failed and its node says the run fails (or pauses) with it."""

    def __init__(self, key: str, error: dict[str, Any]) -> None:
        self.key = key
        self.error = error
        super().__init__(f"step '{key}' failed: {error.get('message')}")


@dataclass
class Outcome:
    node_id: str
    key: str
    attempt: int
    status: str
    input: Any
    input_json: str | None
    output: Any = None
    output_json: str | None = None
    ports: tuple[str, ...] = ()
    live_edges: tuple[str, ...] = ()
    error: dict[str, Any] | None = None
    started_at: float = 0.0
    finished_at: float = 0.0
    wait: WaitFor | None = None  # status "waiting": the wait to record


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


def describe_error(err: BaseException) -> dict[str, Any]:
    frames = traceback.format_exception(type(err), err, err.__traceback__, limit=-8)
    return {
        "type": type(err).__name__,
        "message": str(err) or type(err).__name__,
        "traceback": "".join(frames)[-4000:],
    }


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
                outcome = await self.run_node(scope, queue.popleft())  # a chain: no task
                queue.extend(await self._complete(scope, outcome, no_more_running=True))
                continue
            while queue:
                node_id = queue.popleft()
                pending[asyncio.ensure_future(self.run_node(scope, node_id))] = node_id
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
            outcome.live_edges = self._live_edges(
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

    # -- one node ------------------------------------------------------------------------

    def node_input(self, scope: ScopeRun, node_id: str) -> tuple[Any, dict[str, Any]]:
        """The merged output of the live incoming edges (or the scope's entry input)."""
        graph = self.state.compiled.graph
        incoming = graph.in_edges[node_id]
        if not incoming:
            return scope.entry_input, {}
        upstream: dict[str, Any] = {}
        for edge in incoming:
            source_key = node_key(edge.source, scope.suffix)
            record = self.state.records.get(source_key)
            if record is not None and edge.id in self._live_of(scope, edge.source):
                upstream[edge.source] = record.output
        if len(upstream) == 1:
            return next(iter(upstream.values())), upstream
        if all(isinstance(v, dict) for v in upstream.values()):
            merged: dict[str, Any] = {}
            for value in upstream.values():
                merged.update(value)
            return merged, upstream
        return dict(upstream), upstream

    def _live_of(self, scope: ScopeRun, node_id: str) -> frozenset[str]:
        return scope.progress.live_edges.get(node_id, frozenset())

    def nodes_view(self, scope: ScopeRun) -> dict[str, Any]:
        """What `nodes.<id>` shows: top-level outputs, overlaid with this loop item's."""
        if not scope.suffix:
            return self.state.top_outputs
        view = dict(self.state.top_outputs)
        for node_id in scope.progress.node_ids:
            record = self.state.records.get(node_key(node_id, scope.suffix))
            if record is not None and record.status == "succeeded":
                view[node_id] = record.output
        return view

    def make_context(
        self, scope: ScopeRun, node_id: str, key: str, attempt: int, upstream: dict[str, Any]
    ) -> StepContext:
        journal, log = self.journal, self.state.log

        def emit(type_: str, data: dict[str, Any]) -> None:
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # called from a worker thread (a sync function)
                journal.emit_threadsafe(log, type_, key, data)
                return
            journal.emit(log, type_, key, data)

        return StepContext(
            run_id=self.state.run_id,
            node_id=node_id,
            node_key=key,
            attempt=attempt,
            params=self.state.input if isinstance(self.state.input, dict) else {},
            run_info=self.state.info,
            nodes_source=lambda: self.nodes_view(scope),
            upstream=upstream,
            control=self.state.control,
            emit=emit,
            data_dir=self.data_dir_root / self.state.run_id,
            loop_vars=scope.loop_vars,
        )

    async def run_node(self, scope: ScopeRun, node_id: str) -> Outcome:
        """Run one node, with its retries and timeout, and return how it ended."""
        compiled = self.state.compiled.nodes[node_id]
        key = node_key(node_id, scope.suffix)
        input, upstream = self.node_input(scope, node_id)
        if key in self.state.overrides:  # an operator edited this step's input on resume
            input = self.state.overrides[key]
        input, input_json = writes.normalize(input)
        attempt = self.state.next_attempt(key)
        early = self._settled_by_wait(compiled, key, attempt, input, input_json)
        if early is not None:
            return early
        retry = compiled.spec.retry
        max_attempts = retry.max_attempts if retry else 1
        while True:
            outcome = await self._attempt(scope, node_id, key, attempt, input, input_json, upstream)
            if outcome.status == "succeeded" or attempt >= max_attempts or retry is None:
                return outcome
            await self._record_retry(outcome, retry.delay_before(attempt + 1))
            await asyncio.sleep(retry.delay_before(attempt + 1))
            attempt += 1

    def _settled_by_wait(
        self, compiled: Any, key: str, attempt: int, input: Any, input_json: str | None
    ) -> Outcome | None:
        """Before running a node: is it still waiting, waiting for approval, or settled?"""
        node_id = compiled.spec.id
        approval = compiled.spec.approval
        if approval is not None:
            record = self.state.records.get(approval_key(key))
            if record is None:
                info = self.state.waits.get(approval_key(key))
                if info is not None and info.status == "open":
                    return Outcome(node_id, key, attempt, "blocked", input, input_json)
                wait = self.waits.approval_wait(approval, self.state, input)
                return Outcome(node_id, key, attempt, "waiting", input, input_json, wait=wait)
            if "approve" not in record.ports:
                by = (record.output or {}).get("completed_by") or "someone"
                error = {"type": "Rejected", "message": f"rejected by {by}"}
                return Outcome(
                    node_id,
                    key,
                    attempt,
                    "failed",
                    input,
                    input_json,
                    error=error,
                    started_at=time.time(),
                    finished_at=time.time(),
                )
        info = self.state.waits.get(wait_key(key, attempt))
        if info is None:
            return None
        if info.status == "open":
            return Outcome(node_id, key, attempt, "blocked", input, input_json)
        failure = (info.result or {}).get("error") or {
            "type": "WaitCanceled",
            "message": "the wait was canceled",
        }
        return Outcome(
            node_id,
            key,
            attempt,
            "failed",
            input,
            input_json,
            error=failure,
            started_at=time.time(),
            finished_at=time.time(),
        )

    async def _record_retry(self, outcome: Outcome, delay: float) -> None:
        batch = Batch()
        self.state.record(
            outcome.key, StepRecord(outcome.node_id, outcome.attempt, "failed", None, ())
        )
        batch.step(
            self.state.run_id,
            outcome.key,
            outcome.node_id,
            outcome.attempt,
            "failed",
            input_json=outcome.input_json,
            output_json=None,
            error=outcome.error,
            ports=(),
            started_at=outcome.started_at,
            finished_at=outcome.finished_at,
        )
        self.journal.emit(
            self.state.log,
            "step.retrying",
            outcome.key,
            {
                "node_id": outcome.node_id,
                "attempt": outcome.attempt,
                "error": (outcome.error or {}).get("message"),
                "delay_s": delay,
            },
        )
        await self.journal.commit(self.state.log, batch)

    async def _attempt(
        self,
        scope: ScopeRun,
        node_id: str,
        key: str,
        attempt: int,
        input: Any,
        input_json: str | None,
        upstream: dict[str, Any],
    ) -> Outcome:
        compiled = self.state.compiled.nodes[node_id]
        outcome = Outcome(
            node_id, key, attempt, "failed", input, input_json, started_at=time.time()
        )
        self.journal.emit(
            self.state.log,
            "step.started",
            key,
            {"node_id": node_id, "attempt": attempt},
            persist=False,
        )
        ctx = self.make_context(scope, node_id, key, attempt, upstream)
        try:
            result = await self._execute(compiled, ctx, input, scope)
            if isinstance(result, WaitFor):
                outcome.status, outcome.wait = "waiting", result
                return outcome
            outcome.output, outcome.output_json = writes.normalize(result.output)
            outcome.ports = result.ports
            outcome.live_edges = self._live_edges(scope, node_id, outcome.output, outcome.ports)
            outcome.status = "succeeded"
        except ScopeBlocked:
            outcome.status = "blocked"
            return outcome
        except StepInterrupted as err:
            outcome.status = "interrupted"
            outcome.error = {"reason": "canceled" if err.reason == "cancel" else "paused"}
        except (Exception, asyncio.TimeoutError) as err:  # noqa: UP041 - both are node failures
            if isinstance(err, TimeoutError) and compiled.spec.timeout_s:
                outcome.error = {
                    "type": "StepTimeout",
                    "message": f"timed out after {compiled.spec.timeout_s} s",
                }
            elif isinstance(err, StepFailed):
                outcome.error = {**err.error, "message": f"{err.key}: {err.error.get('message')}"}
            else:
                outcome.error = describe_error(err)
        outcome.finished_at = time.time()
        return outcome

    async def _execute(
        self, compiled: Any, ctx: StepContext, input: Any, scope: ScopeRun
    ) -> NodeResult | WaitFor:
        if compiled.type.is_loop:
            from app.engine.loops import run_foreach

            work = run_foreach(self, scope, compiled, ctx, input)
        else:
            work = compiled.type.execute(ctx, compiled.config, input)
        if compiled.spec.timeout_s:
            return await asyncio.wait_for(work, compiled.spec.timeout_s)
        result: NodeResult | WaitFor = await work
        return result

    def restore(self, scope: ScopeRun) -> Advance:
        """Load the scope's committed steps into its planner; return what is ready now."""
        done = {}
        for node_id in scope.progress.node_ids:
            record = self.state.records.get(node_key(node_id, scope.suffix))
            if record is not None and record.done:
                done[node_id] = self._live_edges(scope, node_id, record.output, record.ports)
        return scope.progress.restore(done)

    def _live_edges(
        self, scope: ScopeRun, node_id: str, output: Any, ports: tuple[str, ...]
    ) -> tuple[str, ...]:
        """The outgoing edges a finished node makes live: its fired ports, minus false `when`s."""
        live = []
        for edge in self.state.compiled.graph.out_edges[node_id]:
            if edge.source_port not in ports:
                continue
            if edge.when is not None:
                names = expression_scope(
                    input=output,
                    nodes=self.nodes_view(scope),
                    params=self._params(),
                    run=self.state.info,
                    extra=scope.loop_vars or None,
                )
                if not evaluate_condition(edge.when, names):
                    continue
            live.append(edge.id)
        return tuple(live)

    def _params(self) -> dict[str, Any]:
        return self.state.input if isinstance(self.state.input, dict) else {}
