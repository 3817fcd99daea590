"""The tray icon on a virtual X display (Xvfb), driven through pystray's own menu items as a
click does: the counts it shows, Open Ren, Pause all schedules / Resume schedules on a real
engine (the schedules' rows and the scheduler's jobs), and Quit, which stops the icon cleanly."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.service import Engine
from app.ui.tray import Tray, start_tray
from app.ui.tray_state import PAUSED_FILE, TrayState
from tests.always_on.x_tray import system_tray
from tests.browser import require
from tests.engine.test_waits import APPROVAL, flow

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the X display is Linux's"
)

URL = "http://127.0.0.1:8710"


@pytest.fixture
def display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from tests.native.x11 import virtual_display

    require("Xvfb", shutil.which("Xvfb") is not None, "Debian: apt-get install xvfb")
    with virtual_display() as name, system_tray(name):
        monkeypatch.setenv("DISPLAY", name)
        monkeypatch.setenv("PYSTRAY_BACKEND", "xorg")  # the backend an X session always has
        yield name


def scheduled(engine: Engine) -> list[str]:
    engine.import_workflow(flow("daily", [], []))
    return [engine.schedules.add("daily", cron=f"0 {hour} * * *")["id"] for hour in (9, 17)]


async def click(tray: Tray, label: str) -> None:
    """A click on a menu item: pystray calls its action on the icon's thread, not the loop's."""
    await asyncio.to_thread(tray.item(label), tray.icon)


async def test_the_tray_menu_pauses_and_resumes_schedules_and_quits(
    display: str, engine: Engine
) -> None:
    first, second = scheduled(engine)
    engine.schedules.set_enabled(second, False)  # paused by the person: stays paused
    opened: list[str] = []
    quit_asked = asyncio.Event()
    loop = asyncio.get_running_loop()
    state = TrayState(engine, loop, URL, lambda: loop.call_soon_threadsafe(quit_asked.set))
    state._open = opened.append
    state.start()
    tray = start_tray(state)
    assert tray is not None
    try:
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
        await asyncio.wait_for(quit_asked.wait(), timeout=10)
    finally:
        tray.stop()
        state.stop()
    assert tray.icon._running is False  # pystray's own state: the icon's loop was stopped


async def test_the_tray_counts_a_waiting_task_and_opens_the_inbox(
    display: str, engine: Engine
) -> None:
    engine.import_workflow(flow("approval", [APPROVAL], [("start", "review")]))
    run_id = await engine.start_run("approval", {"item": "laptop"})
    assert (await engine.wait(run_id, timeout=30)).status == "waiting"
    opened: list[str] = []
    state = TrayState(engine, asyncio.get_running_loop(), URL, lambda: None, opened.append)
    snapshot = state.refresh()
    assert (snapshot.running, snapshot.waiting, snapshot.open_tasks) == (0, 1, 1)
    tray = start_tray(state)
    assert tray is not None
    try:
        assert tray.item("0 running, 1 waiting").enabled is False
        await click(tray, "1 open task")
        assert opened == [URL + "/inbox"]
    finally:
        tray.stop()


def test_without_a_display_ren_runs_without_the_tray_and_says_so_once(
    tmp_path: Path,
) -> None:
    import subprocess

    from tests.ren_cli import ROOT, child_env

    script = (
        "import asyncio\n"
        "from app.engine.service import Engine\n"
        "from app.ui.tray import start_tray\n"
        "from app.ui.tray_state import TrayState\n"
        "async def main():\n"
        "    async with Engine() as engine:\n"
        "        loop = asyncio.get_running_loop()\n"
        "        for _ in range(2):\n"
        "            print(start_tray(TrayState(engine, loop, 'u', lambda: None)))\n"
        "asyncio.run(main())\n"
    )
    env = {k: v for k, v in child_env({"REN_HOME": str(tmp_path / "h")}).items()}
    env.pop("DISPLAY", None)
    env.pop("PYSTRAY_BACKEND", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "None\nNone\n"
    assert done.stderr.count("ren: no tray icon (") == 1
    assert "Ren runs without it" in done.stderr


async def test_after_a_sleep_the_tray_says_what_ran_late(display: str, engine: Engine) -> None:
    from tests.always_on.test_clock_watch import HOUR, ManualClocks, sleep_through

    engine.import_workflow(
        flow(
            "nap", [{"id": "nap", "type": "wait", "config": {"seconds": HOUR}}], [("start", "nap")]
        )
    )
    run_id = await engine.start_run("nap", {})
    assert (await engine.wait(run_id, timeout=30)).status == "waiting"
    [timer] = engine.store.rows("SELECT id FROM timer")
    state = TrayState(engine, asyncio.get_running_loop(), URL, lambda: None)
    state.start()
    tray = start_tray(state)
    assert tray is not None
    try:
        clocks = ManualClocks(wall_at=time.time(), mono_at=0.0)
        engine.alarms.clock_watch.use(clocks)
        sleep_through(engine, f"timer:{timer['id']}", clocks, HOUR)
        clocks.tick()
        assert engine.alarms.clock_watch.check() is not None
        line = tray.item("Ren's clock jumped 60 min (sleep?)")
        assert "ran late: 1 timer(s), 0 schedule(s)" in str(line.text)
        assert line.visible
    finally:
        tray.stop()
        state.stop()
