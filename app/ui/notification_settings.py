"""The Settings page's Notifications card: the smtp credential task reminders email with when a
task names none (kept in the data folder by app.engine.notifications)."""

from __future__ import annotations

from nicegui import ui

from app.engine.notifications import notifications_of
from app.engine.service import Engine
from app.ui.editor.credential_field import credential_options

NONE = ""


def notifications_card(engine: Engine) -> None:
    notifications = notifications_of(engine)
    current = notifications.default_credential()
    options = {NONE: "None (reminders by email need a credential on the task)"}
    options |= credential_options(("smtp",))
    if current and current not in options:
        options[current] = f"{current} (missing)"
    with ui.column().classes("ren-card w-full p-5 gap-3").mark("notification-settings"):
        ui.label("Notifications").classes("ren-card-title")
        ui.label(
            "Task reminders and escalations sent by email use this smtp credential unless the "
            "task names its own. Add smtp credentials on the Credentials page."
        ).classes("ren-muted ren-small")

        def save(name: str) -> None:
            notifications.set_default_credential(name or NONE)
            ui.notify(f"Reminders now email with '{name}'." if name else "No default credential.")

        select = ui.select(options, value=current, label="Default smtp credential")
        select.classes("w-full max-w-md").props("outlined dense").mark("default-smtp")
        select.on_value_change(lambda e: save(str(e.value or NONE)))
