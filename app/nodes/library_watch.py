"""Reload a function library when its folder changes (the app and `ren worker` watch; a CLI
command loads its library once).

watchfiles reports changes in batches (a save that writes a temporary file and renames it is
one batch); each batch triggers one reload in a worker thread, so importing user code never
blocks the engine's event loop. The new snapshot applies from the next step on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from watchfiles import Change, awatch

from app.nodes.library import FunctionLibrary

log = logging.getLogger(__name__)

DEBOUNCE_MS = 200  # a burst of writes within this time is one change
TICK_MS = 500  # how often the watch looks up when nothing changes


def _is_source(change: Change, path: str) -> bool:
    return path.endswith(".py")


class LibraryWatcher:
    def __init__(self, library: FunctionLibrary) -> None:
        self.library = library
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()  # set once the folder is being watched

    def start(self) -> None:
        if self._task is None:
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(self._watch(), name="ren-functions-watch")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _watch(self) -> None:
        folder = self.library.folder
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        changes = awatch(
            folder,
            watch_filter=_is_source,
            debounce=DEBOUNCE_MS,
            stop_event=self._stop,
            recursive=False,
            rust_timeout=TICK_MS,
            yield_on_timeout=True,  # the first (empty) batch says the watch is set up
        )
        try:
            async for batch in changes:
                first = not self.ready.is_set()
                if batch or first:  # the first catches what changed while the watch began
                    try:
                        await asyncio.to_thread(self.library.reload)
                    except Exception:  # loading reports file problems itself: this is a bug
                        log.exception("reloading the functions in %s failed", folder)
                self.ready.set()
        except Exception:
            log.exception("watching the functions in %s stopped", folder)
