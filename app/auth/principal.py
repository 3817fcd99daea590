"""Who is asking: the Principal every page and API route acts for, and what each role may do.

On loopback without accounts (the default) every request is `local`, an admin: nothing changes
for someone using Ren on their own machine. Served on another address, Ren requires accounts:
a request carries a session cookie (the login page) or `Authorization: Bearer <token>` (a
personal API token), else it gets 401.

Routes use it as a FastAPI dependency:

    @router.post("/runs")
    async def start(principal: Principal = Depends(current_principal)) -> ...:
        principal.require(RUNS_START)

`require` raises an AuthProblem (an HTTPException) whose JSON body has the shared error shape
{"error": {"kind": "forbidden", "message": ...}}; `install_error_handler(app)` renders it so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.applications import Starlette
from starlette.types import Scope

# The roles live in app.auth.roles (light enough for `ren --help`); re-exported here.
from app.auth.roles import ADMIN as ADMIN
from app.auth.roles import ASSIGNEE as ASSIGNEE
from app.auth.roles import EDITOR as EDITOR
from app.auth.roles import OPERATOR as OPERATOR
from app.auth.roles import ROLES as ROLES

# --- permissions -------------------------------------------------------------------------------
WORKFLOWS_READ = "workflows.read"  # list/get workflows and versions, open the editor read-only
WORKFLOWS_WRITE = "workflows.write"  # create, edit drafts, publish, restore, delete, import
RUNS_READ = "runs.read"  # list runs, run pages, steps, logs, artifacts, live events
RUNS_START = "runs.start"  # start runs, send signals
RUNS_CONTROL = "runs.control"  # pause, resume, cancel, retry, re-run from a node
TASKS_READ = "tasks.read"  # see tasks; an assignee sees only their own (see task_visible)
TASKS_READ_ALL = "tasks.read_all"  # see every task, not only one's own
TASKS_COMPLETE = "tasks.complete"  # answer a task (an assignee: only their own)
TASKS_LINK = "tasks.link"  # send a task as a signed link to someone without an account
SCHEDULES_READ = "schedules.read"
SCHEDULES_WRITE = "schedules.write"
FUNCTIONS_READ = "functions.read"
FUNCTIONS_WRITE = "functions.write"
CREDENTIALS_WRITE = "credentials.write"
SETTINGS = "settings"  # the Settings page (retention, metrics, notifications)
AUDIT_READ = "audit.read"
ADMIN_PERMISSION = "admin"  # accounts, tokens of others, server-wide settings

PERMISSIONS = (
    WORKFLOWS_READ,
    WORKFLOWS_WRITE,
    RUNS_READ,
    RUNS_START,
    RUNS_CONTROL,
    TASKS_READ,
    TASKS_READ_ALL,
    TASKS_COMPLETE,
    TASKS_LINK,
    SCHEDULES_READ,
    SCHEDULES_WRITE,
    FUNCTIONS_READ,
    FUNCTIONS_WRITE,
    CREDENTIALS_WRITE,
    SETTINGS,
    AUDIT_READ,
    ADMIN_PERMISSION,
)

_OWN_TASKS = frozenset({TASKS_READ, TASKS_COMPLETE})
_OPERATOR = _OWN_TASKS | {
    WORKFLOWS_READ,
    RUNS_READ,
    RUNS_START,
    RUNS_CONTROL,
    TASKS_READ_ALL,
    TASKS_LINK,
    SCHEDULES_READ,
    FUNCTIONS_READ,
}
_EDITOR = _OPERATOR | {WORKFLOWS_WRITE, SCHEDULES_WRITE, FUNCTIONS_WRITE, CREDENTIALS_WRITE}

# Which role has which permission (admin: all of them).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset(PERMISSIONS),
    EDITOR: frozenset(_EDITOR | {SETTINGS}),
    OPERATOR: frozenset(_OPERATOR),
    ASSIGNEE: _OWN_TASKS,
}

# How the principal proved who it is.
VIA_LOCAL = "local"  # loopback, accounts not required
VIA_SESSION = "session"  # the login page's cookie
VIA_TOKEN = "token"  # a personal API token
VIA_LINK = "link"  # a signed task link (only that task's form)


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    groups: frozenset[str] = frozenset()
    via: str = VIA_LOCAL

    def can(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        """Nothing when allowed; else an HTTP 403 with the shared error shape."""
        if not self.can(permission):
            raise forbidden(f"{self.name} ({self.role}) may not do this: needs {permission}")

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def may_see_task(self, assignee: str | None, group: str | None = None) -> bool:
        """Whether a task assigned to `assignee` (a person, or "group:NAME") or to `group`
        is this principal's to see and answer. Roles with tasks.read_all see every task; an
        assignee sees tasks for their name or one of their groups (never unassigned ones)."""
        if self.can(TASKS_READ_ALL):
            return True
        targets = {t for t in (assignee, group) if t}
        for target in targets:
            name = target.removeprefix("group:")
            if target.startswith("group:") and name in self.groups:
                return True
            if target == self.name or target in self.groups:
                return True
        return False


LOCAL = Principal(name="local", role=ADMIN, groups=frozenset(), via=VIA_LOCAL)


# --- errors in the shared shape ----------------------------------------------------------------
class AuthProblem(HTTPException):
    """401 or 403 whose body is {"error": {"kind": ..., "message": ...}}."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        headers = {"WWW-Authenticate": 'Bearer realm="ren"'} if status == 401 else None
        super().__init__(status_code=status, detail=message, headers=headers)
        self.kind = kind
        self.message = message

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"kind": self.kind, "message": self.message}}


def forbidden(message: str) -> AuthProblem:
    return AuthProblem(403, "forbidden", message)


def unauthorized(message: str = "sign in, or send Authorization: Bearer <token>") -> AuthProblem:
    return AuthProblem(401, "unauthorized", message)


async def auth_problem_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthProblem)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


def install_error_handler(app: Starlette) -> None:
    """Render AuthProblem in the shared error shape on a FastAPI (or Starlette) app."""
    app.add_exception_handler(AuthProblem, auth_problem_response)


# --- the dependency ----------------------------------------------------------------------------
class Authenticator(Protocol):
    """What current_principal needs from the server's access set-up (app.auth.gate)."""

    @property
    def accounts_required(self) -> bool: ...

    async def principal_for(self, scope: Scope) -> Principal | None:
        """The principal a request's session cookie or bearer token proves, else None."""
        ...


SCOPE_KEY = "ren_principal"  # where the access middleware leaves the principal it checked
STATE_KEY = "ren_auth"  # app.state attribute holding the server's Authenticator


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: who sent this request. Loopback bind → the local admin; a LAN bind
    → the session cookie's or bearer token's account, else 401."""
    known = request.scope.get(SCOPE_KEY)
    if isinstance(known, Principal):
        return known
    auth: Authenticator | None = getattr(request.app.state, STATE_KEY, None)
    if auth is None or not auth.accounts_required:
        return LOCAL
    principal = await auth.principal_for(request.scope)
    if principal is None:
        raise unauthorized()
    request.scope[SCOPE_KEY] = principal
    return principal
