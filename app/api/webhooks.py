"""The HTTP face of webhook triggers: `/hooks/<workflow id>[/<path>]`.

Mounted on the app's FastAPI and on `ren worker`'s server. It only translates: the request into
an app.engine.webhooks.Delivery, the engine's answer (or refusal) into JSON with a status code.

Order matters: the secret is checked before a byte of the body is read, and a caller without
it gets one answer (404, the same body) whether the workflow is unknown, unpublished, deleted
or the secret wrong or missing. The body is then read up to the webhook's limit (413 beyond).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.bodies import BodyTooLarge, declared_length, read_body
from app.engine.service import Engine
from app.engine.webhooks import (
    KEY_HEADER,
    SECRET_HEADER,
    SECRET_QUERY,
    Delivery,
    HookRefused,
    Refusal,
    body_kind,
    hook_url,
    input_of,
)

STATUS: dict[Refusal, int] = {
    "not_found": 404,
    "method_not_allowed": 405,
    "missing_secret": 401,
    "wrong_secret": 403,
    "bad_request": 400,
    "bad_input": 422,
    "unsupported_media_type": 415,
    "conflict": 409,
}
# Every method is routed here, so that one no webhook takes gets a clear 405 (HEAD included:
# a link checker's HEAD must not start a run, and must not pass as the GET it stands for).
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def webhook_router(
    get_engine: Callable[[], Engine], base_url: str | None, max_body: int
) -> APIRouter:
    """The webhook routes. `base_url` is where this server's run pages are (the app: accepted
    deliveries link to them; `ren worker` has none: None); `max_body` caps every webhook's
    own body limit."""
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
        secret = request.headers.get(SECRET_HEADER) or params.get(SECRET_QUERY)
        try:
            published = engine.webhooks.authenticate(workflow_id, secret)
        except HookRefused:
            return _hidden(workflow_id, path)
        try:
            hook = engine.webhooks.match(workflow_id, published.hooks, request.method, path)
            content_type = request.headers.get("content-type")
            body = b""
            if hook.method != "GET":
                if declared_length(request) != 0:
                    body_kind(content_type)  # refused before the body is read
                body = await read_body(request, min(hook.max_body_bytes, max_body))
            delivery = Delivery(
                workflow_id=workflow_id,
                method=request.method,
                path=path,
                secret=secret,
                body=body,
                query=tuple((k, v) for k, v in params.multi_items() if k != SECRET_QUERY),
                idempotency_key=request.headers.get(KEY_HEADER),
                content_type=content_type,
            )
            value = input_of(published, hook, delivery)
            accepted = await engine.webhooks.start(
                workflow_id, published, value, delivery.idempotency_key
            )
        except BodyTooLarge as err:
            return _error(413, "too_large", f"{err}, the most this webhook takes")
        except HookRefused as refused:
            headers = {"Allow": ", ".join(refused.allow)} if refused.allow else {}
            extra = {"run_id": refused.run_id} if refused.run_id else {}
            return _error(
                STATUS[refused.kind],
                refused.kind,
                refused.message,
                refused.problems,
                headers,
                extra,
            )
        url = f"{base_url.rstrip('/')}/runs/{accepted.run_id}" if base_url else None
        answer = {
            "run_id": accepted.run_id,
            "status": accepted.status,
            "url": url,
            "duplicate": accepted.duplicate,
        }
        return JSONResponse(answer, status_code=202, headers={"Location": url} if url else None)

    router.add_api_route("/hooks/{workflow_id}", receive, methods=METHODS)
    router.add_api_route("/hooks/{workflow_id}/{path:path}", receive, methods=METHODS)
    return router


def _hidden(workflow_id: str, path: str) -> JSONResponse:
    """The one answer for a caller without the workflow's secret (whatever else is wrong)."""
    where = hook_url("", workflow_id, path)
    return _error(
        404,
        "not_found",
        f"no webhook at {where} takes this request: check the address, that the workflow is "
        f"published, and its secret (the {SECRET_HEADER} header or ?{SECRET_QUERY}=)",
    )


def _error(
    status: int,
    kind: str,
    message: str,
    problems: list[str] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"kind": kind, "message": message, "problems": problems or []}
    error.update(extra or {})
    return JSONResponse({"error": error}, status_code=status, headers=headers or None)
