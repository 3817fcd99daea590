"""The tray's server side: what the icon shows and does, kept by the process that serves the
data folder while it runs in the background.

The icon itself is a small process of its own (`ren tray`, app.ui.tray: macOS wants a tray on
a process's main thread) that asks this side over the local API (app.api.tray_ops): the
counts, what ran late after a sleep, pause/resume of every schedule, quit. This side also
announces each new task for this person with a desktop notification. Everything here runs on
the engine's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.engine.clock_watch import Jump
from app.engine.events import RunEvent
from app.engine.notifications import notifications_of
from app.engine.schedule_pause import paused_ids

if TYPE_CHECKING:
    from app.engine.service import Engine

log = logging.getLogger(__name__)

TASK_KINDS = ("task", "approval")

_serving: weakref.WeakKeyDictionary[Engine, TrayState] = weakref.WeakKeyDictionary()


def serving(engine: Engine) -> TrayState | None:
    """The tray state of the process that serves `engine` in the background, if it does."""
    return _serving.get(engine)


def status_of(engine: Engine, late: str | None = None, url: str = "") -> dict[str, Any]:
    """The counts the tray shows, as JSON (app.ui.tray.Snapshot reads it)."""
    counts = {
        row["status"]: int(row["n"])
        for row in engine.store.rows(
            "SELECT status, count(*) AS n FROM run WHERE status IN ('running', 'waiting') "
            "AND NOT is_test GROUP BY status"
        )
    }
    return {
        "running": counts.get("running", 0),
        "waiting": counts.get("waiting", 0),
        "open_tasks": engine.tasks.open_count(),
        "paused": len(paused_ids(engine.folder.root)),
        "late": late,
        "url": url,
    }


class TrayState:
    def __init__(
        self,
        engine: Engine,
        url: str,
        quit_ren: Callable[[], object],
        person_name: Callable[[], str] | None = None,
    ) -> None:
        self.engine = engine
        self.url = url
        self._quit = quit_ren
        self._person_name = person_name or _person_name  # the inbox's "Only mine" name
        self.late: str | None = None  # what ran late after the last sleep
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        """Call on the engine's loop."""
        self._unsubscribe = self.engine.committed.subscribe(self._on_event)
        self.engine.alarms.clock_watch.listeners.append(self._on_jump)
        _serving[self.engine] = self

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        listeners = self.engine.alarms.clock_watch.listeners
        if self._on_jump in listeners:
            listeners.remove(self._on_jump)
        if _serving.get(self.engine) is self:
            del _serving[self.engine]

    def status(self) -> dict[str, Any]:
        return status_of(self.engine, self.late, self.url)

    def quit(self) -> None:
        """Stop the serving process (after this call's answer has gone out)."""
        asyncio.get_running_loop().call_soon(self._quit)

    def _on_event(self, event: RunEvent) -> None:
        if event.type == "step.waiting" and event.data.get("kind") in TASK_KINDS:
            task_id = str(event.data.get("wait_id"))
            asyncio.get_running_loop().create_task(self._announce_task(task_id))

    async def _announce_task(self, task_id: str) -> None:
        task = self.engine.store.task_row(task_id)
        if task is None or not for_this_person(task, self._person_name()):
            return
        try:
            await notifications_of(self.engine).notify(
                f"New task: {task['title']}",
                f"Open it in Ren: {self.url}/tasks/{task_id}",
                "desktop",
                kind="task",
                run_id=task["run_id"],
                task_id=task_id,
            )
        except Exception:  # a notification never takes the serving process (or the run) down
            log.exception("cannot announce task %s", task_id)

    def _on_jump(self, jump: Jump) -> None:
        self.late = jump.summary() if jump.late else None


def for_this_person(task: dict[str, Any], name: str) -> bool:
    """Announce a task on this desktop? One assigned to nobody or to the name this person gave
    the app (the inbox's "Only mine"); any task while they have given no name."""
    assignee = str(task.get("assignee") or "").strip().casefold()
    return not name or not assignee or assignee == name.strip().casefold()


def _person_name() -> str:
    try:
        from app.ui.person import my_name

        return my_name()
    except Exception:  # no app storage in this process (a test's bare engine)
        return ""
