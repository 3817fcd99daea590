"""Ren in the background: the person's choices (keep running when the window closes, start at
login) and the Settings card that sets them.

The choices live in the data folder (`background.json`), so that the app, `ren worker` and the
window all read the same ones.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from nicegui import app, run, ui

from app.engine.schedule_pause import pause_all, paused_ids, resume_all
from app.engine.service import Engine
from app.service import platforms
from app.service.description import describe

SETTINGS_FILE = "background.json"
KEEP_RUNNING = "Keep Ren running in the background when the window closes"
QUESTION_TITLE = "Keep Ren running?"
PAUSE = "Pause all schedules"
RESUME = "Resume schedules"
QUIT = "Quit Ren"
QUESTION = (
    "Schedules or timers are waiting. Keep Ren running in the background when the window "
    "closes, so that they run on time? (Settings can change this.)"
)


@dataclass(frozen=True)
class Choices:
    keep_running: bool = False
    asked: bool = False  # the question was asked once (at a window close)


def load(folder: Path) -> Choices:
    try:
        found = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Choices()
    if not isinstance(found, dict):
        return Choices()
    return Choices(bool(found.get("keep_running")), bool(found.get("asked")))


def save(folder: Path, choices: Choices) -> None:
    path = folder / SETTINGS_FILE
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(asdict(choices)), encoding="utf-8")
    temp.replace(path)


def has_work_waiting(engine: Engine) -> bool:
    """An enabled schedule or a pending timer: something that should run without a window."""
    if any(schedule["enabled"] for schedule in engine.schedules.all()):
        return True
    return engine.store.row("SELECT 1 AS one FROM timer WHERE status='pending' LIMIT 1") is not None


def should_ask(engine: Engine) -> bool:
    """Ask at this window close? Once, and only when something waits to run."""
    choices = load(engine.folder.root)
    return not choices.asked and not choices.keep_running and has_work_waiting(engine)


def background_card(engine: Engine) -> None:
    """Settings: keep running when the window closes; start at login (the login service)."""
    folder = engine.folder.root
    platform = platforms.current()
    service = describe(folder)
    with ui.column().classes("ren-card w-full p-5 gap-3"):
        ui.label("Background").classes("ren-card-title")

        def keep(on: bool) -> None:
            save(folder, Choices(keep_running=on, asked=True))

        ui.switch(KEEP_RUNNING, value=load(folder).keep_running, on_change=lambda e: keep(e.value))
        installed = platform.path(service).exists()

        async def at_login(on: bool) -> None:
            # this process holds the folder now: the service starts with the next login
            if on:
                done = await run.io_bound(platforms.install, platform, service, False)
            else:
                done = await run.io_bound(platforms.uninstall, platform, service)
            if done is not None:
                said = "Ren starts at your next login" if on else "Ren no longer starts at login"
                ui.notify(f"{said} ({platform.name})", multi_line=True)

        ui.switch("Start Ren at login", value=installed, on_change=lambda e: at_login(e.value))
        ui.label(
            f"Starts “ren worker” for this data folder when you log in ({platform.name}); "
            f"logs go to {service.log}. Same as “ren service install”."
        ).classes("text-sm opacity-70")
        _running_actions(engine)


def _running_actions(engine: Engine) -> None:
    """What the tray icon's menu does, here too (a plain X tray has no menu): pause every
    schedule and resume the ones paused so, and quit the Ren that serves this page."""
    folder = engine.folder.root

    def toggle() -> None:
        if paused_ids(folder):
            resumed = resume_all(engine.schedules, folder)
            ui.notify(f"{len(resumed)} schedule(s) resumed")
        else:
            paused = pause_all(engine.schedules, folder)
            ui.notify(f"{len(paused)} schedule(s) paused until you resume them")
        pause_button.text = RESUME if paused_ids(folder) else PAUSE

    with ui.dialog() as confirm, ui.card():
        ui.label("Quit Ren? Schedules and timers wait until Ren starts again.")
        with ui.row():
            ui.button("Cancel", on_click=confirm.close).props("flat")
            ui.button(QUIT, on_click=lambda: quit_ren(engine)).props("color=negative")

    with ui.row().classes("gap-3"):
        pause_button = ui.button(RESUME if paused_ids(folder) else PAUSE, on_click=toggle)
        pause_button.props("outline")
        ui.button(QUIT, on_click=confirm.open).props("outline color=negative")


def quit_ren(engine: Engine) -> None:
    """Stop the process serving this page: the way it stops in the background (its tray's
    Quit), else the app's own shutdown (`ren` in a terminal)."""
    from app.engine.tray_state import serving

    state = serving(engine)
    if state is not None:
        state.quit()
    else:
        app.shutdown()
