"""The access gate: who a request is, and the middleware that lets it in or not.

Only when accounts are required (app.auth.mode): every HTTP request and websocket needs a
session cookie or a bearer token, except the login page and its form post, task-link pages
(/t/…) and forms shared by link (/f/…), which carry their own signed token, webhooks (their
secret), the local `ren` commands' RPC (their token from the data folder) and static files.
A page's socket.io connection needs the session too, unless the page it belongs to was an
open one (login, task link, shared form).

Cookie-authenticated state-changing requests must carry this server's Origin (HostGuard
already refuses a foreign one; a missing one is refused here): with SameSite=Strict cookies
that closes CSRF.
"""

from __future__ import annotations

import html
import time
from functools import cached_property
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.hosts import SAFE_METHODS
from app.auth.accounts import Accounts
from app.auth.audit import acting
from app.auth.db import AuthDb
from app.auth.page_access import needed_permission
from app.auth.principal import (
    SCOPE_KEY,
    WORKFLOWS_READ,
    Principal,
    forbidden,
    unauthorized,
)
from app.auth.ratelimit import LoginLimiter
from app.auth.sessions import COOKIE, Sessions
from app.auth.tokens import Tokens

OPEN_PREFIXES = (
    "/login",
    "/auth/login",
    "/t/",
    "/f/",  # a form shared by link (app.auth.form_links), which carries its own signed token
    "/hooks/",
    "/api/rpc/",  # the local `ren` commands, with the token only this machine's user can read
    "/_nicegui/",  # NiceGUI's own scripts and styles
    "/ren-assets/",
    "/favicon",
)
SOCKET_PREFIX = "/_nicegui_ws/"
API_DOCS_PAGE = "/api/v1/docs"  # the one API path a browser opens as a page
TASK_PAGE = "/tasks/"
OPEN_CLIENT_S = 24 * 3600.0  # how long an open page's socket may (re)connect


class AuthGate:
    """The server's access set-up (an app.auth.principal.Authenticator)."""

    def __init__(self, db_path: Path, required: bool) -> None:
        self.required = required
        self.db_path = db_path
        self._open_clients: dict[str, float] = {}  # NiceGUI client id → when its page opened

    # The database is opened on first use: on loopback without accounts it may never be.
    @cached_property
    def db(self) -> AuthDb:
        return AuthDb(self.db_path, in_server=True)  # the engine opened it first

    @cached_property
    def limiter(self) -> LoginLimiter:
        return LoginLimiter(self.db)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.db)

    @cached_property
    def tokens(self) -> Tokens:
        return Tokens(self.db, self.accounts)

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self.db, self.accounts)

    @property
    def accounts_required(self) -> bool:
        return self.required

    async def principal_for(self, scope: Scope) -> Principal | None:
        headers = Headers(scope=scope)
        authorization = headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            return self.tokens.principal_for(authorization[7:].strip())
        secret = session_cookie(headers)
        return self.sessions.principal_for(secret) if secret else None

    def still_signed_in(self, scope: Scope) -> bool:
        """Whether the session or token a page was opened with still lets its holder in
        (checked for open pages by app.auth.page_watch; it does not count as using it)."""
        headers = Headers(scope=scope)
        authorization = headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            return self.tokens.principal_for(authorization[7:].strip()) is not None
        secret = session_cookie(headers)
        return secret is not None and self.sessions.principal_for(secret, touch=False) is not None

    def open_client(self, client_id: str) -> None:
        """Let the socket of this page (a login or task-link page) connect without a session."""
        now = time.monotonic()
        for old, at in list(self._open_clients.items()):
            if now - at > OPEN_CLIENT_S:
                del self._open_clients[old]
        self._open_clients[client_id] = now

    def is_open_client(self, client_id: str) -> bool:
        return client_id in self._open_clients

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()


def session_cookie(headers: Headers) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header is no session
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


FORBIDDEN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Not for you · Ren</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:10vh auto;padding:0 1rem;
color:#1e293b}}h1{{font-size:1.5rem}}p{{color:#475569}}</style></head><body>
<h1>You cannot open this page</h1><p>{reason}.</p><p><a href="/inbox">Go to your tasks</a></p>
</body></html>"""


def _forbidden(message: str, page: bool = False) -> Response:
    """403: a short page for a browser, else the shared JSON error shape."""
    if page:
        return HTMLResponse(FORBIDDEN_PAGE.format(reason=html.escape(message)), status_code=403)
    return JSONResponse(forbidden(message).body(), status_code=403)


class AccessGuard:
    """ASGI middleware in front of every route when accounts are required."""

    def __init__(self, app: ASGIApp, gate: AuthGate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.gate.accounts_required:
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path.startswith(OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        principal = await self.gate.principal_for(scope)
        if principal is None and path.startswith(SOCKET_PREFIX) and self._open_socket(scope):
            await self.app(scope, receive, send)
            return
        if principal is None:
            await self._refuse(scope, receive, send, path)
            return
        if self._cross_site_write(scope, principal):
            problem = {"kind": "forbidden", "message": "a signed-in change needs an Origin header"}
            await JSONResponse({"error": problem}, status_code=403)(scope, receive, send)
            return
        scope[SCOPE_KEY] = principal
        wants_page = "text/html" in Headers(scope=scope).get("accept", "")
        refusal = self._page_refusal(path, principal, wants_page)
        if refusal is not None and scope["type"] == "http":
            await refusal(scope, receive, send)
            return
        with acting(principal.name):  # what the request changes is audited as theirs
            await self.app(scope, receive, send)

    def _page_refusal(self, path: str, principal: Principal, page: bool) -> Response | None:
        """A redirect or 403 when the principal's role may not open this page."""
        if path == "/" and not principal.can(WORKFLOWS_READ):
            return RedirectResponse("/inbox", status_code=303)  # an assignee's home
        permission = needed_permission(path)
        if permission is not None and not principal.can(permission):
            return _forbidden(f"{principal.name} ({principal.role}) cannot open {path}", page)
        if path.startswith(TASK_PAGE):
            task_id = path[len(TASK_PAGE) :].split("/", 1)[0]
            row = self.gate.db.row(
                "SELECT assignee, assignee_group FROM task WHERE id = ?", (task_id,)
            )
            if row is not None and not principal.may_see_task(
                row["assignee"], row["assignee_group"]
            ):
                return _forbidden("this task is assigned to someone else", page)
        return None

    def _open_socket(self, scope: Scope) -> bool:
        query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
        client_ids = query.get("client_id", [])
        return bool(client_ids) and self.gate.is_open_client(client_ids[0])

    @staticmethod
    def _cross_site_write(scope: Scope, principal: Principal) -> bool:
        """A state-changing request authenticated by the cookie without an Origin header."""
        if scope["type"] != "http" or principal.via != "session":
            return False
        if str(scope.get("method", "GET")).upper() in SAFE_METHODS:
            return False
        return Headers(scope=scope).get("origin") is None

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, path: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = Headers(scope=scope)
        wants_page = (
            scope.get("method") == "GET"
            and "text/html" in headers.get("accept", "")
            and (path == API_DOCS_PAGE or not path.startswith(("/api/", SOCKET_PREFIX)))
        )
        if wants_page:
            query = bytes(scope.get("query_string", b"")).decode("latin-1")
            target = path + (f"?{query}" if query else "")
            location = f"/login?next={quote(target, safe='')}"
            await RedirectResponse(location, status_code=303)(scope, receive, send)
            return
        problem = unauthorized()
        response = JSONResponse(problem.body(), status_code=401, headers=problem.headers)
        await response(scope, receive, send)
