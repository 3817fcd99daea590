"""Ren's NiceGUI app: `build()` registers the pages on NiceGUI's app, `serve()` runs it.

`ren` (app.cli.serve) calls `serve()`; the notebook helper (app.notebook) calls it in a thread.
Running this file directly starts the app with the defaults (the UI tests use it that way).

Pages are plain functions registered by their modules' `register()`; a new page module goes
into PAGE_MODULES.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from nicegui import app, core, helpers, ui
from nicegui.server import Server
from nicegui.storage import Storage

from app.api import (
    retention_ops,  # noqa: F401 - registers `ren runs purge`'s operation
    tray_ops,  # noqa: F401 - registers the tray icon's operations
)
from app.api.artifacts import artifact_router
from app.api.bodies import DEFAULT_SERVER_LIMIT
from app.api.guard import HostGuard
from app.api.hosts import HostPolicy, policy_for
from app.api.metrics import metrics_router
from app.api.rpc import new_token, rpc_router
from app.api.v1 import mount_v1
from app.api.webhooks import webhook_router
from app.auth import setup as auth_setup
from app.engine.paths import DataFolder
from app.ui import editor, live, runtime, shell, window
from app.ui.pages import (
    audit,
    chat,
    credentials,
    form_link,
    functions,
    inbox,
    login,
    public_form,
    run_detail,
    runs,
    schedules,
    settings,
    task,
    task_link,
    workflows,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8710
NATIVE_WINDOW = (1320, 860)

PAGE_MODULES: tuple[ModuleType, ...] = (
    credentials,
    workflows,
    editor,
    runs,
    run_detail,
    inbox,
    task,
    schedules,
    functions,
    settings,
    public_form,
    login,
    audit,
    task_link,
    form_link,
    chat,
)


def build(
    home: str | Path | None = None,
    announce: str | None = None,
    address: tuple[str, int] | None = None,
    allow_hosts: Iterable[str] = (),
    max_body: int = DEFAULT_SERVER_LIMIT,
) -> None:
    """Register Ren's pages, styles, local API and engine life cycle on NiceGUI's app.
    `announce` is printed once the engine runs; `address` is where the app listens (None: the
    defaults, and other `ren` commands are not told about this app); it answers to loopback
    names, that address and `allow_hosts`; `max_body` caps every request body."""
    token = new_token()
    reach = None
    host, port = address or (DEFAULT_HOST, DEFAULT_PORT)
    policy = policy_for(host, port, allow_hosts)
    if address is not None:
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "localhost") else host
        reach = {"host": local, "port": port, "token": token, "ui": f"http://{local}:{port}"}
        reach["base"] = policy.base_url()  # for links shown to users (webhook addresses)
    live.configure(home, announce, reach)
    with app_lifespan_kept():
        auth_setup.install(app, DataFolder.resolve(home).db_path, host)  # inside the Host guard
        guard(policy, max_body)
        app.include_router(rpc_router(runtime.engine, token, max_body))
        app.include_router(webhook_router(runtime.engine, policy.base_url(), max_body))
        app.include_router(artifact_router(runtime.engine))
        app.include_router(metrics_router(runtime.engine))  # /metrics, Prometheus text
        mount_v1(app, runtime.engine, max_body, stopping=server_stopping)
    app.on_startup(live.startup)
    app.on_shutdown(live.shutdown)
    shell.install()
    for module in PAGE_MODULES:
        module.register()


@contextmanager
def app_lifespan_kept() -> Iterator[None]:
    """Keep the app's lifespan as it is while routers are included. FastAPI wraps the app's
    lifespan with each included router's own; ours have none, and the UI tests build the app
    again for every test in one process, so the wrappers would nest deeper each time (until a
    RecursionError at start-up, after about 130 tests)."""
    kept = app.router.lifespan_context
    try:
        yield
    finally:
        app.router.lifespan_context = kept


def guard(policy: HostPolicy, max_body: int) -> None:
    """Answer only to the allowed host names, on every route (NiceGUI's socket.io mount too);
    let the socket connect only from this app's own pages; cap every request body."""
    app.add_middleware(HostGuard, policy=policy)
    app.max_body_size = max_body  # read when the app builds its middleware, at start

    def same_origin(origin: str | None, environ: dict[str, str]) -> bool:
        return policy.allows_origin(origin, environ.get("HTTP_HOST"))

    core.sio.eio.cors_allowed_origins = same_origin


def server_stopping() -> bool:
    """Whether the app's server is stopping (the API's event streams end then)."""
    server = getattr(Server, "instance", None)
    return bool(server is not None and server.should_exit)


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
    allow_hosts: Iterable[str] = (),
    max_body: int = DEFAULT_SERVER_LIMIT,
) -> None:
    """Build the app and run it until it is stopped (Ctrl+C, or the window is closed)."""
    folder = use_data_folder(home)
    where = "in its window" if native else f"at http://{host}:{port}"
    announce = f"Ren is running {where} (data: {folder.root}).{hint}"
    build(folder.root, announce, (host, port), allow_hosts, max_body)
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
    # NiceGUI's simulated user (the UI tests) calls the app as http://test
    build(allow_hosts=("test",) if helpers.is_user_simulation() else ())
    ui.run(title="Ren", favicon=shell.FAVICON, dark=None, reload=False, port=DEFAULT_PORT)
