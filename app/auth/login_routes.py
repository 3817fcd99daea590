"""POST /auth/login and /auth/logout: the login form's target, which sets the session cookie.

The login page (app.ui.pages.login) is a plain HTML form posting here, so the cookie is set by
an ordinary HTTP response (HttpOnly: page scripts never see it). Every answer is a redirect:
back to the page the person wanted, or to /login with what went wrong.
"""

from __future__ import annotations

import asyncio
import math
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from app.auth.gate import AuthGate, session_cookie
from app.auth.sessions import COOKIE

MAX_FORM_BYTES = 8192


def safe_next(target: str) -> str:
    """Only a path on this server (never "//elsewhere" or "https://…")."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def login_router(gate: AuthGate) -> APIRouter:
    router = APIRouter()

    @router.post("/auth/login", include_in_schema=False)
    async def login(request: Request) -> RedirectResponse:
        body = await request.body()
        form = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"))
        name = form.get("name", [""])[0].strip().lower()
        password = form.get("password", [""])[0]
        target = safe_next(form.get("next", ["/"])[0])
        address = request.client.host if request.client else "?"

        def back(error: str, **extra: str) -> RedirectResponse:
            query = urlencode({"error": error, "name": name, "next": target, **extra})
            return RedirectResponse(f"/login?{query}", status_code=303)

        wait = gate.limiter.wait_s(address, name)
        if wait > 0:
            response = back("limited", wait=str(math.ceil(wait)))
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        user = await asyncio.to_thread(gate.accounts.verify, name, password)
        if user is None:
            gate.limiter.failed(address, name)
            return back("wrong")
        gate.limiter.succeeded(address, name)
        secret = gate.sessions.start(user.name)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            secret,
            max_age=int(gate.sessions.absolute_s),
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/auth/logout", include_in_schema=False)
    async def logout(request: Request) -> RedirectResponse:
        secret = session_cookie(request.headers)
        if secret:
            gate.sessions.end(secret)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    return router
