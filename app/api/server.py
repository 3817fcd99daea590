"""Serving the local API and the webhooks next to the engine (used by `ren worker`; the app
mounts the same routers on NiceGUI's FastAPI)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable

import uvicorn
from fastapi import FastAPI

from app.api import (
    retention_ops,  # noqa: F401 - registers `ren runs purge`'s operation
    tray_ops,  # noqa: F401 - registers the tray icon's operations
)
from app.api.bodies import DEFAULT_SERVER_LIMIT
from app.api.guard import HostGuard
from app.api.hosts import policy_for
from app.api.metrics import metrics_router
from app.api.rpc import new_token, rpc_router
from app.api.v1 import mount_v1
from app.api.webhooks import webhook_router
from app.auth import setup as auth_setup
from app.engine.service import Engine


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


async def serve_api(
    engine: Engine,
    host: str = "127.0.0.1",
    port: int = 0,
    allow_hosts: Iterable[str] = (),
    max_body: int = DEFAULT_SERVER_LIMIT,
) -> uvicorn.Server:
    """Start the API on the running loop and tell other `ren` commands how to reach it.
    It answers to loopback names, `host` and `allow_hosts` only; `max_body` caps every body."""
    token = new_token()
    port = port or free_port(host)
    api = FastAPI(title="Ren engine", docs_url=None, redoc_url=None, max_body_size=max_body)
    auth_setup.install(api, engine.folder.db_path, host)  # added first: inside the Host guard
    api.add_middleware(HostGuard, policy=policy_for(host, port, allow_hosts))
    api.include_router(rpc_router(lambda: engine, token, max_body))
    api.include_router(webhook_router(lambda: engine, None, max_body))
    api.include_router(metrics_router(lambda: engine))
    mount_v1(api, lambda: engine, max_body, stopping=lambda: server.should_exit)
    server = uvicorn.Server(
        uvicorn.Config(api, host=host, port=port, log_level="warning", lifespan="off")
    )
    asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    engine.lock.describe({"port": port, "host": host, "token": token})
    return server
