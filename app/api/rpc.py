"""The local control endpoint other `ren` commands hand their actions to.

Served by whichever process runs the engine for a data folder (the app or `ren worker`) on
127.0.0.1. Every request carries the token written, with the port, to the folder's
`engine.json` (readable only by the folder's owner), so only local `ren` commands of that user
reach it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from app.api.ops import OpError, call
from app.engine.service import Engine

TOKEN_HEADER = "X-Ren-Token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def rpc_router(get_engine: Callable[[], Engine], token: str) -> APIRouter:
    router = APIRouter()

    @router.post("/api/rpc/{name}")
    async def rpc(
        name: str, request: Request, x_ren_token: str = Header(default="")
    ) -> JSONResponse:
        if not secrets.compare_digest(x_ren_token, token):
            raise HTTPException(status_code=403, detail="wrong or missing token")
        try:
            args: Any = await request.json()
        except ValueError:
            return JSONResponse(
                {
                    "ok": False,
                    "error": OpError("invalid", "the request body is not valid JSON").to_dict(),
                },
                status_code=400,
            )
        if not isinstance(args, dict):
            return JSONResponse(
                {
                    "ok": False,
                    "error": OpError("invalid", "the request body must be a JSON object").to_dict(),
                },
                status_code=400,
            )
        try:
            result = await call(get_engine(), name, args)
        except OpError as err:
            return JSONResponse({"ok": False, "error": err.to_dict()}, status_code=422)
        return JSONResponse({"ok": True, "result": result})

    return router
