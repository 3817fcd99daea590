"""The desktop window of `ren --native` (pywebview, started by NiceGUI in a child process).

NiceGUI stops the server when the window closes, but not the reverse: after Ctrl+C or a stop
signal the window would stay open on a dead app. `close_and_exit()` closes it once the server
has stopped and ends the process. `prepare()` picks the web engine that is installed, so that
pywebview does not first fail loudly on another.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from importlib.util import find_spec
from multiprocessing.connection import Connection
from typing import Any, NoReturn

from nicegui import app
from nicegui import run as nicegui_run

WINDOW_EXIT_SECONDS = 3.0
CLIENT_WINDOW = (1320, 860)
REPLY_S = 5.0  # how long the window waits for the app's answer at a close


def run_window(
    url: str, questions: Connection, method_queue: Any = None, response_queue: Any = None
) -> None:
    """The app's own window, in a child process (`ren --native` started Ren): when it closes,
    ask the app over `questions` whether to ask the person about keeping Ren running, and if
    so ask (a dialog) and pass the answer on. The app decides what a close means."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the app's; it closes this window
    _wait_for_server(url)
    prepare()
    import webview

    window = _titled_window(webview, url)
    if method_queue is not None:  # the app's calls on its window (NiceGUI's app.native)
        from nicegui.native.native_mode import _start_window_method_executor

        closed = threading.Event()
        window.events.closed += closed.set
        _start_window_method_executor(window, method_queue, response_queue, closed)
    decided, asking = threading.Event(), threading.Event()

    def ask() -> None:
        from app.ui.background import QUESTION, QUESTION_TITLE

        keep = window.create_confirmation_dialog(QUESTION_TITLE, QUESTION)
        with contextlib.suppress(OSError):
            questions.send("keep" if keep else "stop")
        decided.set()
        window.destroy()

    def closing() -> bool:
        if decided.is_set():
            return True
        if asking.is_set():  # the question is open: a second close waits for its answer
            return False
        try:
            questions.send("closing")
            reply = questions.recv() if questions.poll(REPLY_S) else "close"
        except (OSError, EOFError):
            return True
        if reply != "ask":
            return True
        asking.set()
        threading.Thread(target=ask, name="ren-ask", daemon=True).start()
        return False  # stays open until the person answered

    window.events.closing += closing
    webview.start()


class _TitleApi:
    """Called by the page's script (pywebview's JS API) whenever the page's title changes."""

    def __init__(self) -> None:
        self.window: Any = None

    def retitle(self, title: str) -> None:
        if self.window is not None and isinstance(title, str) and title:
            self.window.set_title(title)


FOLLOW_TITLE_JS = """
(() => {
  const tell = () => window.pywebview && window.pywebview.api && window.pywebview.api.retitle
    && window.pywebview.api.retitle(document.title);
  window.addEventListener('pywebviewready', tell);
  new MutationObserver(tell).observe(document.head, {subtree: true, childList: true,
                                                      characterData: true});
  tell();
})();
"""


def _titled_window(webview: Any, url: str) -> Any:
    """A window that takes its page's title (`Workflows · Ren`), as a browser tab does."""
    api = _TitleApi()
    window = webview.create_window(
        "Ren", url, width=CLIENT_WINDOW[0], height=CLIENT_WINDOW[1], js_api=api
    )
    assert window is not None
    api.window = window
    window.events.loaded += lambda: window.evaluate_js(FOLLOW_TITLE_JS)
    return window


def _wait_for_server(url: str) -> None:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)


def open_on(url: str) -> int:
    """A desktop window on the Ren process that already serves `url` (`ren --native` while Ren
    runs): this process holds no engine, so closing the window never stops that process."""
    prepare()
    import webview

    _titled_window(webview, url)
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
