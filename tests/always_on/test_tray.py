"""The tray icon on a virtual X display (Xvfb) with a system tray that docks it.

The icon asks the process serving the data folder over its local API (loopback HTTP, the token
of `engine.json`). In-process tests drive it through pystray's own menu items, as a click does,
against a real engine served on 127.0.0.1: the counts, Open Ren, Pause all schedules / Resume
schedules (the schedules' rows and the scheduler's jobs), what ran late after a sleep, and Quit,
which stops the serving process and the icon. A real `ren worker` starts `ren tray` itself;
a click on the docked icon (plain X: no menu) opens Ren, and the icon ends with the worker.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from app.api.server import serve_api
from app.engine.schedule_pause import PAUSED_FILE
from app.engine.service import Engine
from app.engine.tray_state import TrayState
from app.ui.tray import CallFailed, NoServer, Tray, TrayClient
from app.ui.tray_process import start_tray
from tests.always_on.approvals import approval_flow
from tests.always_on.x_tray import SystemTray, system_tray
from tests.browser import REN, free_port, require, start_app, stop_app
from tests.engine.test_waits import flow

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the X display is Linux's"
)

URL = "http://127.0.0.1:8710"
URL2 = "http://127.0.0.1:8711"


@pytest.fixture
def tray_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[SystemTray]:
    from tests.native.x11 import virtual_display

    require("Xvfb", shutil.which("Xvfb") is not None, "Debian: apt-get install xvfb")
    with virtual_display() as name, system_tray(name) as tray:
        monkeypatch.setenv("DISPLAY", name)
        monkeypatch.setenv("PYSTRAY_BACKEND", "xorg")  # the backend an X session always has
        yield tray


@asynccontextmanager
async def shown(
    engine: Engine, state: TrayState, opened: list[str], tray_x: SystemTray
) -> AsyncIterator[Tray]:
    """The engine's local API on 127.0.0.1, the tray's state on its side, and the icon (its
    loop on a thread of its own, as `ren tray` runs it on its main thread) docked."""
    import pystray  # type: ignore[import-untyped]

    server = await serve_api(engine)
    state.start()
    client = TrayClient({**engine.lock.holder(), "ui": URL})
    tray = Tray(client, pystray, opened.append)
    loop_thread = threading.Thread(target=tray.run, daemon=True)
    loop_thread.start()
    try:
        await asyncio.to_thread(tray_x.wait_docked)
        await asyncio.to_thread(tray.refresh)
        yield tray
    finally:
        tray.stop()
        await asyncio.to_thread(loop_thread.join, 10)
        state.stop()
        server.should_exit = True
    assert not loop_thread.is_alive()  # the icon's loop ended: `ren tray` exits


async def click(tray: Tray, label: str) -> None:
    """A click on a menu item: pystray calls its action on the icon's thread, not the loop's."""
    await asyncio.to_thread(tray.item(label), tray.icon)


def scheduled(engine: Engine) -> list[str]:
    engine.import_workflow(flow("daily", [], []))
    return [engine.schedules.add("daily", cron=f"0 {hour} * * *")["id"] for hour in (9, 17)]


async def test_the_tray_menu_pauses_and_resumes_schedules_and_quits(
    tray_display: SystemTray, engine: Engine
) -> None:
    first, second = scheduled(engine)
    engine.schedules.set_enabled(second, False)  # paused by the person: stays paused
    opened: list[str] = []
    quit_asked = asyncio.Event()
    state = TrayState(engine, URL, quit_asked.set)
    async with shown(engine, state, opened, tray_display) as tray:
        assert tray.item("0 running, 0 waiting").enabled is False
        assert str(tray.item("0 open tasks").text) == "0 open tasks"

        await click(tray, "Open Ren")
        assert opened == [URL]

        await click(tray, "Pause all schedules")
        assert [s["enabled"] for s in engine.schedules.all()] == [False, False]
        assert engine.alarms.scheduler.get_job(f"schedule:{first}") is None
        assert (engine.folder.root / PAUSED_FILE).exists()  # a restart still knows
        assert str(tray.item("Resume schedules").text) == "Resume schedules"

        await click(tray, "Resume schedules")
        enabled = {s["id"]: bool(s["enabled"]) for s in engine.schedules.all()}
        assert enabled == {first: True, second: False}
        assert engine.alarms.scheduler.get_job(f"schedule:{first}") is not None
        assert not (engine.folder.root / PAUSED_FILE).exists()
        assert str(tray.item("Pause all schedules").text) == "Pause all schedules"

        await click(tray, "Quit Ren")
        await asyncio.wait_for(quit_asked.wait(), timeout=10)  # the serving process stops
    assert tray.icon._running is False  # pystray's own state: the icon's loop was stopped


async def test_the_tray_counts_a_waiting_task_and_opens_the_inbox(
    tray_display: SystemTray, engine: Engine
) -> None:
    engine.import_workflow(approval_flow("approval"))
    run_id = await engine.start_run("approval", {"item": "laptop"})
    assert (await engine.wait(run_id, timeout=30)).status == "waiting"
    opened: list[str] = []
    state = TrayState(engine, URL, lambda: None)
    async with shown(engine, state, opened, tray_display) as tray:
        assert tray.item("0 running, 1 waiting").enabled is False
        await click(tray, "1 open task")
        assert opened == [URL + "/inbox"]
        assert tray.icon.title == "Ren: 0 running, 1 waiting"


async def test_after_a_sleep_the_tray_says_what_ran_late(
    tray_display: SystemTray, engine: Engine
) -> None:
    from tests.always_on.test_clock_watch import HOUR, ManualClocks, sleep_through

    engine.import_workflow(
        flow(
            "nap", [{"id": "nap", "type": "wait", "config": {"seconds": HOUR}}], [("start", "nap")]
        )
    )
    run_id = await engine.start_run("nap", {})
    assert (await engine.wait(run_id, timeout=30)).status == "waiting"
    [timer] = engine.store.rows("SELECT id FROM timer")
    state = TrayState(engine, URL, lambda: None)
    async with shown(engine, state, [], tray_display) as tray:
        with pytest.raises(KeyError):  # nothing ran late yet: the line is hidden
            tray.item("Ren's clock")
        clocks = ManualClocks(wall_at=time.time(), mono_at=0.0)
        engine.alarms.clock_watch.use(clocks)
        sleep_through(engine, f"timer:{timer['id']}", clocks, HOUR)
        clocks.tick()
        assert engine.alarms.clock_watch.check() is not None
        await asyncio.to_thread(tray.refresh)
        line = tray.item("Ren's clock jumped 60 min (sleep?)")
        assert "ran late: 1 timer(s), 0 schedule(s)" in str(line.text)
        assert line.visible


async def test_a_refused_call_keeps_the_icon_and_it_ends_when_the_server_is_gone(
    tray_display: SystemTray, engine: Engine
) -> None:
    import pystray

    server = await serve_api(engine)
    holder = engine.lock.holder()
    with pytest.raises(CallFailed, match="wrong or missing token"):
        await asyncio.to_thread(TrayClient({**holder, "token": "not-it"}).status)
    client = TrayClient({**holder, "token": "not-it", "ui": URL})
    tray = Tray(client, pystray, print)
    loop_thread = threading.Thread(target=tray.run, daemon=True)
    loop_thread.start()
    try:
        await asyncio.to_thread(tray_display.wait_docked)
        await asyncio.to_thread(tray.refresh)  # refused: the icon stays, and asks again later
        assert loop_thread.is_alive() and tray.icon._running
        server.should_exit = True
        deadline = time.monotonic() + 30
        while loop_thread.is_alive():  # the icon polls: once nobody answers, it stops
            assert time.monotonic() < deadline, "the icon did not stop"
            await asyncio.to_thread(tray.refresh)
            await asyncio.to_thread(loop_thread.join, 0.2)
    finally:
        tray.stop()


async def test_the_icon_follows_a_ren_restarted_on_the_folder(
    tray_display: SystemTray, engine: Engine
) -> None:
    """A login service restarts a crashed Ren, which takes the folder again (a new port and
    token in `engine.json`): the icon asks that one from then on, and opens its address."""
    import pystray

    first = await serve_api(engine)
    opened: list[str] = []
    client = TrayClient({**engine.lock.holder(), "ui": URL})

    def holders() -> dict[str, object]:  # what engine.json says (with the app's address)
        return {**engine.lock.holder(), "ui": URL2}

    tray = Tray(client, pystray, opened.append, holders)
    loop_thread = threading.Thread(target=tray.run, daemon=True)
    loop_thread.start()
    try:
        await asyncio.to_thread(tray_display.wait_docked)
        first.should_exit = True
        for _ in range(400):  # until the first one is gone: nothing listens at its address
            try:
                await asyncio.to_thread(client.status)
            except NoServer:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the first server did not stop")
        second = await serve_api(engine)  # rewrites engine.json: another port, another token
        scheduled(engine)
        await click(tray, "Pause all schedules")  # handed to the second server
        assert [s["enabled"] for s in engine.schedules.all()] == [False, False]
        assert loop_thread.is_alive()
        await click(tray, "Open Ren")
        assert opened == [URL2]
        second.should_exit = True
    finally:
        tray.stop()
        await asyncio.to_thread(loop_thread.join, 10)


def test_ren_worker_shows_the_icon_a_click_opens_ren_and_it_ends_with_the_worker(
    tray_display: SystemTray, tmp_path: Path
) -> None:
    """Real processes: `ren worker` starts `ren tray`, whose icon docks; plain X has no menu, so
    a click on the icon opens Ren (the browser: $BROWSER, here a script that notes the address);
    stopping the worker ends the icon's process."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> "{opened}"\n')
    browser.chmod(0o755)
    home = tmp_path / "ren-home"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"REN_HOME": str(home), "BROWSER": f"{browser} %s"}
    log = tmp_path / "worker.log"
    worker = start_app([*REN, "worker", "--port", str(port)], url + "/workflows", log, env)
    try:
        icon = tray_display.wait_docked()
        deadline = time.monotonic() + 30
        while not opened.exists():  # the icon polls its server first; then takes clicks
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            tray_display.click()
            time.sleep(0.3)
        assert opened.read_text().splitlines()[0] == url
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        assert not tray_display.exists(icon)  # the icon's process ended with it
    finally:
        stop_app(worker)
    said = log.read_text(errors="replace")
    assert "Traceback" not in said, said
    assert "no tray icon" not in said


def test_without_a_desktop_ren_runs_without_the_tray_and_says_so_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    from app.ui import tray_process

    monkeypatch.setattr(tray_process, "_said", False)
    for _ in range(2):
        started = start_tray(engine, URL, lambda: None)
        assert started.process is None
        started.stop()
    said = capsys.readouterr().err
    assert said.count("ren: no tray icon (no desktop session") == 1
    assert "Ren runs without it" in said


def test_ren_tray_on_an_x_display_without_a_system_tray_says_so(tmp_path: Path) -> None:
    import subprocess

    from tests.native.x11 import virtual_display
    from tests.ren_cli import ROOT, child_env

    require("Xvfb", shutil.which("Xvfb") is not None, "Debian: apt-get install xvfb")
    with virtual_display() as name:
        env = child_env({"REN_HOME": str(tmp_path / "h"), "DISPLAY": name})
        env["PYSTRAY_BACKEND"] = "xorg"
        done = subprocess.run(
            [*REN, "tray"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 0, done.stderr
    said = "ren: no tray icon (this X display has no system tray); Ren runs without it"
    assert said in done.stderr


def test_a_second_ren_tray_for_the_folder_shows_no_second_icon(
    tray_display: SystemTray, tmp_path: Path
) -> None:
    """One icon per data folder (the service's own, the desktop's autostart entry...)."""
    import subprocess

    from app.ui.tray import TrayLock
    from tests.ren_cli import ROOT, child_env

    home = tmp_path / "h"
    home.mkdir()
    first = TrayLock(home)
    first.acquire()
    try:
        done = subprocess.run(
            [*REN, "tray"],
            cwd=ROOT,
            env=child_env({"REN_HOME": str(home)}),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        first.release()
    assert done.returncode == 0, done.stderr
    assert f"ren: the tray icon for {home} already shows (pid {os.getpid()})" in done.stderr
    assert tray_display.docked == []
