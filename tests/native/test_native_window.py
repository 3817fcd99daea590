"""`ren --native`: Ren in its own desktop window (pywebview on Qt WebEngine), on a virtual X
display (Xvfb). The test opens the window as a user would, works in it through the window's
own web view (Qt's DevTools port), and stops it both ways a user does: Ctrl+C in the
terminal, and the window's close button.

Linux only: Windows (WebView2) and macOS (WebKit) windows need those systems. Needs Xvfb and
x11-utils from Debian (which .ci/run installs) and the `native` extra (which the `test` extra
pulls in).
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pytest

from app.engine.lock import FolderLock
from tests.browser import REN, free_port, require, start_app, stop_app
from tests.native.devtools import Page, connect, page_socket
from tests.native.x11 import close_window, virtual_display, windows

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X display is Linux's"),
]

APT = "Debian: apt-get install xvfb x11-utils (and Qt WebEngine's libraries, see .ci/run)"
WINDOW_TITLE = "Workflows · Ren"  # the window takes the page's title


def require_desktop() -> None:
    require("Xvfb", shutil.which("Xvfb") is not None, APT)
    require("xwininfo", shutil.which("xwininfo") is not None, APT)
    native = find_spec("webview") is not None and find_spec("qtpy") is not None
    require("pywebview with Qt", native, 'pip install -e ".[test]" (it brings the native extra)')


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    require_desktop()
    with virtual_display() as name:
        yield name


@dataclass
class Window:
    process: subprocess.Popen[bytes]
    url: str
    page: Page
    home: Path
    display: str


@pytest.fixture
def window(display: str, tmp_path: Path) -> Iterator[Window]:
    """`ren --native` on a free port and a fresh data folder, with its window open."""
    home = tmp_path / "ren-home"
    port, debug_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "REN_HOME": str(home),
        "DISPLAY": display,
        "QTWEBENGINE_REMOTE_DEBUGGING": f"127.0.0.1:{debug_port}",
        "QTWEBENGINE_CHROMIUM_FLAGS": "--disable-gpu --disable-dev-shm-usage",
    }
    command = [*REN, "--native", "--port", str(port)]
    process = start_app(command, url + "/workflows", home / "ren.log", env)
    try:
        socket_url = page_socket(f"http://127.0.0.1:{debug_port}", url, timeout=40)
        with connect(socket_url, max_size=None, open_timeout=10) as socket:
            yield Window(process, url, Page(socket), home, display)
    finally:
        stop_app(process)


def process_states() -> dict[int, tuple[int, str]]:
    """Every process's parent and state letter, from /proc."""
    states = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        states[int(stat.parent.name)] = (int(fields[1]), fields[0])
    return states


def descendants(pid: int) -> set[int]:
    """The processes `pid` started, and theirs (the window and its web engine's helpers)."""
    parents = {child: parent for child, (parent, _) in process_states().items()}
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie has ended; only its parent has not reaped it)."""
    states = process_states()
    return {pid for pid in pids if pid in states and states[pid][1] != "Z"}


def ren_window(display: str) -> tuple[str, int, int, int]:
    """Ren's window on the display: its title, id, width and height."""
    shown = windows(display)
    found = [(title, *where) for title, where in shown.items() if title.endswith("· Ren")]
    assert len(found) == 1, f"expected one Ren window on the display, found: {shown}"
    return found[0]


def ren_windows(display: str) -> list[str]:
    return [title for title in windows(display) if title.endswith("· Ren")]


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def assert_ren_ended(window: Window, window_processes: set[int]) -> None:
    """Ren exited cleanly, took its window and the window's processes with it, and let go of
    its data folder."""
    assert window.process.wait(timeout=20) == 0
    log = (window.home / "ren.log").read_text(errors="replace")
    assert "Traceback" not in log, log
    assert not ren_windows(window.display)
    # helpers (e.g. multiprocessing's resource tracker) end just after Ren does
    ended = wait_until(lambda: not running(window_processes), seconds=10)
    assert ended, "the window's processes outlived Ren"
    lock = FolderLock(window.home)
    lock.acquire()  # raises EngineBusy if anything still holds the folder
    lock.release()


def test_native_window_shows_ren_and_works(window: Window, tmp_path: Path) -> None:
    page = window.page

    # The window is a real X window titled like the page, at Ren's window size.
    page.wait_for(f"document.title === {WINDOW_TITLE!r}")
    title, _, width, height = ren_window(window.display)
    assert (title, width, height) == (WINDOW_TITLE, 1320, 860)

    # The first page a new user sees, with its way forward.
    page.wait_for("document.body.innerText.includes('No workflows yet')")

    # Work in the window: create a workflow (a round trip through the app's websocket) ...
    page.evaluate(
        "[...document.querySelectorAll('button')]"
        ".find(b => b.innerText.includes('New workflow')).click()"
    )
    page.wait_for("document.querySelector('.q-dialog input') !== null")
    page.evaluate(
        "(() => { const field = document.querySelector('.q-dialog input');"
        " field.value = 'Desk check'; field.dispatchEvent(new Event('input')); })()"
    )
    page.evaluate("document.querySelector('[data-testid=create]').click()")

    # ... and its editor opens: the Vue Flow canvas renders in Qt's web engine too.
    page.wait_for("location.pathname.startsWith('/workflows/')")
    page.wait_for("document.querySelectorAll('.vue-flow__node').length === 1")
    assert page.evaluate("document.querySelector('.vue-flow').getBoundingClientRect().height") > 300
    page.wait_for("document.title === 'Desk check · Ren'")
    assert len(ren_windows(window.display)) == 1  # still one window (Qt retitles it lazily)
    shot = page.screenshot()
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000  # a painted page, not a blank one
    (tmp_path / "native-editor.png").write_bytes(shot)

    with sqlite3.connect(window.home / "ren.sqlite") as db:
        names = [name for (name,) in db.execute("SELECT name FROM workflow")]
    assert names == ["Desk check"]

    # Ctrl+C in Ren's terminal stops Ren and closes the window.
    window_processes = descendants(window.process.pid)
    assert window_processes, "the window runs in a child process"
    window.process.send_signal(signal.SIGINT)
    assert_ren_ended(window, window_processes)
    assert "Ren stopped." in (window.home / "ren.log").read_text()


def test_closing_the_window_stops_ren(window: Window) -> None:
    window.page.wait_for("document.body.innerText.includes('No workflows yet')")
    time.sleep(1)  # as a person would look at it first: closing while the page still loads
    # makes pywebview log errors of its load handlers, and Qt may drop the request
    window_processes = descendants(window.process.pid)
    _, window_id, _, _ = ren_window(window.display)
    for _ in range(3):  # Qt drops a close request that comes while the window is still starting
        close_window(window.display, window_id)
        if wait_until(lambda: not ren_windows(window.display), seconds=3):
            break
    assert_ren_ended(window, window_processes)
