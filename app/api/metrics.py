"""`GET /metrics`: Ren's figures in the Prometheus text format (app.engine.metrics_text).

On loopback without accounts every request is the local admin; served on the network, the
request needs an admin's session or API token (app.auth.principal). The figures are read on a
worker thread, never on the event loop, and kept for 5 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from app.auth.principal import Principal, current_principal, forbidden
from app.engine.metrics import MetricsCache
from app.engine.metrics_text import CONTENT_TYPE, render
from app.engine.service import Engine


def metrics_router(get_engine: Callable[[], Engine]) -> APIRouter:
    router = APIRouter()
    cache = MetricsCache()  # scraped every few seconds: collected at most once per 5 s

    @router.get("/metrics", include_in_schema=False)
    async def metrics(principal: Annotated[Principal, Depends(current_principal)]) -> Response:
        if not principal.is_admin:
            raise forbidden(f"{principal.name} ({principal.role}) may not read /metrics")
        figures = await asyncio.to_thread(cache.get, get_engine().store)
        return Response(render(figures), media_type=CONTENT_TYPE)

    return router
