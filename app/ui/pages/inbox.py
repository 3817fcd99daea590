"""The inbox: tasks that wait for a person. Until workflows can ask people, it explains itself."""

from __future__ import annotations

from nicegui import ui

from app.ui.shell import empty_state, frame, open_task_count, page_heading


def register() -> None:
    ui.page("/inbox")(inbox_page)


def inbox_page() -> None:
    with frame("Inbox", "inbox"):
        page_heading("Inbox", "Tasks that wait for you: reviews, approvals and forms to fill in.")
        with ui.column().classes("ren-card w-full"):
            count = open_task_count()
            empty_state(
                "inbox",
                "Nothing is waiting for you" if count == 0 else f"{count} open tasks",
                "When a workflow needs a person — to approve an amount, check a result or fill "
                "in a form — the run pauses and a task appears here, with its own link you can "
                "share. Answer it and the run carries on where it stopped.",
            )
