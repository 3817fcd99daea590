"""The header's bell: the unread count of the in-app notifications and a list to read them.

The engine's notification list (app.engine.notifications) calls its listeners with the unread
count whenever it changes; one bridge per engine re-emits that as `changed`, which every open
page's bell hears (no timer). Opening an entry marks it read and goes to its task or run.
"""

from __future__ import annotations

from typing import Any

from nicegui import Client, Event, ui

from app.engine.notifications import Notifications, notifications_of
from app.ui import runtime
from app.ui.fmt import ago

SHOWN = 20  # the newest this many are in the list

changed: Event[[int]] = Event()


def _bridge(count: int) -> None:
    changed.emit(count)


def _notifications() -> Notifications | None:
    try:
        notifications = notifications_of(runtime.engine())
    except RuntimeError:  # the engine is not running (it could not open its folder)
        return None
    if _bridge not in notifications.listeners:
        notifications.listeners.append(_bridge)
    return notifications


def target_of(entry: dict[str, Any]) -> str | None:
    """Where opening an entry leads: its task while there is one, else its run."""
    if entry.get("task_id"):
        return f"/tasks/{entry['task_id']}"
    if entry.get("run_id"):
        return f"/runs/{entry['run_id']}"
    return None


class NotificationBell:
    def __init__(self) -> None:
        self.notifications = _notifications()
        with (
            ui.button(icon="notifications", color=None)
            .props('flat round dense aria-label="Notifications" data-testid="notifications"')
            .classes("ren-icon-btn")
            .mark("notifications") as self.button
        ):
            self.badge = ui.badge("", color="red").props("floating rounded")
            self.badge.mark("notifications-count")
            with ui.menu().props("anchor='bottom right' self='top right'") as self.menu:
                self.list = ui.column().classes("gap-0 p-1 w-80 max-w-[90vw]")
        self.menu.on_value_change(lambda e: self.refresh() if e.value else None)
        self.show_count(self.notifications.unread_count() if self.notifications else 0)
        changed.subscribe(self.show_count)

    def show_count(self, count: int) -> None:
        if not self._alive():
            changed.unsubscribe(self.show_count)  # its page is gone
            return
        self.badge.text = str(count) if count < 100 else "99+"
        self.badge.set_visibility(count > 0)
        label = f"{count} unread notification{'' if count == 1 else 's'}"
        self.button.props(f'aria-label="Notifications: {label}"')
        self.refresh()  # the list is kept current while closed too: changes are rare

    def _alive(self) -> bool:
        try:
            return not self.badge.is_deleted and self.badge.client.id in Client.instances
        except RuntimeError:  # its client was deleted
            return False

    def refresh(self) -> None:
        self.list.clear()
        entries = self.notifications.latest(SHOWN) if self.notifications else []
        with self.list:
            with ui.row().classes("w-full items-center justify-between px-2 py-1"):
                ui.label("Notifications").classes("font-semibold")
                if any(e["read_at"] is None for e in entries):
                    ui.button("Mark all read", on_click=self.mark_all).props(
                        "flat dense no-caps size=sm"
                    ).mark("notifications-mark-all")
            if not entries:
                ui.label("Nothing yet.").classes("ren-muted px-2 py-3").mark("notifications-empty")
            for entry in entries:
                self._entry(entry)

    def _entry(self, entry: dict[str, Any]) -> None:
        unread = entry["read_at"] is None
        item = ui.item(on_click=lambda _, e=entry: self.open(e)).classes("w-full rounded")
        item.props(f'data-notification="{entry["id"]}"')
        item.mark("notification", f"notification-{entry['id']}")
        with item, ui.column().classes("gap-0 w-full"):
            with ui.row().classes("items-center gap-2 flex-nowrap w-full"):
                if unread:
                    ui.icon("circle", size="8px").classes("text-primary").props(
                        'aria-label="unread"'
                    )
                ui.label(entry["title"]).classes("font-medium" if unread else "")
            if entry["message"]:
                ui.label(entry["message"]).classes("ren-small whitespace-pre-line ren-muted")
            ui.label(ago(entry["created_at"])).classes("ren-small ren-muted")

    def open(self, entry: dict[str, Any]) -> None:
        if self.notifications is not None and entry["read_at"] is None:
            self.notifications.mark_read(entry["id"])
        target = target_of(entry)
        self.menu.close()
        if target:
            ui.navigate.to(target)

    def mark_all(self) -> None:
        if self.notifications is not None:
            self.notifications.mark_all_read()
        self.refresh()
