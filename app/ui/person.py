"""What the app remembers about the person at this browser: their name (recorded as who
answered a task, and used by the inbox's "Only mine") and the inbox's view settings.

Kept in `app.storage.user` when the app has a storage secret (one entry per browser), else in
`app.storage.general` (Ren on 127.0.0.1 is one person's app)."""

from __future__ import annotations

from typing import Any

from nicegui import app
from nicegui.storage import Storage

NAME_KEY = "person.name"


def prefs() -> dict[str, Any]:
    if Storage.secret is None:  # local use: no sessions, one person
        return app.storage.general
    try:
        return app.storage.user
    except RuntimeError:  # outside a page
        return app.storage.general


def my_name() -> str:
    return str(prefs().get(NAME_KEY) or "").strip()


def set_my_name(name: str) -> None:
    name = name.strip()
    if name != my_name():
        prefs()[NAME_KEY] = name


def is_mine(task: dict[str, Any], name: str) -> bool:
    """A task is someone's when it names them, or names nobody (anyone may answer it)."""
    assignee = task.get("assignee")
    return not assignee or str(assignee).strip().casefold() == name.strip().casefold()
