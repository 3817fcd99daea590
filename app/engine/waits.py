"""Durable waits: recording them, and waking a run when one is resolved.

A wait is a row (plus a task row for human tasks, plus timer rows for its alarms). Resolving it
is a compare-and-set on that row (`status='open'` → `done`) in the same transaction that
completes the waiting step and sets the run running again; a second submit, a double timer
fire or two racing resumes find the row closed and change nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from app.core.dsl import ApprovalSpec
from app.core.forms import FormSpec, Outcome
from app.core.ids import new_id
from app.engine.events import RunEvent
from app.engine.state import RunState, StepRecord, WaitInfo
from app.nodes.base import NodeResult, WaitFor
from app.store import writes
from app.store.writes import Batch

if TYPE_CHECKING:
    from app.engine.service import Engine


def split_wait_key(wkey: str) -> tuple[str, str, int]:
    """(step key, node id, attempt) of a wait key like `n1`, `n1#2`, `body[3]` or `n1@approval`."""
    key = wkey.split("@", 1)[0]
    key, _, attempt = key.partition("#")
    return key, key.split("[", 1)[0], int(attempt or 1)


class WaitBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._to_arm: dict[str, list[tuple[str, float]]] = {}

    # -- recording (called by the runner) ---------------------------------------------------

    def record(
        self, state: RunState, wkey: str, node_id: str, wait: WaitFor, input_json: str | None
    ) -> tuple[Batch, WaitInfo]:
        wait_id, now = new_id(), time.time()
        batch = Batch()
        batch.add(
            writes.INSERT_WAIT,
            wait_id,
            state.run_id,
            wkey,
            node_id,
            wait.kind,
            wait.key,
            wait.due_at,
            input_json,
            now,
        )
        if wait.task is not None:
            task = wait.task
            batch.add(
                writes.INSERT_TASK,
                wait_id,
                state.run_id,
                wkey,
                node_id,
                task["title"],
                task.get("description", ""),
                writes.to_json(task.get("form")),
                writes.to_json(task.get("outcomes")),
                task.get("assignee"),
                task.get("group"),
                wait.due_at,
                now,
            )
        alarms = []
        if wait.due_at is not None:
            alarms.append(("wake" if wait.kind == "timer" else "timeout", wait.due_at))
        if wait.remind_every_s:
            alarms.append(("remind", now + wait.remind_every_s))
        arm = []
        for kind, due in alarms:
            timer_id = new_id()
            batch.add(writes.INSERT_TIMER, timer_id, wait_id, state.run_id, kind, due)
            arm.append((timer_id, due))
        self._to_arm[wait_id] = arm
        return batch, WaitInfo(wait_id, wait.kind, "open")

    async def committed(self, state: RunState, wkey: str, info: WaitInfo, wait: WaitFor) -> None:
        """After the wait's commit: ring its alarms; start the child run of a sub-workflow."""
        for timer_id, due in self._to_arm.pop(info.id, []):
            self.engine.alarms.arm(timer_id, due)
        if wait.kind == "child" and wait.child is not None:
            await self.engine.start_child(state.run_id, wkey, wait.child)

    def approval_wait(self, approval: ApprovalSpec, state: RunState, input: Any) -> WaitFor:
        form = FormSpec(
            fields=[],
            outcomes=[
                Outcome(name="approve", label="Approve", style="positive"),
                Outcome(name="reject", label="Reject", style="negative"),
            ],
        )
        due = time.time() + approval.due_in_s if approval.due_in_s else None
        task = {
            "title": approval.title or "Approve the next step",
            "description": approval.description,
            "form": [f.model_dump() for f in form.fields],
            "outcomes": [o.model_dump() for o in form.outcomes],
            "assignee": approval.assignee,
            "group": approval.group,
            "input": input,
        }
        return WaitFor("approval", due_at=due, task=task)

    # -- resolving ---------------------------------------------------------------------------

    def resolve(
        self,
        wait_id: str,
        result: dict[str, Any],
        *,
        extra: Batch | None = None,
        error: dict[str, Any] | None = None,
    ) -> bool:
        """Close an open wait and complete its step, atomically. False if it was not open.

        `result` is what the node's `on_wake` turns into the step's output and port; with
        `error` the step is not completed here but fails when the run goes on (its node's
        `on_error` decides what that means).
        """
        engine = self.engine
        engine.journal.flush()  # everything queued before this wake commits first
        row = engine.store.wait_to_resolve(wait_id)
        if row is None or row["status"] != "open":
            return False
        run_id, wkey = row["run_id"], row["node_key"]
        key, node_id, attempt = split_wait_key(wkey)
        now = time.time()
        live = engine.live_state(run_id)
        next_seq = live.log.next_seq if live else engine.store.next_event_seq(run_id)
        events: list[RunEvent] = []
        batch = Batch()
        # A re-entrant node (the AI agent) is not completed by its wake: it runs again as a
        # new attempt and reads `result` from this wait (NodeType.reenters_on_wake).
        reenter = error is None and self._reenters(row, wkey, node_id)
        stored = {"error": error} if error else ({**result, "reenter": True} if reenter else result)
        record: StepRecord | None = None
        if reenter:
            pass
        elif error is None:
            record = self._step_for(row, wkey, key, node_id, attempt, result, now, batch)
            events.append(
                RunEvent(
                    run_id,
                    next_seq,
                    "step.completed",
                    record_key(wkey),
                    {
                        "node_id": node_id,
                        "attempt": attempt,
                        "status": "succeeded",
                        "ports": list(record.ports),
                        "ms": round((now - row["created_at"]) * 1000, 3),
                    },
                    now,
                )
            )
        else:
            events.append(
                RunEvent(
                    run_id,
                    next_seq,
                    "step.failed",
                    key,
                    {"node_id": node_id, "attempt": attempt, "error": error.get("message")},
                    now,
                )
            )
        events.append(
            RunEvent(
                run_id,
                next_seq + 1,
                "wait.resolved",
                wkey,
                {"wait_id": wait_id, "kind": row["kind"]},
                now,
            )
        )
        batch.add(writes.CANCEL_TIMERS, wait_id)
        batch.add(writes.WAKE_RUN, now, run_id)
        if extra is not None:
            batch.extend(extra)
        texts = [batch.event(e.run_id, e.seq, e.type, e.node_key, e.data, e.at) for e in events]
        cas = (writes.CLOSE_WAIT, ("done", writes.to_json(stored), now, wait_id))
        if not engine.store.write_if(cas, batch):
            return False
        if row["due_at"] is not None or row["kind"] in ("task", "approval"):
            for timer_id in engine.store.timer_ids(wait_id):
                engine.alarms.disarm(timer_id)
        engine.live_runs.after_wake(
            run_id, events, texts, live, wkey, stored, record, woke=row["run_status"] == "waiting"
        )
        return True

    def _reenters(self, row: dict[str, Any], wkey: str, node_id: str) -> bool:
        if "@approval" in wkey:
            return False
        compiled = self.engine.workflows.compiled(row["version_id"]).nodes.get(node_id)
        return compiled is not None and getattr(compiled.type, "reenters_on_wake", False)

    def _step_for(
        self,
        row: dict[str, Any],
        wkey: str,
        key: str,
        node_id: str,
        attempt: int,
        result: dict[str, Any],
        now: float,
        batch: Batch,
    ) -> StepRecord:
        step_key = record_key(wkey)
        if "@approval" in wkey:
            node_result = NodeResult(result, ports=(str(result.get("outcome")),))
        else:
            compiled = self.engine.workflows.compiled(row["version_id"]).nodes[node_id]
            node_result = compiled.type.on_wake(compiled.config, row["input"], result)
        output, output_json = writes.normalize(node_result.output)
        batch.step(
            row["run_id"],
            step_key,
            node_id,
            attempt,
            "succeeded",
            input_json=writes.to_json(row["input"]),
            output_json=output_json,
            error=None,
            ports=node_result.ports,
            started_at=row["created_at"],
            finished_at=now,
        )
        return StepRecord(node_id, attempt, "succeeded", output, node_result.ports)


def record_key(wkey: str) -> str:
    """The step key a resolved wait completes (`n1#2` completes step `n1`)."""
    return wkey.partition("#")[0]
