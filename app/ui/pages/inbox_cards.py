"""One inbox card: what is asked, who it is for, how long it has waited, when it is due and
which workflow asks. The card keeps its two time facts so a minute's tick updates their text
in place instead of drawing the list again."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from app.ui.task_text import due_text, waiting_for, who_for


def fact(icon: str, text: str, extra: str = "") -> ui.label:
    """One fact about a task with its icon: one element (the icon is drawn by CSS), so a long
    list of cards stays light."""
    label = ui.label(text).classes(f"ren-fact {extra}")
    label.props["data-icon"] = icon
    return label


def signature(task: dict[str, Any]) -> tuple[Any, ...]:
    """What a card shows that can change while the task is open (a reassignment)."""
    return (task.get("assignee"), task.get("assignee_group"), task.get("due_at"))


class TaskCard:
    def __init__(self, task: dict[str, Any], now: float, fresh: bool) -> None:
        self.task = task
        self.signature = signature(task)
        due, late = due_text(task.get("due_at"), now)
        self.link = ui.link(target=f"/tasks/{task['id']}").classes("ren-task-item")
        self.link.props(f'data-task="{task["id"]}"').mark(f"task-{task['id']}")
        if fresh:
            self.link.classes("ren-task-item--new")
        if late:
            self.link.classes("ren-task-item--late")
        self.due: ui.label | None = None
        with self.link:
            with ui.column().classes("gap-1 min-w-0 flex-1"):
                ui.label(task["title"]).classes("ren-task-title")
                if task.get("description"):
                    ui.label(task["description"]).classes("ren-task-text")
                with ui.row().classes("ren-task-meta items-center gap-x-5 gap-y-1"):
                    fact("person", who_for(task))
                    self.waiting = fact("schedule", waiting_for(task["created_at"], now))
                    if task.get("due_at") is not None:
                        self.due = fact("event", due, "ren-overdue" if late else "")
                    workflow = task.get("workflow_name") or task.get("workflow_id")
                    fact("account_tree", f"From {workflow}")
            ui.label("Open").classes("ren-task-open")

    def tick(self, now: float) -> None:
        """Bring "waiting …" and "due in …" (and the overdue marks) up to `now`."""
        self.waiting.text = waiting_for(self.task["created_at"], now)
        if self.due is None:
            return
        text, late = due_text(self.task.get("due_at"), now)
        self.due.text = text
        if late:
            self.due.classes("ren-overdue")
            self.link.classes("ren-task-item--late")

    def delete(self) -> None:
        self.link.delete()
