"""The desktop window of `ren --native` (pywebview, started by NiceGUI in a child process).

NiceGUI stops the server when the window closes, but not the reverse: after Ctrl+C or a stop
signal the window would stay open on a dead app. `close()` closes it once the server has
stopped. `prepare()` picks the web engine that is installed, so that pywebview does not first
fail loudly on another.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from importlib.util import find_spec

from nicegui import app
from nicegui import run as nicegui_run

WINDOW_EXIT_SECONDS = 3.0
WATCHER_SECONDS = 2.0


def prepare() -> None:
    """Call before `ui.run(native=True)`."""
    _prefer_installed_engine()
    _allow_running_as_root()


def close() -> None:
    """Close the window after the server has stopped, and wait for its process to end.

    NiceGUI's watcher thread then sees the window gone and ends this process itself (its
    at-exit work, then exit status 0); the short wait lets it do so while nothing else runs,
    instead of racing the interpreter's own shutdown."""
    windows = multiprocessing.active_children()  # the window is Ren's only child process
    if app.native.main_window is None or not windows:
        return
    # The server's shutdown has already shut NiceGUI's process pool down; the watcher would
    # tear it down a second time, which fails (NiceGUI 3.x). There is no pool any more.
    nicegui_run.process_pool = None
    app.native.main_window.destroy()
    for window in windows:
        window.join(WINDOW_EXIT_SECONDS)
        if window.is_alive():
            window.terminate()
            window.join(WINDOW_EXIT_SECONDS)
    time.sleep(WATCHER_SECONDS)


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
