"""`ren --native` with "Keep Ren running in the background when the window closes" on, on a
virtual X display with a system tray: a run started while the window is open continues after
the window closes, the process keeps serving the app with its tray icon (a process of its own),
a click on the icon opens a window on it again, and a stop signal ends both cleanly. Real
processes on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from importlib.util import find_spec
from pathlib import Path

import pytest

from app.engine.service import Engine
from app.ui.background import QUESTION_TITLE, SETTINGS_FILE, Choices, load
from tests.always_on.x_tray import press_enter, system_tray
from tests.browser import REN, free_port, require, start_app, stop_app
from tests.native.x11 import close_window, virtual_display, windows
from tests.ren_cli import run_ren

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X display is Linux's"),
]

NAP_S = 4  # the run waits this long: long enough to close the window meanwhile


def nap_workflow(folder: Path) -> Path:
    path = folder / "nap.json"
    nodes = [
        {"id": "start", "type": "start"},
        {"id": "nap", "type": "wait", "config": {"seconds": NAP_S}},
        {"id": "done", "type": "set", "config": {"values": {"went": "on"}}},
    ]
    edges = [{"source": "start", "target": "nap"}, {"source": "nap", "target": "done"}]
    workflow = {"schema": "ren.workflow/1", "id": "nap", "name": "Nap", "nodes": nodes}
    path.write_text(json.dumps(workflow | {"edges": edges}))
    return path


def finished(home: Path, run_id: str) -> str:
    """The run's status once it is no longer running or waiting (`ren show`)."""
    deadline = time.monotonic() + 60
    while True:
        shown = json.loads(run_ren(home, "show", run_id, "--json").stdout)
        if shown["status"] not in ("running", "waiting") or time.monotonic() > deadline:
            return str(shown["status"])
        time.sleep(0.5)


def ren_window_id(display: str, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        found = [wid for title, (wid, _, _) in windows(display).items() if title.endswith(" Ren")]
        if found:
            return found[0]
        time.sleep(0.3)
    pytest.fail("Ren's window did not appear")


def test_closing_the_window_keeps_ren_and_its_run_going(tmp_path: Path) -> None:
    require("Xvfb", shutil.which("Xvfb") is not None, "Debian: apt-get install xvfb x11-utils")
    native = find_spec("webview") is not None and find_spec("qtpy") is not None
    require("pywebview with Qt", native, 'pip install -e ".[test]"')
    home = tmp_path / "ren-home"
    home.mkdir(mode=0o700)
    (home / SETTINGS_FILE).write_text(json.dumps({"keep_running": True, "asked": True}))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = home / "ren.log"
    with virtual_display() as display, system_tray(display) as tray:
        env = {
            "REN_HOME": str(home),
            "DISPLAY": display,
            "PYSTRAY_BACKEND": "xorg",
            "QTWEBENGINE_CHROMIUM_FLAGS": "--disable-gpu --disable-dev-shm-usage",
        }
        app = start_app([*REN, "--native", "--port", str(port)], url + "/workflows", log, env)
        try:
            window = ren_window_id(display, app)
            started = run_ren(home, "run", str(nap_workflow(tmp_path)), "--json")
            assert started.returncode == 3, started.stderr  # 3: the run waits (its nap)
            run_id = json.loads(started.stdout)["run_id"]
            _close_until(display, window, None, app)  # the window closes while the run naps
            icon = tray.wait_docked()  # in the background: the icon's process started
            assert finished(home, run_id) == "succeeded"
            assert app.poll() is None  # still running, without a window
            assert not [t for t in windows(display) if t.endswith(" Ren")]
            with urllib.request.urlopen(url + "/runs", timeout=10) as page:
                assert page.status == 200
            tray.click()  # plain X: a click on the icon opens Ren, as a window again
            reopened = ren_window_id(display, app)  # `ren --native`, attached to this Ren
            _close_until(display, reopened, None, app)  # and closing it leaves Ren running
            assert app.poll() is None
            app.send_signal(signal.SIGTERM)
            assert app.wait(timeout=30) == 0
            assert not tray.exists(icon)  # the icon ended with Ren
        finally:
            stop_app(app)
    said = log.read_text(errors="replace")
    assert "Ren keeps running in the background at" in said
    assert "Traceback" not in said, said
    assert "Ren stopped." in said


def test_the_first_close_with_a_schedule_asks_once_and_keeps_ren_on_yes(tmp_path: Path) -> None:
    """A schedule is enabled and the person was never asked: closing the window asks (a dialog
    of the window); Enter answers OK, and Ren stays, with the answer saved as the setting."""
    require("Xvfb", shutil.which("Xvfb") is not None, "Debian: apt-get install xvfb x11-utils")
    native = find_spec("webview") is not None and find_spec("qtpy") is not None
    require("pywebview with Qt", native, 'pip install -e ".[test]"')
    home = tmp_path / "ren-home"
    asyncio.run(_a_schedule(home))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = home / "ren.log"
    with virtual_display() as display:
        env = {
            "REN_HOME": str(home),
            "DISPLAY": display,
            "QTWEBENGINE_CHROMIUM_FLAGS": "--disable-gpu --disable-dev-shm-usage",
        }
        app = start_app([*REN, "--native", "--port", str(port)], url + "/workflows", log, env)
        try:
            dialog = _close_until(display, ren_window_id(display, app), QUESTION_TITLE, app)
            press_enter(display, dialog)
            deadline = time.monotonic() + 30
            while "keeps running in the background" not in log.read_text(errors="replace"):
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                assert app.poll() is None, log.read_text(errors="replace")
                time.sleep(0.2)
            assert load(home) == Choices(keep_running=True, asked=True)
            with urllib.request.urlopen(url + "/schedules", timeout=10) as page:
                assert page.status == 200
            app.send_signal(signal.SIGTERM)
            assert app.wait(timeout=30) == 0
        finally:
            stop_app(app)
    assert "Traceback" not in log.read_text(errors="replace")


async def _a_schedule(home: Path) -> None:
    async with Engine(home) as engine:
        engine.import_workflow(
            {
                "schema": "ren.workflow/1",
                "id": "daily",
                "name": "Daily",
                "nodes": [{"id": "start", "type": "start"}],
                "edges": [],
            }
        )
        engine.schedules.add("daily", cron="0 9 * * 1-5")


def _close_until(
    display: str, window: int, dialog: str | None, app: subprocess.Popen[bytes]
) -> int:
    """Close Ren's window until the `dialog` titled so appears (None: until the window is
    gone); Qt drops a close that comes while the window is still starting, so ask again."""
    for _ in range(6):
        close_window(display, window)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and app.poll() is None:
            shown = windows(display)
            if dialog is not None and dialog in shown:
                return shown[dialog][0]
            if dialog is None and not [t for t in shown if t.endswith(" Ren")]:
                return 0
            time.sleep(0.2)
    pytest.fail(f"closing did not get through: {windows(display)}")
