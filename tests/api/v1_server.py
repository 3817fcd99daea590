"""The REST API served for a test: a real engine on the test's data folder and a real uvicorn
on 127.0.0.1 (app.api.server, as `ren worker --until-idle` serves it)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from app.api.server import serve_api
from app.engine.service import Engine
from tests.ren_cli import ROOT

EXPENSE = ROOT / "examples" / "expense_approval.json"
SIGNAL_FLOW = {
    "schema": "ren.workflow/1",
    "id": "pay",
    "name": "pay",
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "wait", "type": "signal", "config": {"name": "payment"}},
        {"id": "end", "type": "end"},
    ],
    "edges": [{"source": "start", "target": "wait"}, {"source": "wait", "target": "end"}],
}


@dataclass
class Served:
    engine: Engine
    url: str  # http://127.0.0.1:PORT/api/v1


@contextlib.asynccontextmanager
async def served(engine: Engine) -> AsyncIterator[Served]:
    server = await serve_api(engine)
    try:
        yield Served(engine, f"http://127.0.0.1:{server.config.port}/api/v1")
    finally:
        server.should_exit = server.force_exit = True
        await server.shutdown()


def client(url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, timeout=30)
