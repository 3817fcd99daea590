"""The desktop window of `ren --native` (pywebview, started by NiceGUI in a child process).

NiceGUI stops the server when the window closes, but not the reverse: after Ctrl+C or a stop
signal the window would stay open on a dead app. `close_and_exit()` closes it once the server
has stopped and ends the process. `prepare()` picks the web engine that is installed, so that
pywebview does not first fail loudly on another.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from importlib.util import find_spec
from typing import NoReturn

from nicegui import app
from nicegui import run as nicegui_run

WINDOW_EXIT_SECONDS = 3.0
CLIENT_WINDOW = (1320, 860)


def open_on(url: str) -> int:
    """A desktop window on the Ren process that already serves `url` (`ren --native` while Ren
    runs): this process holds no engine, so closing the window never stops that process."""
    prepare()
    import webview

    webview.create_window("Ren", url, width=CLIENT_WINDOW[0], height=CLIENT_WINDOW[1])
    webview.start()
    return 0


def prepare() -> None:
    """Call before `ui.run(native=True)`."""
    _prefer_installed_engine()
    _allow_running_as_root()


def close_and_exit(code: int) -> NoReturn:
    """After the server has stopped (its shutdown stopped the engine): close the window if it
    is still open, wait for its process, and end this process at once.

    Ending at once (as NiceGUI's own window watcher does, with os._exit) matters: when the
    window closed first, that watcher thread is itself winding the process down, and a normal
    interpreter exit here would run the at-exit work a second time, concurrently, which can
    hang."""
    # The server's shutdown has already shut NiceGUI's process pool down; the watcher would
    # tear it down a second time, which fails (NiceGUI 3.x). There is no pool any more.
    nicegui_run.process_pool = None
    windows = multiprocessing.active_children()  # the window is Ren's only child process
    if app.native.main_window is not None and windows:
        app.native.main_window.destroy()
    for window in windows:
        window.join(WINDOW_EXIT_SECONDS)
        if window.is_alive():
            window.terminate()
            window.join(WINDOW_EXIT_SECONDS)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _prefer_installed_engine() -> None:
    """On Linux pywebview tries GTK before Qt and logs a traceback when GTK is missing; the
    `native` extra installs Qt, so ask for Qt when only Qt is there."""
    if not sys.platform.startswith("linux") or "PYWEBVIEW_GUI" in os.environ:
        return
    if find_spec("gi") is None and find_spec("qtpy") is not None:
        os.environ["PYWEBVIEW_GUI"] = "qt"


def _allow_running_as_root() -> None:
    """Qt WebEngine (Chromium) refuses to start as root with its sandbox on, e.g. in a
    container; the window only ever shows Ren's own local pages."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if "--no-sandbox" not in flags.split():
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()
