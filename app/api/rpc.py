"""The local control endpoint other `ren` commands hand their actions to.

Served by whichever process runs the engine for a data folder (the app or `ren worker`) on
127.0.0.1. Every request carries the token written, with the port, to the folder's
`engine.json` (readable only by the folder's owner), so only local `ren` commands of that user
reach it. Those commands are no browser: a request a browser sent (it carries an Origin, or
Sec-Fetch-Site other than same-origin) is refused whatever its token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.bodies import DEFAULT_SERVER_LIMIT, BodyTooLarge, read_body
from app.api.ops import OpError, call
from app.core.json_body import JsonRefused, loads
from app.engine.service import Engine

TOKEN_HEADER = "X-Ren-Token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_matches(given: str, token: str) -> bool:
    """Whether a header carries the token, in constant time. Header values arrive as latin-1
    text; compared as bytes, a non-ASCII value is simply wrong (not a TypeError)."""
    return secrets.compare_digest(given.encode("latin-1", "replace"), token.encode())


def from_a_browser(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    return "origin" in request.headers or site not in (None, "same-origin", "none")


def rpc_router(
    get_engine: Callable[[], Engine], token: str, max_body: int = DEFAULT_SERVER_LIMIT
) -> APIRouter:
    router = APIRouter()

    @router.post("/api/rpc/{name}")
    async def rpc(name: str, request: Request) -> JSONResponse:
        given = request.headers.get(TOKEN_HEADER, "")
        if from_a_browser(request) or not token_matches(given, token):
            return _failed(403, "forbidden", "wrong or missing token")
        try:
            args: Any = loads((await read_body(request, max_body)).decode("utf-8"))
        except BodyTooLarge as err:
            return _failed(413, "invalid", str(err))
        except (JsonRefused, UnicodeDecodeError) as err:
            return _failed(400, "invalid", f"the request body is {err}")
        if not isinstance(args, dict):
            return _failed(400, "invalid", "the request body must be a JSON object")
        try:
            result = await call(get_engine(), name, args)
        except OpError as err:
            return JSONResponse({"ok": False, "error": err.to_dict()}, status_code=422)
        return JSONResponse({"ok": True, "result": result})

    return router


def _failed(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "error": OpError(kind, message).to_dict()}, status_code=status
    )
