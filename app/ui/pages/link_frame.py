"""The frame shared by pages opened through a signed link (/t/<token> for a task, /f/<token>
for a form): the page's socket may connect without a session, there is no navigation, and a
problem is said in plain words on a card of its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from app.auth.links import EXPIRED, REVOKED
from app.auth.setup import gate_of
from app.engine.service import Engine
from app.ui import runtime

ASK_AGAIN = "Ask whoever sent it for a new one."
LINK_PROBLEMS = {
    EXPIRED: ("This link has expired", ASK_AGAIN),
    REVOKED: ("This link was withdrawn", ASK_AGAIN),
}
UNKNOWN_LINK = ("This link does not work", "Check that you have the whole link.")


def notice(title: str, text: str) -> None:
    with ui.column().classes("ren-card w-full p-6 gap-2").mark("link-notice"):
        ui.label(title).classes("text-xl font-semibold").props('role="heading" aria-level="1"')
        ui.label(text).classes("ren-muted")


@contextmanager
def link_frame(title: str) -> Iterator[Engine | None]:
    """Open a link page titled `title`; yields the running engine, or None once the page has
    said that Ren is not running."""
    gate = gate_of(app)
    if gate is not None:
        gate.open_client(ui.context.client.id)  # its socket connects without a session
    ui.page_title(title)
    with ui.column().classes("ren-public-form w-full max-w-3xl mx-auto p-4 gap-5"):
        try:
            engine = runtime.engine()
        except RuntimeError:
            notice("Ren is not running", "Try again in a moment.")
            engine = None
        yield engine
