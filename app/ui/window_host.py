"""The app's side of its own desktop window (`ren --native` that started Ren).

The window runs in a child process (pywebview needs its own main thread). When the person
closes it, the app either keeps running in the background (the Settings switch, or the answer
to the question asked once at a close while schedules or timers wait) with the tray icon, or
stops, as a window-only app does."""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from nicegui import app

from app.ui import background, live, runtime
from app.ui.window import run_window

POLL_S = 0.2


class WindowHost:
    def __init__(self, url: str) -> None:
        self.url = url
        self.stopping = False  # the app stops: the window closing then means nothing
        self.process: Any = None
        self._connection: Connection | None = None
        self.tray: Any = None

    def open(self) -> None:
        """Open the window (call once the app started); watch it on a thread."""
        from nicegui.native import native

        native.create_queues()  # NiceGUI's calls on the window (ui.page_title retitles it)
        app.native.main_window = native.WindowProxy()
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._connection = ours
        queues = (native.method_queue, native.response_queue)
        self.process = context.Process(
            target=run_window, args=(self.url, theirs, *queues), name="ren-window", daemon=True
        )
        self.process.start()
        threading.Thread(target=self._watch, name="ren-window-watch", daemon=True).start()

    def _watch(self) -> None:
        assert self._connection is not None
        while self.process.is_alive():
            if self._connection.poll(POLL_S):
                try:
                    self._answer(self._connection.recv())
                except (EOFError, OSError):
                    break
        self.process.join()
        if self.stopping:
            return
        _, loop = live.wait_started()
        if background.load(runtime.engine().folder.root).keep_running:
            loop.call_soon_threadsafe(self._keep_running)
        else:
            loop.call_soon_threadsafe(app.shutdown)

    def _answer(self, message: str) -> None:
        engine, loop = live.wait_started()
        if message == "closing":
            ask = self._on_loop(loop, lambda: background.should_ask(engine))
            assert self._connection is not None
            self._connection.send("ask" if ask else "close")
        elif message in ("keep", "stop"):
            choices = background.Choices(keep_running=message == "keep", asked=True)
            background.save(engine.folder.root, choices)

    @staticmethod
    def _on_loop(loop: asyncio.AbstractEventLoop, call: Callable[[], bool]) -> bool:
        async def run() -> bool:
            return call()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=10)

    def _keep_running(self) -> None:
        print(
            f"Ren keeps running in the background at {self.url}: `ren` or `ren --native` "
            "opens it again; the tray icon or Ctrl+C stops it.",
            flush=True,
        )
        from app.ui.tray_process import start_tray

        engine, _ = live.wait_started()
        self.tray = start_tray(engine, self.url, app.shutdown, opens_window=True)

    def close(self) -> None:
        """The app stops: close the window if it is still open."""
        self.stopping = True
        if self.tray is not None:
            self.tray.stop()
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        sys.stdout.flush()
