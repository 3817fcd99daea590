"""Ren's NiceGUI app: `build()` registers the pages on NiceGUI's app, `serve()` runs it.

`ren` (app.cli.serve) calls `serve()`; the notebook helper (app.notebook) calls it in a thread.
Running this file directly starts the app with the defaults (the UI tests use it that way).

Pages are plain functions registered by their modules' `register()`; a new page module goes
into PAGE_MODULES.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from nicegui import app, ui
from nicegui.storage import Storage

from app.api.rpc import new_token, rpc_router
from app.api.webhooks import webhook_router
from app.engine.paths import DataFolder
from app.ui import editor, live, runtime, shell, window
from app.ui.pages import inbox, run_detail, runs, schedules, settings, task, workflows

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8710
NATIVE_WINDOW = (1320, 860)

PAGE_MODULES: tuple[ModuleType, ...] = (
    workflows,
    editor,
    runs,
    run_detail,
    inbox,
    task,
    schedules,
    settings,
)


def build(
    home: str | Path | None = None,
    announce: str | None = None,
    address: tuple[str, int] | None = None,
) -> None:
    """Register Ren's pages, styles, local API and engine life cycle on NiceGUI's app.
    `announce` is printed once the engine runs; `address` is where the app listens."""
    token = new_token()
    reach = None
    if address is not None:
        host, port = address
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "localhost") else host
        reach = {"host": local, "port": port, "token": token, "ui": f"http://{local}:{port}"}
    live.configure(home, announce, reach)
    app.include_router(rpc_router(runtime.engine, token))
    app.include_router(webhook_router(runtime.engine, run_pages=True))
    app.on_startup(live.startup)
    app.on_shutdown(live.shutdown)
    shell.install()
    for module in PAGE_MODULES:
        module.register()


def use_data_folder(home: str | Path | None) -> DataFolder:
    """Keep the app's own small state (theme) in the data folder, not in the working directory."""
    folder = DataFolder.resolve(home)
    Storage.path = folder.root / "ui"
    app.storage = Storage()
    return folder


def serve(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    show: bool = True,
    native: bool = False,
    home: str | Path | None = None,
    hint: str = " Press Ctrl+C to stop.",
) -> None:
    """Build the app and run it until it is stopped (Ctrl+C, or the window is closed)."""
    folder = use_data_folder(home)
    where = "in its window" if native else f"at http://{host}:{port}"
    build(folder.root, f"Ren is running {where} (data: {folder.root}).{hint}", (host, port))
    if native:
        window.prepare()
    ui.run(
        host=host,
        port=port,
        title="Ren",
        favicon=shell.FAVICON,
        dark=None,
        reload=False,
        show=show and not native,
        native=native,
        window_size=NATIVE_WINDOW if native else None,
        show_welcome_message=False,
        timeout_graceful_shutdown=2,
    )


if __name__ in {"__main__", "__mp_main__"}:
    build()
    ui.run(title="Ren", favicon=shell.FAVICON, dark=None, reload=False, port=DEFAULT_PORT)
