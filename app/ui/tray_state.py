"""What the tray icon shows and does, without the icon: counts, pause/resume of every schedule,
open, quit, and a desktop notification when a task arrives.

The icon's menu runs on its own thread; everything that touches the engine runs on the engine's
event loop (`call_soon_threadsafe` / `run_coroutine_threadsafe`), and the menu reads the last
`Snapshot`, refreshed on that loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import webbrowser
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.engine.clock_watch import Jump
from app.engine.events import RunEvent
from app.engine.notifications import notifications_of

if TYPE_CHECKING:
    from app.engine.service import Engine

log = logging.getLogger(__name__)

REFRESH_S = 5.0
PAUSED_FILE = "paused-schedules.json"  # in the data folder: a pause outlives a restart
TASK_KINDS = ("task", "approval")


@dataclass(frozen=True)
class Snapshot:
    running: int = 0
    waiting: int = 0
    open_tasks: int = 0
    paused: int = 0  # schedules the tray paused (0: not paused)
    late: str | None = None  # what ran late after the last sleep

    @property
    def runs_line(self) -> str:
        return f"{self.running} running, {self.waiting} waiting"

    @property
    def tasks_line(self) -> str:
        return f"{self.open_tasks} open task{'' if self.open_tasks == 1 else 's'}"


class TrayState:
    def __init__(
        self,
        engine: Engine,
        loop: asyncio.AbstractEventLoop,
        url: str,
        quit_ren: Callable[[], object],
        open_url: Callable[[str], object] = webbrowser.open,
    ) -> None:
        self.engine = engine
        self.loop = loop
        self.url = url
        self._quit = quit_ren
        self._open = open_url
        self._paused_file: Path = engine.folder.root / PAUSED_FILE
        self.snapshot = Snapshot()
        self.changed: list[Callable[[], None]] = []  # the icon redraws its menu
        self._handle: asyncio.TimerHandle | None = None
        self._unsubscribe: Callable[[], None] | None = None

    # -- on the engine's loop -------------------------------------------------------------

    def start(self) -> None:
        """Call on the engine's loop."""
        self._unsubscribe = self.engine.committed.subscribe(self._on_event)
        self.engine.alarms.clock_watch.listeners.append(self._on_jump)
        self._tick()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if self._unsubscribe is not None:
            self._unsubscribe()
        listeners = self.engine.alarms.clock_watch.listeners
        if self._on_jump in listeners:
            listeners.remove(self._on_jump)

    def refresh(self) -> Snapshot:
        counts = {
            row["status"]: int(row["n"])
            for row in self.engine.store.rows(
                "SELECT status, count(*) AS n FROM run WHERE status IN ('running', 'waiting') "
                "AND NOT is_test GROUP BY status"
            )
        }
        self.snapshot = replace(
            self.snapshot,
            running=counts.get("running", 0),
            waiting=counts.get("waiting", 0),
            open_tasks=self.engine.tasks.open_count(),
            paused=len(self._paused_ids()),
        )
        for listener in list(self.changed):
            listener()
        return self.snapshot

    def pause_all(self) -> list[str]:
        """Pause every enabled schedule; remember which, so resume restores only those."""
        paused = self._paused_ids()
        for schedule in self.engine.schedules.all():
            if schedule["enabled"]:
                self.engine.schedules.set_enabled(schedule["id"], False)
                paused.append(schedule["id"])
        self._write_paused(paused)
        self.refresh()
        return paused

    def resume_all(self) -> list[str]:
        resumed = []
        known = {schedule["id"] for schedule in self.engine.schedules.all()}
        for schedule_id in self._paused_ids():
            if schedule_id in known:  # deleted meanwhile: nothing to resume
                self.engine.schedules.set_enabled(schedule_id, True)
                resumed.append(schedule_id)
        self._write_paused([])
        self.refresh()
        return resumed

    def _tick(self) -> None:
        try:
            self.refresh()
        except Exception:  # a closing database: the next tick tries again
            log.debug("tray refresh failed", exc_info=True)
        self._handle = self.loop.call_later(REFRESH_S, self._tick)

    def _on_event(self, event: RunEvent) -> None:
        if event.type == "step.waiting" and event.data.get("kind") in TASK_KINDS:
            self.loop.create_task(self._announce_task(str(event.data.get("wait_id"))))

    async def _announce_task(self, task_id: str) -> None:
        task = self.engine.store.task_row(task_id)
        if task is None:
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
        except Exception:  # a notification never takes the tray (or the run) down
            log.exception("cannot announce task %s", task_id)
        self.refresh()

    def _on_jump(self, jump: Jump) -> None:
        self.snapshot = replace(self.snapshot, late=jump.summary() if jump.late else None)
        for listener in list(self.changed):
            listener()

    def _paused_ids(self) -> list[str]:
        try:
            found: Any = json.loads(self._paused_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [str(item) for item in found] if isinstance(found, list) else []

    def _write_paused(self, ids: list[str]) -> None:
        if not ids:
            self._paused_file.unlink(missing_ok=True)
            return
        temp = self._paused_file.with_suffix(".tmp")
        temp.write_text(json.dumps(ids), encoding="utf-8")
        temp.replace(self._paused_file)

    # -- from the icon's thread -----------------------------------------------------------

    def on_loop(self, call: Callable[[], object]) -> Future[object]:
        """Run `call` on the engine's loop; the future has its result."""

        async def run() -> object:
            return call()

        return asyncio.run_coroutine_threadsafe(run(), self.loop)

    def open_ren(self, path: str = "") -> None:
        self._open(self.url + path)

    def quit(self) -> None:
        self._quit()
