"""Ren inside a Jupyter notebook: one call starts the app in a background thread, shows it
inline, and returns the Python API on the same engine.

    import app.notebook
    ren = app.notebook.start()                 # the app, inline in the cell's output
    ren.import_workflow("examples/seed004_amount_approval.json")
    run = ren.run("workflow_1", {"data": {"amount": 1500}})   # appears in the app at once
    ren.show("/runs")                          # show another page inline
    ren.close()                                # stop the app (once per kernel)

The app runs NiceGUI's server on its own thread and event loop, so the kernel stays free; the
returned object is an `app.Ren` whose calls run on that loop. One app per kernel: `start()`
again returns the same one.
"""

from __future__ import annotations

import importlib
import socket
import threading
import time
from pathlib import Path

from app.api.server import free_port
from app.sdk import Ren
from app.ui import live

DEFAULT_HEIGHT = 720

_current: NotebookRen | None = None
_stopped = False


class NotebookRen(Ren):
    """`app.Ren` on the engine of the app running in this kernel, plus `show()` and `url`."""

    def __init__(self, url: str, server: threading.Thread, height: int) -> None:
        engine, loop = live.wait_started()
        super().__init__(engine, loop)
        self.url = url
        self.height = height
        self._server = server

    def show(self, path: str = "/workflows", height: int | None = None) -> None:
        """Show a page of the app in the cell's output (or print its address outside Jupyter)."""
        address = self.url + path
        try:
            display = importlib.import_module("IPython.display")
        except ImportError:
            print(f"Ren: {address}")
            return
        display.display(display.IFrame(address, width="100%", height=height or self.height))

    def close(self) -> None:
        """Stop the app and its engine; runs in flight continue at the next start."""
        global _current, _stopped
        if _current is not self:
            return
        from nicegui import app

        self._loop.call_soon_threadsafe(app.shutdown)
        self._server.join(timeout=20)
        _current, _stopped = None, True

    def __repr__(self) -> str:
        return f"<Ren app at {self.url}>"


def start(
    home: str | Path | None = None,
    *,
    port: int | None = None,
    height: int = DEFAULT_HEIGHT,
    show: bool = True,
    path: str = "/workflows",
    timeout: float = 60,
) -> NotebookRen:
    """Start Ren's app on 127.0.0.1 in the background and show `path` inline.

    `home` is the data folder (default: $REN_HOME or the user data folder); `port` defaults to
    a free one. Functions registered with `@app.register_function` in the kernel are available
    to the app's workflows.
    """
    global _current
    if _current is not None:
        if show:
            _current.show(path, height)
        return _current
    if _stopped:
        raise RuntimeError("Ren's app was stopped in this kernel; restart the kernel to start it")
    from app.ui.main import serve

    port = port or free_port()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            serve(host="127.0.0.1", port=port, show=False, home=home, hint="")
        except BaseException as err:  # SystemExit when the port is taken, for example
            failure.append(err)
            live.status.error = live.status.error or f"the app stopped: {err!r}"
            live.status.started.set()

    server = threading.Thread(target=run, name="ren-app", daemon=True)
    server.start()
    deadline = time.monotonic() + timeout
    while not (live.status.started.is_set() and _listening(port)):
        if not server.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"Ren's app did not start on port {port}: {failure or 'timeout'}")
        time.sleep(0.05)
    _current = NotebookRen(f"http://127.0.0.1:{port}", server, height)
    if show:
        _current.show(path, height)
    return _current


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def current() -> NotebookRen | None:
    """The app started in this kernel, if any."""
    return _current


__all__ = ["NotebookRen", "current", "start"]
