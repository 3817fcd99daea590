"""A small local HTTP server for the http_request tests (Starlette + uvicorn on 127.0.0.1).

Routes: /status/{code}, /echo (method, headers, query, body as JSON), /flaky/{key}?fail=N&after=
(503/429 with Retry-After N times, then 200), /pages?page=N (Link header), /cursor?cursor=,
/token (OAuth2 client credentials), /protected (needs a token from /token), /big?mb=N (a
streamed download), /redirect, /slow, /leak (403 quoting the auth it got).
"""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

CLIENT_ID, CLIENT_SECRET = "ren-client", "client-secret-6b1f93"


@dataclass
class ServerState:
    calls: Counter[str] = field(default_factory=Counter)
    call_times: dict[str, list[float]] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)


def build_app(state: ServerState) -> Starlette:
    async def status(request: Request) -> Response:
        code = int(request.path_params["code"])
        return PlainTextResponse(f"status {code} body " + "x" * 300, status_code=code)

    async def echo(request: Request) -> Response:
        body = (await request.body()).decode(errors="replace")
        return JSONResponse(
            {
                "method": request.method,
                "headers": dict(request.headers),
                "query": dict(request.query_params),
                "body": body,
            }
        )

    async def flaky(request: Request) -> Response:
        key = request.path_params["key"]
        state.calls[key] += 1
        state.call_times.setdefault(key, []).append(time.monotonic())
        if state.calls[key] <= int(request.query_params.get("fail", "1")):
            code = int(request.query_params.get("code", "503"))
            after = request.query_params.get("after", "0")
            return PlainTextResponse("busy", status_code=code, headers={"Retry-After": after})
        return JSONResponse({"ok": True, "calls": state.calls[key]})

    async def pages(request: Request) -> Response:
        page = int(request.query_params.get("page", "1"))
        following = f"/pages?page={page + 1}&in_body=1" if page < 3 else None
        if request.query_params.get("in_body"):  # the next link in the body, not a header
            return JSONResponse({"items": [page], "links": {"next": following}})
        headers = (
            {"Link": f'<{following}>; rel="next"'.replace("&in_body=1", "")} if following else {}
        )
        return JSONResponse({"items": [page * 10, page * 10 + 1]}, headers=headers)

    async def cursor(request: Request) -> Response:
        at = int(request.query_params.get("cursor", "0"))
        following = at + 2 if at + 2 < 5 else None
        return JSONResponse({"data": list(range(at, min(at + 2, 5))), "next": following})

    async def token(request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        form = await request.form()
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if auth != f"Basic {expected}" or form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        value = f"access-{len(state.tokens) + 1}-9f8e7d6c"
        state.tokens.append(value)
        life = 5 if form.get("scope") == "short" else 3600  # "short": within the expiry margin
        return JSONResponse({"access_token": value, "token_type": "bearer", "expires_in": life})

    async def protected(request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        value = auth.removeprefix("Bearer ")
        if value not in state.tokens or value in state.revoked:
            return PlainTextResponse("bad token", status_code=401)
        return JSONResponse({"hello": "you", "token_number": state.tokens.index(value) + 1})

    async def big(request: Request) -> Response:
        size = int(float(request.query_params.get("mb", "10")) * 2**20)

        async def chunks() -> AsyncIterator[bytes]:
            block = bytes(range(256)) * 256  # 64 KiB
            sent = 0
            while sent < size:
                part = block[: min(len(block), size - sent)]
                sent += len(part)
                yield part

        return StreamingResponse(
            chunks(),
            media_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="data.bin"'},
        )

    async def redirect(request: Request) -> Response:
        return RedirectResponse("/echo?redirected=yes", status_code=302)

    async def slow(request: Request) -> Response:
        await asyncio.sleep(float(request.query_params.get("s", "2")))
        return PlainTextResponse("late")

    async def leak(request: Request) -> Response:
        told = f"{request.headers.get('authorization')} {dict(request.query_params)}"
        return PlainTextResponse(f"denied: you sent {told}", status_code=403)

    return Starlette(
        routes=[
            Route("/leak", leak),
            Route("/status/{code:int}", status, methods=["GET", "POST"]),
            Route("/echo", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/flaky/{key}", flaky),
            Route("/pages", pages),
            Route("/cursor", cursor),
            Route("/token", token, methods=["POST"]),
            Route("/protected", protected),
            Route("/big", big),
            Route("/redirect", redirect),
            Route("/slow", slow),
        ]
    )


@dataclass
class LocalServer:
    url: str
    state: ServerState


def serve(app: Starlette | None = None) -> Iterator[LocalServer]:
    """Run the app on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    state = ServerState()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app or build_app(state), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield LocalServer(f"http://127.0.0.1:{port}", state)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
