"""Open pages stop working once their session or token does.

The access gate checks a page's session when the page loads and when its socket connects; a
page left open would otherwise go on answering clicks after its session expired, its person
signed out elsewhere, got a new password, was removed, or its token was revoked. Every
CHECK_EVERY_S the watch re-checks the session or token of every open page that was opened
with one (on a worker thread: a few indexed SQLite reads), and sends a page whose check fails
to the login page, then forgets it on the server (its elements and event handlers are gone,
so nothing it sends is acted on any more). Only when Ren requires accounts.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress
from urllib.parse import quote

from nicegui import Client, background_tasks

from app.auth.gate import AuthGate
from app.auth.principal import SCOPE_KEY, VIA_SESSION, VIA_TOKEN, Principal

CHECK_EVERY_S = 2.0
LEAVE_S = 1.0  # how long a page has to follow the redirect before the server drops it


class PageWatch:
    def __init__(self, gate: AuthGate, every_s: float = CHECK_EVERY_S) -> None:
        self.gate = gate
        self.every_s = every_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = background_tasks.create(self._run(), name="page watch")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            with suppress(Exception):  # a failed sweep (database busy) is tried again
                await self.sweep()

    async def sweep(self) -> list[str]:
        """Check every watched page now; returns the ids of the pages sent to the login."""
        watched = [c for c in list(Client.instances.values()) if _signed_in_page(c)]
        if not watched:
            return []
        ended = await asyncio.to_thread(self._ended, watched)
        for client in ended:
            _send_to_login(client)
        return [c.id for c in ended]

    def _ended(self, clients: list[Client]) -> list[Client]:
        return [c for c in clients if not self.gate.still_signed_in(c.request.scope)]


def _signed_in_page(client: Client) -> bool:
    """A live page that the gate let in with a session or a token."""
    if client.is_deleted or not client.has_socket_connection:
        return False
    try:
        principal = client.request.scope.get(SCOPE_KEY)
    except RuntimeError:  # no request: not a page a person opened
        return False
    return isinstance(principal, Principal) and principal.via in (VIA_SESSION, VIA_TOKEN)


def _send_to_login(client: Client) -> None:
    request = client.request
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = f"/login?next={quote(target, safe='')}"
    client.run_javascript(f"window.location.replace({json.dumps(login)})")

    async def drop() -> None:
        await asyncio.sleep(LEAVE_S)
        if not client.is_deleted:
            client.delete()

    background_tasks.create(drop(), name=f"drop page {client.id}")
