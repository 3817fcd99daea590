"""The app's pages served from a process that already runs its own event loop (`ren worker`).

`ren` and `ren serve` hand the event loop to NiceGUI (`ui.run`). The worker keeps its loop, its
engine and its stop signals, and serves the same pages, local API and webhooks next to them:
whatever holds a data folder also serves the app, so `ren` and `ren --native` can attach to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

import uvicorn
from nicegui import core, storage
from nicegui.middlewares import RedirectWithPrefixMiddleware, SetCacheControlMiddleware
from nicegui.server import CustomServerConfig, Server

from app.api.bodies import DEFAULT_SERVER_LIMIT
from app.engine.service import Engine
from app.ui import live, runtime, shell
from app.ui.main import build, use_data_folder

START_TIMEOUT_S = 60.0


class AppDidNotStart(RuntimeError):
    pass


async def serve_app(
    engine: Engine,
    host: str,
    port: int,
    allow_hosts: Iterable[str] = (),
    max_body: int = DEFAULT_SERVER_LIMIT,
) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """Serve the app for `engine` (already started) on the running loop; return the server and
    the task serving it once it answers. Its shutdown (the server's lifespan) stops the engine."""
    folder: Path = engine.folder.root
    use_data_folder(folder)
    runtime.adopt(engine)
    build(folder, None, (host, port), allow_hosts, max_body)
    core.app.config.add_run_config(
        reload=False,
        title="Ren",
        viewport="width=device-width, initial-scale=1",
        favicon=shell.FAVICON,
        dark=None,
        language=None,
        binding_refresh_interval=0.1,
        reconnect_timeout=3.0,
        message_history_length=1000,
        tailwind=True,
        unocss=None,
        prod_js=True,
        show_welcome_message=False,
        markdown=False,
    )
    core.app.add_middleware(RedirectWithPrefixMiddleware)
    core.app.add_middleware(SetCacheControlMiddleware)
    storage.set_storage_secret(None)
    config = CustomServerConfig(
        core.app, host=host, port=port, log_level="warning", ws="wsproto", lifespan="on"
    )
    server = Server(config)
    Server.instance = server
    task = asyncio.get_running_loop().create_task(server.serve())
    waited = 0.0
    while not (server.started and live.status.started.is_set()):
        if task.done():
            error = task.exception() if not task.cancelled() else None
            raise AppDidNotStart(f"the app's server did not start on {host}:{port}: {error}")
        await asyncio.sleep(0.02)
        waited += 0.02
        if waited > START_TIMEOUT_S:
            raise AppDidNotStart(f"the app's server did not start within {START_TIMEOUT_S:.0f} s")
    if live.status.error is not None:
        raise AppDidNotStart(f"the app could not start: {live.status.error}")
    return server, task
