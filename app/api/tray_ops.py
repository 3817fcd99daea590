"""The tray's operations, beside the others of app.api.ops: the tray icon's process (`ren tray`)
asks the process that serves the data folder for them over the local API, authorised by the
token in `engine.json` as every local `ren` command is.

Imported by the processes that serve a data folder (the app and `ren worker`).
"""

from __future__ import annotations

from typing import Any

from app.api.ops import OpError, op
from app.engine.schedule_pause import pause_all, resume_all
from app.engine.service import Engine
from app.engine.tray_state import serving, status_of


@op
async def tray_status(engine: Engine) -> dict[str, Any]:
    """Running and waiting runs, open tasks, paused schedules, what ran late after a sleep."""
    state = serving(engine)
    return state.status() if state is not None else status_of(engine)


@op
async def schedules_pause_all(engine: Engine) -> dict[str, Any]:
    return {"paused": pause_all(engine.schedules, engine.folder.root)}


@op
async def schedules_resume_all(engine: Engine) -> dict[str, Any]:
    return {"resumed": resume_all(engine.schedules, engine.folder.root)}


@op
async def quit_background(engine: Engine) -> dict[str, Any]:
    """Stop the process serving the folder, if it runs in the background (tray's Quit Ren)."""
    state = serving(engine)
    if state is None:
        raise OpError("invalid", "this Ren runs in the foreground: stop it where it runs (Ctrl+C)")
    state.quit()
    return {"quitting": True}
