"""The background choices: the Settings card's two switches (keep running when the window
closes, start at login) and when the close question is asked (once, only when a schedule or a
timer waits)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User

from app.engine.service import Engine
from app.ui import background
from tests.engine.test_waits import flow
from tests.ui.conftest import forget_pages, ren_home  # noqa: F401 (fixtures)


async def test_the_question_is_asked_once_and_only_when_something_waits(engine: Engine) -> None:
    folder = engine.folder.root
    assert not background.should_ask(engine)  # nothing to run without a window
    engine.import_workflow(
        flow(
            "nap", [{"id": "nap", "type": "wait", "config": {"seconds": 3600}}], [("start", "nap")]
        )
    )
    run_id = await engine.start_run("nap", {})
    assert (await engine.wait(run_id, timeout=30)).status == "waiting"
    assert background.has_work_waiting(engine)  # a pending timer
    assert background.should_ask(engine)
    background.save(folder, background.Choices(keep_running=False, asked=True))
    assert not background.should_ask(engine)  # asked once: never again
    assert background.load(folder) == background.Choices(keep_running=False, asked=True)


async def test_an_enabled_schedule_counts_a_paused_one_does_not(engine: Engine) -> None:
    engine.import_workflow(flow("daily", [], []))
    schedule = engine.schedules.add("daily", cron="0 9 * * 1-5")
    assert background.has_work_waiting(engine)
    engine.schedules.set_enabled(schedule["id"], False)
    assert not background.has_work_waiting(engine)


def test_a_damaged_choices_file_reads_as_the_defaults(tmp_path: Path) -> None:
    (tmp_path / background.SETTINGS_FILE).write_text("{not json")
    assert background.load(tmp_path) == background.Choices()
    (tmp_path / background.SETTINGS_FILE).write_text("[1, 2]")
    assert background.load(tmp_path) == background.Choices()


async def test_the_settings_card_switches_keep_running_and_start_at_login(
    user: User, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    await user.open("/settings")
    await user.should_see(background.KEEP_RUNNING)
    user.find(background.KEEP_RUNNING).click()
    assert background.load(home.resolve()) == background.Choices(keep_running=True, asked=True)

    user.find("Start Ren at login").click()
    unit = config / "systemd" / "user" / "ren.service"
    for _ in range(100):  # written on a thread
        if unit.exists():
            break
        await asyncio.sleep(0.05)
    assert f"--home {home.resolve()} worker" in unit.read_text()
    await user.should_see("Ren starts at your next login")

    user.find("Start Ren at login").click()
    for _ in range(100):
        if not unit.exists():
            break
        await asyncio.sleep(0.05)
    assert not unit.exists()


async def test_settings_pause_all_schedules_resume_them_and_quit_ren(user: User) -> None:
    """The tray menu's actions in Settings (a plain X tray has no menu): pause every schedule,
    resume only those, and quit the Ren serving the page (here: its background state's quit)."""
    from app.engine.tray_state import TrayState
    from app.ui import runtime

    await user.open("/settings")
    engine = runtime.engine()
    engine.import_workflow(flow("daily", [], []))
    on = engine.schedules.add("daily", cron="0 9 * * 1-5")["id"]
    off = engine.schedules.add("daily", cron="0 17 * * 1-5")["id"]
    engine.schedules.set_enabled(off, False)
    await user.open("/settings")
    user.find(background.PAUSE).click()
    assert {s["id"]: s["enabled"] for s in engine.schedules.all()} == {on: False, off: False}
    await user.should_see(background.RESUME)
    user.find(background.RESUME).click()
    assert {s["id"]: bool(s["enabled"]) for s in engine.schedules.all()} == {on: True, off: False}
    await user.should_see(background.PAUSE)

    quits: list[str] = []
    state = TrayState(engine, "http://127.0.0.1:8710", lambda: quits.append("quit"))
    state.start()
    try:
        user.find(background.QUIT).click()  # the card's button opens the question
        await user.should_see("Quit Ren? Schedules and timers wait until Ren starts again.")
        user.find(kind=ui.button, content=background.QUIT).click()
        for _ in range(50):
            if quits:
                break
            await asyncio.sleep(0.02)
        assert quits == ["quit"]
    finally:
        state.stop()
