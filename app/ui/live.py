"""The app's link to its engine: started and stopped with the app, run events for live pages.

`run_events` re-emits every engine event as a `nicegui.Event`, so a page subscribes with
`run_events.subscribe(handler)` and is unsubscribed by NiceGUI when its tab goes away.
`committed_events` re-emits them once they are committed, for readers of what they say.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

from nicegui import Event

from app.engine.events import RunEvent
from app.engine.service import Engine
from app.ui import runtime

log = logging.getLogger(__name__)

run_events: Event[[RunEvent]] = Event()
committed_events: Event[[RunEvent]] = Event()


class _Status:
    home: str | Path | None = None
    announce: str | None = None
    reach: dict[str, Any] | None = None  # how other `ren` commands reach this app
    error: str | None = None
    loop: asyncio.AbstractEventLoop | None = None
    started = threading.Event()


status = _Status()


def configure(
    home: str | Path | None, announce: str | None = None, reach: dict[str, Any] | None = None
) -> None:
    """The data folder the next start opens (None: $REN_HOME or the user data folder), what to
    print once it is open, and how other `ren` commands reach this app (port, token, url)."""
    status.home = home
    status.announce = announce
    status.reach = reach
    status.error = None
    status.started.clear()


async def startup() -> None:
    try:
        engine = await runtime.start_engine(status.home)
    except Exception as err:  # shown on every page instead of a crash
        log.exception("Ren could not open its data folder")
        status.error = f"{type(err).__name__}: {err}"
    else:
        engine.bus.subscribe(run_events.emit)
        engine.committed.subscribe(committed_events.emit)
        status.loop = asyncio.get_running_loop()
        if status.reach:
            engine.lock.describe(status.reach)
        if status.announce:
            print(status.announce, flush=True)
    finally:
        status.started.set()


async def shutdown() -> None:
    await runtime.stop_engine()
    status.started.clear()


def wait_started(timeout: float = 30) -> tuple[Engine, asyncio.AbstractEventLoop]:
    """From another thread: block until the app's engine runs; return it and its loop."""
    if not status.started.wait(timeout):
        raise TimeoutError(f"Ren did not start within {timeout:.0f} s")
    if status.error is not None or status.loop is None:
        raise RuntimeError(f"Ren could not start: {status.error}")
    return runtime.engine(), status.loop
