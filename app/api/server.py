"""Serving the local API and the webhooks next to the engine (used by `ren worker`; the app
mounts the same routers on NiceGUI's FastAPI)."""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from fastapi import FastAPI

from app.api.rpc import new_token, rpc_router
from app.api.webhooks import webhook_router
from app.engine.service import Engine


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


async def serve_api(engine: Engine, host: str = "127.0.0.1", port: int = 0) -> uvicorn.Server:
    """Start the API on the running loop and tell other `ren` commands how to reach it."""
    token = new_token()
    port = port or free_port(host)
    api = FastAPI(title="Ren engine", docs_url=None, redoc_url=None)
    api.include_router(rpc_router(lambda: engine, token))
    api.include_router(webhook_router(lambda: engine, run_pages=False))
    server = uvicorn.Server(
        uvicorn.Config(api, host=host, port=port, log_level="warning", lifespan="off")
    )
    asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    engine.lock.describe({"port": port, "host": host, "token": token})
    return server
