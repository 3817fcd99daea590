"""Running one node of a run as a step: its input, context, attempts, retries and timeout.

A step first checks whether a wait or an approval settles it (open: blocked; approval not yet
asked: waiting; rejected, or the wait failed: failed); otherwise it runs the node (a foreach
node drives its items through app.engine.loops), retries it with backoff, and reports how it
ended as an `Outcome`, with the outgoing edges it makes live. Committing the outcome is the
driver's job (app.engine.runner).
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core.conditions import evaluate_condition
from app.core.expressions import expression_scope
from app.core.json_values import (
    BadLimitSetting,
    NotJsonData,
    OutputTooLarge,
    encode_output,
    max_output_bytes,
)
from app.credentials.masking import mask_secrets
from app.engine.artifacts import RunArtifacts, settle_artifacts
from app.engine.compiled import CompiledNode
from app.engine.state import ScopeBlocked, StepRecord, approval_key, node_key, wait_key
from app.nodes.base import NodeResult, WaitFor
from app.nodes.context import StepContext, StepInterrupted
from app.nodes.sync_calls import TooManyAbandoned, abandoned_calls, was_abandoned
from app.store import artifacts, writes
from app.store.artifacts import ArtifactRow
from app.store.kv import CommittedFirst
from app.store.writes import Batch

if TYPE_CHECKING:
    from app.engine.runner import RunDriver, ScopeRun

log = logging.getLogger(__name__)


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
    artifacts: tuple[ArtifactRow, ...] = ()  # files it saved, recorded with the step
    writes: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # the node's, if it succeeds


def _failed_at_once(
    node_id: str,
    key: str,
    attempt: int,
    input: Any,
    input_json: str | None,
    error: dict[str, Any],
) -> Outcome:
    """A step that fails without running (rejected, or its wait failed or was canceled)."""
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


def _timed_out(timeout_s: float, key: str) -> dict[str, Any]:
    message = f"timed out after {timeout_s:g} s"
    if was_abandoned(key):  # a sync function: its thread cannot be stopped, only left behind
        message += "; the function call was abandoned (it runs on until it returns)"
        log.warning(
            "step %s timed out; its sync function call was abandoned and runs on in its "
            "thread until it returns (%d abandoned call(s) still running)",
            key,
            len(abandoned_calls()),
        )
    return {"type": "StepTimeout", "message": message}


def _output_limit() -> int | BadLimitSetting:
    try:
        return max_output_bytes()
    except BadLimitSetting as err:  # every step with an output fails, saying why
        return err


def describe_error(err: BaseException) -> dict[str, Any]:
    frames = traceback.format_exception(type(err), err, err.__traceback__, limit=-8)
    return {
        "type": type(err).__name__,
        "message": str(err) or type(err).__name__,
        "traceback": "".join(frames)[-4000:],
    }


class StepRunner:
    """Runs the nodes of one run for its driver (app.engine.runner.RunDriver)."""

    def __init__(self, driver: RunDriver) -> None:
        self.driver = driver  # a foreach node drives its items through it (app.engine.loops)
        self.state = driver.state
        self.journal = driver.journal
        self.waits = driver.waits
        self.data_dir_root = driver.data_dir_root
        self.max_output = _output_limit()
        self.kv = CommittedFirst(self.journal.flush, self.journal.store)
        self.artifacts = RunArtifacts.of(self.journal.store, self.state.run_id)

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
    ) -> tuple[StepContext, Callable[[], None]]:
        """The step's context, and a function that ends it: after that its events are dropped
        (an abandoned sync call may log long after its step timed out)."""
        journal, log = self.journal, self.state.log
        ended = False

        def end() -> None:
            nonlocal ended
            ended = True

        def emit(type_: str, data: dict[str, Any]) -> None:
            if ended:
                return
            if context.used_secrets:  # a step that used a credential never logs its values
                data = mask_secrets(data, context.used_secrets)
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # called from a worker thread (a sync function)
                journal.emit_threadsafe(log, type_, key, data)
                return
            journal.emit(log, type_, key, data)

        context = StepContext(
            run_id=self.state.run_id,
            node_id=node_id,
            node_key=key,
            attempt=attempt,
            params=self._params(),
            run_info=self.state.info,
            nodes_source=lambda: self.nodes_view(scope),
            upstream=upstream,
            control=self.state.control,
            emit=emit,
            data_dir=self.data_dir_root / self.state.run_id,
            loop_vars=scope.loop_vars,
            artifacts=self.artifacts.for_step(key, attempt),
            kv=self.kv,
        )
        return context, end

    async def run_node(self, scope: ScopeRun, node_id: str) -> Outcome:
        """Run one node, with its retries and timeout, and return how it ended."""
        compiled = self.state.compiled.nodes[node_id]
        key = node_key(node_id, scope.suffix)
        input, upstream = self.node_input(scope, node_id)
        if key in self.state.overrides:  # an operator edited this step's input on resume
            input = self.state.overrides[key]
        input, input_json = writes.normalize(input)
        attempt = self._past_reentries(key, self.state.next_attempt(key))
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

    def _past_reentries(self, key: str, attempt: int) -> int:
        """A re-entrant node (the AI agent) whose wait was resolved runs again as the next
        attempt (app.engine.waits marks such a wait's result with `reenter`)."""
        while True:
            info = self.state.waits.get(wait_key(key, attempt))
            result = info.result if info is not None else None
            if info is None or info.status != "done" or not isinstance(result, dict):
                return attempt
            if not result.get("reenter"):
                return attempt
            attempt += 1

    def _settled_by_wait(
        self, compiled: CompiledNode, key: str, attempt: int, input: Any, input_json: str | None
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
                return _failed_at_once(node_id, key, attempt, input, input_json, error)
        info = self.state.waits.get(wait_key(key, attempt))
        if info is None:
            return None
        if info.status == "open":
            return Outcome(node_id, key, attempt, "blocked", input, input_json)
        failure = (info.result or {}).get("error") or {
            "type": "WaitCanceled",
            "message": "the wait was canceled",
        }
        return _failed_at_once(node_id, key, attempt, input, input_json, failure)

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
        artifacts.record(batch, outcome.artifacts)
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
        ctx, end_context = self.make_context(scope, node_id, key, attempt, upstream)
        try:
            result = await self._execute(compiled, ctx, input, scope)
            if isinstance(result, WaitFor):
                outcome.status, outcome.wait = "waiting", result
                return outcome
            if isinstance(self.max_output, BadLimitSetting):
                raise BadLimitSetting(str(self.max_output))
            output = result.output
            if ctx.used_secrets:  # nor outputs them
                output = mask_secrets(output, ctx.used_secrets)
            output, output_json = encode_output(output, self.max_output)
            # Ports are set only once the edges' `when`s evaluated: a failing `when` fails the
            # step, and a failed step with ports would count as finished with no live edge.
            live = self.live_edges(scope, node_id, output, result.ports)
            outcome.output, outcome.output_json = output, output_json
            outcome.ports, outcome.live_edges = result.ports, live
            outcome.writes = result.writes
            outcome.status = "succeeded"
        except ScopeBlocked:
            outcome.status = "blocked"
            return outcome
        except asyncio.CancelledError:  # the run's task was canceled: nothing is recorded
            outcome.status = "canceled"
            raise
        except StepInterrupted as err:
            outcome.status = "interrupted"
            outcome.error = {"reason": "canceled" if err.reason == "cancel" else "paused"}
        except (Exception, asyncio.TimeoutError) as err:  # noqa: UP041 - both are node failures
            if isinstance(err, TimeoutError) and compiled.spec.timeout_s:
                outcome.error = _timed_out(compiled.spec.timeout_s, ctx.idempotency_key)
            elif isinstance(err, NotJsonData | OutputTooLarge | BadLimitSetting | TooManyAbandoned):
                outcome.error = {"type": type(err).__name__, "message": str(err)}
            elif isinstance(err, StepFailed):
                outcome.error = {**err.error, "message": f"{err.key}: {err.error.get('message')}"}
            else:
                outcome.error = describe_error(err)
        finally:
            end_context()
            outcome.artifacts = settle_artifacts(ctx.artifacts, outcome.status)
        if ctx.used_secrets and outcome.error:  # nor shows them in its error
            outcome.error = mask_secrets(outcome.error, ctx.used_secrets)
        outcome.finished_at = time.time()
        return outcome

    async def _execute(
        self, compiled: CompiledNode, ctx: StepContext, input: Any, scope: ScopeRun
    ) -> NodeResult | WaitFor:
        work: Coroutine[Any, Any, NodeResult | WaitFor]
        if compiled.type.is_loop:
            from app.engine.loops import run_foreach

            work = run_foreach(self.driver, scope, compiled, ctx, input)
        else:
            work = compiled.type.execute(ctx, compiled.config, input)
        if compiled.spec.timeout_s:
            return await asyncio.wait_for(work, compiled.spec.timeout_s)
        return await work

    def live_edges(
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
