"""Who is looking at a NiceGUI page, and which pages their role may open.

The access gate (app.auth.gate) refuses a page the role may not open; the navigation uses the
same table to show only what the person can open.
"""

from __future__ import annotations

from fastapi import Request
from nicegui import context

from app.auth.principal import (
    AUDIT_READ,
    CREDENTIALS_WRITE,
    FUNCTIONS_READ,
    LOCAL,
    RUNS_READ,
    SCHEDULES_READ,
    SCOPE_KEY,
    SETTINGS,
    TASKS_READ_ALL,
    VIA_LOCAL,
    WORKFLOWS_READ,
    Principal,
)

# What a role needs to open the pages under each path (the API routes check for themselves).
# A published form (/forms/…) is for anyone signed in: its access "people signed in".
PAGE_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("/workflows", WORKFLOWS_READ),  # the list and the editor (/workflows/<id>)
    ("/runs", RUNS_READ),
    ("/artifacts/", RUNS_READ),
    ("/schedules", SCHEDULES_READ),
    ("/functions", FUNCTIONS_READ),
    ("/credentials", CREDENTIALS_WRITE),
    ("/settings", SETTINGS),
    ("/audit", AUDIT_READ),
)


def needed_permission(path: str) -> str | None:
    for prefix, permission in PAGE_PERMISSIONS:
        if path.startswith(prefix):
            return permission
    return None


def page_principal(request: Request) -> Principal:
    """The principal the access gate let in for this page request (the local admin when Ren
    does not require accounts)."""
    found = request.scope.get(SCOPE_KEY)
    return found if isinstance(found, Principal) else LOCAL


def viewer() -> Principal:
    """Who the page being built is for (inside a NiceGUI page or its event handlers)."""
    try:
        request = context.client.request
    except RuntimeError:  # outside a page (no client): nobody's page, the local user
        return LOCAL
    return page_principal(request) if request is not None else LOCAL


def may_open(path: str) -> bool:
    permission = needed_permission(path)
    return permission is None or viewer().can(permission)


def answered_by(typed_name: str) -> str:
    """Who a task answer is recorded for: a signed-in person's account name (not whatever
    name they type); on loopback without accounts, the name typed on the page."""
    principal = viewer()
    return typed_name if principal.via == VIA_LOCAL else principal.name


def task_scope() -> tuple[str, ...] | None:
    """The assignees whose tasks the viewer sees: None for roles that see every task; for an
    assignee, their name, their groups and "group:<group>" for each."""
    principal = viewer()
    if principal.can(TASKS_READ_ALL):
        return None
    groups = sorted(principal.groups)
    return (principal.name, *groups, *(f"group:{g}" for g in groups))
