"""The number of open tasks, kept current for every page without a timer per page.

One subscriber on the engine's events (installed with the app) recounts the open tasks shortly
after an event that can change them — a step starts waiting on a person, a wait is resolved, a
task is reassigned, a run is canceled — and emits `changed` with the count. The sidebar badge,
the inbox and the run page's task list subscribe to `changed`.

Events are published as they happen and committed a moment later (app.engine.journal), so the
recount runs after a short delay, and once more a little later in case the engine was busy.
"""

from __future__ import annotations

import asyncio
import logging

from nicegui import Event

from app.engine.events import RunEvent
from app.ui import live, runtime

log = logging.getLogger(__name__)

RECOUNT_AFTER_S = (0.25, 1.5)
TASK_KINDS = ("task", "approval")

changed: Event[[int]] = Event()
_scheduled: set[float] = set()


def open_count() -> int:
    """The open tasks now (0 while the engine is not running)."""
    try:
        return runtime.engine().tasks.open_count()
    except RuntimeError:
        return 0


def touches_tasks(event: RunEvent) -> bool:
    if event.type in ("step.waiting", "wait.resolved"):
        return event.data.get("kind") in TASK_KINDS
    return event.type in ("task.reassigned", "run.canceled")


def on_event(event: RunEvent) -> None:
    if not touches_tasks(event):
        return
    loop = asyncio.get_running_loop()
    for delay in RECOUNT_AFTER_S:
        if delay not in _scheduled:
            _scheduled.add(delay)
            loop.call_later(delay, _recount, delay)


def _recount(delay: float) -> None:
    _scheduled.discard(delay)
    try:
        count = runtime.engine().tasks.open_count()
    except Exception:  # the app is stopping: its pages are going too
        log.debug("cannot count open tasks", exc_info=True)
        return
    changed.emit(count)


def install() -> None:
    """Once per app (app.ui.shell.install): listen to the engine's events. Pages of an app
    built before (tests build one per test) are gone, so their subscriptions go too."""
    _scheduled.clear()
    changed.callbacks.clear()
    live.run_events.subscribe(on_event)
