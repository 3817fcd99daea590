"""The number of open tasks, kept current for every page without a timer per page.

One subscriber on the engine's committed events (installed with the app) recounts the open
tasks once an event that can change them is durable — a step starts waiting on a person, a wait
is resolved, a task is reassigned, a run is canceled — and emits `changed` with the count. The
sidebar badge, the inbox and the run page's task list subscribe to `changed`. Events committed
together cause one recount.
"""

from __future__ import annotations

import asyncio
import logging

from nicegui import Event

from app.engine.events import RunEvent
from app.ui import live, runtime

log = logging.getLogger(__name__)

TASK_KINDS = ("task", "approval")

changed: Event[[int]] = Event()
_pending = False  # a recount is scheduled


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
    global _pending
    if touches_tasks(event) and not _pending:
        _pending = True
        asyncio.get_running_loop().call_soon(_recount)


def _recount() -> None:
    global _pending
    _pending = False
    try:
        count = runtime.engine().tasks.open_count()
    except Exception:  # the app is stopping: its pages are going too
        log.debug("cannot count open tasks", exc_info=True)
        return
    changed.emit(count)


def install() -> None:
    """Once per app (app.ui.shell.install): listen to the engine's events. Pages of an app
    built before (tests build one per test) are gone, so their subscriptions go too."""
    global _pending
    _pending = False
    changed.callbacks.clear()
    live.committed_events.subscribe(on_event)
