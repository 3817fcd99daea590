"""One inbox card: what is asked, who it is for, how long it has waited, when it is due and
which workflow asks. A minute's tick redraws one card's text, never the list."""

from __future__ import annotations

from html import escape
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


def _fact(icon: str, text: str, extra: str = "") -> str:
    return f'<span class="ren-fact {extra}" data-icon="{icon}">{escape(text)}</span>'


def card_html(task: dict[str, Any], now: float) -> str:
    """The card's text as one piece of HTML (every value escaped): a list of 50 cards is 150
    elements instead of 500, which is what drawing the inbox costs."""
    due, late = due_text(task.get("due_at"), now)
    workflow = task.get("workflow_name") or task.get("workflow_id")
    facts = [
        _fact("person", who_for(task)),
        _fact("schedule", waiting_for(task["created_at"], now)),
    ]
    if task.get("due_at") is not None:
        facts.append(_fact("event", due, "ren-overdue" if late else ""))
    facts.append(_fact("account_tree", f"From {workflow}"))
    description = task.get("description")
    return (
        '<div style="display:flex;flex-direction:column;gap:4px">'
        f'<div class="ren-task-title">{escape(str(task["title"]))}</div>'
        + (f'<div class="ren-task-text">{escape(str(description))}</div>' if description else "")
        + '<div class="ren-task-meta" style="display:flex;flex-wrap:wrap;align-items:center;'
        f'column-gap:20px;row-gap:4px">{"".join(facts)}</div></div>'
    )


class TaskCard:
    """A link (the card) holding the card's text and "Open"."""

    def __init__(self, task: dict[str, Any], now: float, fresh: bool) -> None:
        self.task = task
        self.signature = signature(task)
        self.link = ui.link(target=f"/tasks/{task['id']}").classes("ren-task-item")
        self.link.props(f'data-task="{task["id"]}"').mark(f"task-{task['id']}")
        if fresh:
            self.link.classes("ren-task-item--new")
        with self.link:
            self.body = ui.html(card_html(task, now), sanitize=False).classes("flex-1 min-w-0")
            ui.label("Open").classes("ren-task-open")
        self._late(now)

    def _late(self, now: float) -> None:
        _, late = due_text(self.task.get("due_at"), now)
        if late:
            self.link.classes("ren-task-item--late")

    def tick(self, now: float) -> None:
        """Bring "waiting …" and "due in …" (and the overdue marks) up to `now`."""
        self.body.set_content(card_html(self.task, now))
        self._late(now)

    def delete(self) -> None:
        self.link.delete()
