"""The ASGI middleware that applies app.api.hosts' policy in front of every route.

It sits in front of the whole application, so it covers the pages, NiceGUI's socket.io mount,
/hooks and the hand-off endpoint alike. A refused HTTP request gets a short plain-text answer
and no page: 421 for a Host Ren does not answer to, 403 for a foreign Origin or a cross-site
state-changing request. A refused websocket is closed before it is accepted (the client sees
403).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.hosts import OPEN_PREFIXES, SAFE_METHODS, HostPolicy

MISDIRECTED = 421


class HostGuard:
    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            status, text = refusal
            await PlainTextResponse(text, status_code=status)(scope, receive, send)

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """(status, text) when the request must not reach Ren, else None."""
        headers = Headers(scope=scope)
        host = headers.get("host")
        if not self.policy.allows_host(host):
            return MISDIRECTED, "unknown host; start Ren with --allow-host NAME to answer to it"
        if str(scope.get("path", "")).startswith(OPEN_PREFIXES):
            return None
        if not self.policy.allows_origin(headers.get("origin"), host):
            return 403, "cross-origin requests are refused"
        method = str(scope.get("method", "GET")).upper()
        if method not in SAFE_METHODS and headers.get("sec-fetch-site") == "cross-site":
            return 403, "cross-site requests are refused"
        return None
