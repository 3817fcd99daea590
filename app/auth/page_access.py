"""Who is looking at a NiceGUI page, for pages that show or allow less to some roles."""

from __future__ import annotations

from fastapi import Request

from app.auth.principal import LOCAL, SCOPE_KEY, Principal


def page_principal(request: Request) -> Principal:
    """The principal the access gate let in for this page request (the local admin when Ren
    does not require accounts)."""
    found = request.scope.get(SCOPE_KEY)
    return found if isinstance(found, Principal) else LOCAL
