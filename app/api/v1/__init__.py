"""The REST API, /api/v1: a FastAPI sub-application mounted on the app and on `ren worker`.

Its OpenAPI document is /api/v1/openapi.json and its docs page /api/v1/docs (app.api.v1.docs).
Each resource is its own module; they call the engine and app.api.ops, as the UI and the CLI
do. Every error answers in one JSON shape (app.api.v1.errors). The host guard and the body
limit of the server it is mounted on cover it like every other route; it has its own body
limit too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from fastapi import FastAPI
from starlette.routing import Mount

from app.api import v1_audit
from app.api.bodies import DEFAULT_SERVER_LIMIT
from app.api.v1 import (
    artifacts,
    docs,
    errors,
    events,
    form_links,
    functions,
    runs,
    schedules,
    tasks,
    workflows,
)
from app.api.v1.deps import ENGINE_ATTR
from app.api.v1.limits import BodyLimit
from app.api.v1.streams import Streams
from app.engine.service import Engine

PREFIX = "/api/v1"
RESOURCES = (
    runs,
    workflows,
    form_links,
    tasks,
    schedules,
    functions,
    artifacts,
    events,
    v1_audit,
)


def build_v1(
    get_engine: Callable[[], Engine],
    max_body: int = DEFAULT_SERVER_LIMIT,
    stopping: Callable[[], bool] = lambda: False,
) -> FastAPI:
    """The API as its own ASGI app; `stopping` tells when the server stops (ends streams)."""
    api = FastAPI(
        title="Ren API",
        version="1",
        description="Workflows, runs, tasks, schedules and live events of a Ren data folder.",
        docs_url=None,  # app.api.v1.docs serves it from local files
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    setattr(api, ENGINE_ATTR, get_engine)
    setattr(api, events.STREAMS_ATTR, Streams(stopping))
    errors.install(api)
    api.add_middleware(BodyLimit, limit=max_body)
    for module in RESOURCES:
        api.include_router(module.router)
    docs.install(api, "/openapi.json")
    return api


def mount_v1(
    parent: FastAPI,
    get_engine: Callable[[], Engine],
    max_body: int = DEFAULT_SERVER_LIMIT,
    stopping: Callable[[], bool] = lambda: False,
) -> FastAPI:
    """Mount the API at /api/v1; it shares the parent's state (who signs in: app.auth)."""
    api = build_v1(get_engine, max_body, stopping)
    api.state = parent.state
    # The API's BodyLimit enforces `max_body` and answers in the API's error shape; the mount's
    # own (outer) limit steps aside for it, as an inner Starlette limit overrides an outer one.
    parent.router.routes.append(Mount(PREFIX, app=api, max_body_size=sys.maxsize))
    return api
