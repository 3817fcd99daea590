"""The HTTP face of webhook triggers: `/hooks/<workflow id>[/<path>]`.

Mounted on the app's FastAPI and on `ren worker`'s server. It only translates: the request into
an app.engine.webhooks.Delivery, the engine's answer (or refusal) into JSON with a status code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.engine.service import Engine
from app.engine.webhooks import (
    KEY_HEADER,
    SECRET_HEADER,
    SECRET_QUERY,
    Delivery,
    HookRefused,
    Refusal,
)

STATUS: dict[Refusal, int] = {
    "not_found": 404,
    "method_not_allowed": 405,
    "missing_secret": 401,
    "wrong_secret": 403,
    "bad_request": 400,
    "bad_input": 422,
}
# Every method is routed here, so that one no webhook takes gets a clear 405 (HEAD included:
# a link checker's HEAD must not start a run, and must not pass as the GET it stands for).
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def webhook_router(get_engine: Callable[[], Engine], run_pages: bool) -> APIRouter:
    """The webhook routes; `run_pages` says whether this server has the run pages (the app)
    that accepted deliveries link to (`ren worker` has none)."""
    router = APIRouter()

    async def receive(request: Request) -> JSONResponse:
        # Read from the path, never from the query: `?path=` must not pick another webhook.
        workflow_id = str(request.path_params["workflow_id"])
        path = str(request.path_params.get("path", ""))
        try:
            engine = get_engine()
        except RuntimeError as err:  # the app could not open its data folder
            return _error(503, "unavailable", str(err))
        params = request.query_params
        delivery = Delivery(
            workflow_id=workflow_id,
            method=request.method,
            path=path,
            secret=request.headers.get(SECRET_HEADER) or params.get(SECRET_QUERY),
            body=await request.body(),
            query=tuple((k, v) for k, v in params.multi_items() if k != SECRET_QUERY),
            idempotency_key=request.headers.get(KEY_HEADER),
        )
        try:
            accepted = await engine.webhooks.deliver(delivery)
        except HookRefused as refused:
            headers = {}
            if refused.allow:
                headers["Allow"] = ", ".join(refused.allow)
            if refused.kind == "missing_secret":
                headers["WWW-Authenticate"] = f'Ren-Secret header="{SECRET_HEADER}"'
            return _error(
                STATUS[refused.kind], refused.kind, refused.message, refused.problems, headers
            )
        url = f"{str(request.base_url).rstrip('/')}/runs/{accepted.run_id}" if run_pages else None
        body = {
            "run_id": accepted.run_id,
            "status": accepted.status,
            "url": url,
            "duplicate": accepted.duplicate,
        }
        return JSONResponse(body, status_code=202, headers={"Location": url} if url else None)

    router.add_api_route("/hooks/{workflow_id}", receive, methods=METHODS)
    router.add_api_route("/hooks/{workflow_id}/{path:path}", receive, methods=METHODS)
    return router


def _error(
    status: int,
    kind: str,
    message: str,
    problems: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"kind": kind, "message": message, "problems": problems or []}
    return JSONResponse({"error": error}, status_code=status, headers=headers or None)
