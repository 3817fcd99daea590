"""Answering waits: a person completes a task, a signal arrives, a timer rings."""

from __future__ import annotations

import functools
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from app.auth import audit
from app.core.forms import FormSpec, validate_values
from app.core.ids import new_id
from app.engine.notifications import Notifications
from app.engine.notifications_tasks import deliver_task_notice
from app.engine.workflows import NotFound
from app.store import writes
from app.store.writes import Batch

if TYPE_CHECKING:
    from app.engine.service import Engine

log = logging.getLogger(__name__)


class NoLongerPossible(Exception):
    """The action cannot happen any more (e.g. the task was already completed): exit code 4."""


class Tasks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.notifications = Notifications(engine.store, engine.folder.root)

    # -- reading ----------------------------------------------------------------------------

    def open_tasks(
        self, assignee: str | None = None, run_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Open tasks, oldest first; with `assignee`, only theirs (and unassigned ones); with
        `run_id`, only that run's."""
        tasks = self.engine.store.open_tasks(run_id)
        if assignee is not None:
            tasks = [t for t in tasks if t["assignee"] in (None, assignee)]
        return tasks

    def get(self, task_id: str) -> dict[str, Any]:
        task = self.engine.store.task_row(task_id)
        if task is None:
            raise NotFound(f"no task '{task_id}'")
        return task

    def open_count(self) -> int:
        return self.engine.store.open_task_count()

    # -- answering --------------------------------------------------------------------------

    def complete(
        self, task_id: str, outcome: str, values: dict[str, Any], by: str = "local user"
    ) -> str:
        """Record a person's answer and wake the run. Returns the run's id.

        Wrong values raise FormInvalid (every wrong field named); a task that is no longer open
        raises NoLongerPossible and changes nothing.
        """
        task = self.get(task_id)
        if task["status"] != "open":
            raise NoLongerPossible(f"task {task_id} is already {task['status']}")
        clean = validate_values(_form(task["form"], task["outcomes"]), values, outcome=outcome)
        now = time.time()
        extra = Batch()
        extra.add(
            writes.COMPLETE_TASK, "completed", outcome, writes.to_json(clean), by, now, task_id
        )
        result = {"outcome": outcome, "values": clean, "completed_by": by, "completed_at": now}
        details = {"run_id": task["run_id"], "outcome": outcome, "values": clean}
        audit.add_entry(extra, audit.TASK_COMPLETED, task_id, details, who=by)  # with the answer
        if not self.engine.waits.resolve(task_id, result, extra=extra):
            raise NoLongerPossible(f"task {task_id} was completed or closed meanwhile")
        return str(task["run_id"])

    def signal(self, run_id: str, name: str, data: Any = None) -> bool:
        """Deliver a named signal to a run that waits for it."""
        wait_id = self.engine.store.open_signal_wait_id(run_id, name)
        if wait_id is None:
            if self.engine.store.fetch_run(run_id) is None:
                raise NotFound(f"no run '{run_id}'")
            raise NoLongerPossible(f"run {run_id} is not waiting for signal '{name}'")
        return self.engine.waits.resolve(wait_id, {"name": name, "data": data})

    # -- timers -----------------------------------------------------------------------------

    async def on_timer(self, timer_id: str) -> None:
        """An alarm rang. Compare-and-set first, so a double ring does nothing."""
        engine = self.engine
        timer = engine.store.timer_row(timer_id)
        if timer is None or timer["status"] != "pending":
            return
        engine.journal.flush()
        fired = Batch()
        if not engine.store.write_if((writes.FIRE_TIMER, (time.time(), timer_id)), fired):
            return
        wait = engine.store.wait_row(timer["wait_id"])
        if wait is None or wait["status"] != "open":
            return
        if timer["kind"] == "wake":
            engine.waits.resolve(wait["id"], {"fired_at": time.time()})
        elif timer["kind"] == "timeout":
            self._time_out(wait)
            if wait["kind"] == "task":
                await deliver_task_notice(engine, wait, "escalation")
        elif timer["kind"] == "remind":
            self._remind(wait, timer)
            await deliver_task_notice(engine, wait, "reminder")

    def _time_out(self, wait: dict[str, Any]) -> None:
        engine = self.engine
        if wait["kind"] in ("task", "approval"):
            node = engine.compiled_for_run(wait["run_id"]).nodes[wait["node_id"]]
            reassign = getattr(node.config, "reassign_to", None)
            if wait["kind"] == "task" and getattr(node.config, "on_timeout", "") == "reassign":
                batch = Batch()
                batch.add(writes.REASSIGN_TASK, str(reassign), wait["id"])
                engine.store.write(batch)
                engine.note(
                    wait["run_id"],
                    "task.reassigned",
                    wait["node_key"],
                    {"task_id": wait["id"], "assignee": reassign},
                )
                return
            extra = Batch()
            extra.add(writes.COMPLETE_TASK, "expired", None, None, None, time.time(), wait["id"])
            if wait["kind"] == "approval":
                result = {"outcome": "reject", "completed_by": "timeout"}
                engine.waits.resolve(wait["id"], result, extra=extra)
                return
            try:
                node.type.on_wake(node.config, wait["input"], {"timed_out": True})
            except Exception as err:  # no timeout port: the step fails
                error = {"type": "TaskTimeout", "message": str(err)}
                engine.waits.resolve(wait["id"], {}, extra=extra, error=error)
                return
            engine.waits.resolve(wait["id"], {"timed_out": True}, extra=extra)
            return
        engine.waits.resolve(wait["id"], {"timed_out": True})

    def _remind(self, wait: dict[str, Any], timer: dict[str, Any]) -> None:
        engine = self.engine
        engine.note(wait["run_id"], "task.reminder", wait["node_key"], {"task_id": wait["id"]})
        node = engine.compiled_for_run(wait["run_id"]).nodes[wait["node_id"]]
        every = getattr(node.config, "remind_every_s", None)
        if every:
            timer_id, due = new_id(), time.time() + float(every)
            batch = Batch()
            batch.add(writes.INSERT_TIMER, timer_id, wait["id"], wait["run_id"], "remind", due)
            engine.store.write(batch)
            engine.alarms.arm(timer_id, due)


def _form(fields: Any, outcomes: Any) -> FormSpec:
    """The task's form, parsed once per distinct form (tasks of one node share theirs)."""
    return _parse_form(
        json.dumps(fields or [], sort_keys=True), json.dumps(outcomes or [], sort_keys=True)
    )


@functools.lru_cache(maxsize=256)
def _parse_form(fields: str, outcomes: str) -> FormSpec:
    return FormSpec(fields=json.loads(fields), outcomes=json.loads(outcomes))
