"""The run page's controls and the run's open tasks.

`RunControls`: Pause, Resume, Cancel (asks first) and Retry, each shown only when the run's
status allows it, following the run's events. When the run changed meanwhile (the engine says
NoLongerPossible), a notice says so in plain words.

`RunTasks`: the run's open tasks, each with a link to answer it, kept current with the inbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from app.engine.events import RunEvent
from app.engine.service import Engine, NotFound
from app.engine.tasks import NoLongerPossible
from app.ui import task_count
from app.ui.dialogs import confirm
from app.ui.fmt import STATUS_LABELS
from app.ui.live import committed_events, run_events
from app.ui.task_text import due_text, waiting_for, who_for

ACTIVE = ("pending", "running", "waiting", "paused")
# action: (label, icon, the statuses it shows in, what the button's tooltip says)
ACTIONS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "pause": (
        "Pause",
        "pause",
        ("pending", "running", "waiting"),
        "Stop after the current step; resume later from there",
    ),
    "resume": ("Resume", "play_arrow", ("paused",), "Carry on from where the run paused"),
    "retry": (
        "Retry",
        "restart_alt",
        ("failed",),
        "Run again from the failed step; finished steps keep their results",
    ),
    "cancel": ("Cancel run", "stop_circle", ACTIVE, "Stop this run for good"),
}
VERBS = {"pause": "paused", "resume": "resumed", "retry": "retried", "cancel": "canceled"}
EVENT_STATUS = {
    "run.created": "running",
    "run.resumed": "running",
    "run.retried": "running",
    "run.waiting": "waiting",
    "run.paused": "paused",
    "run.succeeded": "succeeded",
    "run.failed": "failed",
    "run.canceled": "canceled",
}


def status_after(event: RunEvent, current: str) -> str | None:
    """The run's status after `event`, when the event tells it."""
    if event.type in EVENT_STATUS:
        return EVENT_STATUS[event.type]
    if current == "waiting" and event.type in ("step.started", "step.completed"):
        return "running"  # a person answered, a timer rang: the run goes on
    return None


class RunControls:
    def __init__(self, engine: Engine, run_id: str, status: str) -> None:
        self.engine = engine
        self.run_id = run_id
        self.status = status
        self.busy = False
        self.buttons: dict[str, ui.button] = {}
        with ui.row().classes("items-center gap-2").mark("run-controls") as self.row:
            for action, (label, icon, _, tip) in ACTIONS.items():
                button = ui.button(label, icon=icon, on_click=self._handler(action))
                color = "negative" if action == "cancel" else "primary"
                button.props(f'outline color={color} data-testid="run-{action}"')
                button.mark(f"run-{action}").tooltip(tip)
                self.buttons[action] = button
        self.show(status)
        run_events.subscribe(self.on_event)

    def _handler(self, action: str) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            await self.act(action)

        return handle

    def show(self, status: str) -> None:
        self.status = status
        for action, button in self.buttons.items():
            button.set_visibility(status in ACTIONS[action][2])
            button.set_enabled(not self.busy)

    def on_event(self, event: RunEvent) -> None:
        if event.run_id != self.run_id or self.row.is_deleted:
            return
        status = status_after(event, self.status)
        if status is not None and status != self.status:
            self.show(status)

    def _now(self) -> str:
        try:
            return self.engine.get_run(self.run_id).status
        except NotFound:
            return "gone"

    async def act(self, action: str) -> None:
        if self.busy:
            return
        if action == "cancel" and not await self._confirm_cancel():
            return
        control = self.engine.control
        calls: dict[str, Callable[[str], Awaitable[str]]] = {
            "pause": control.pause,
            "resume": control.resume,
            "retry": control.retry,
            "cancel": control.cancel,
        }
        self.busy = True
        self.show(self.status)
        if action == "pause" and self.engine.is_live(self.run_id):
            ui.notify("Pausing: the step that is running now finishes first.")
        try:
            status = await calls[action](self.run_id)
        except NoLongerPossible:
            status = self._now()
            shown = STATUS_LABELS.get(status, status).lower()
            ui.notify(
                f"This run can't be {VERBS[action]} any more: it is {shown} now.",
                type="warning",
                multi_line=True,
            )
        except NotFound:
            status = self._now()
            ui.notify("This run no longer exists.", type="warning")
        else:
            ui.notify(self._done_message(action, status), type="positive")
        finally:
            self.busy = False
        if not self.row.is_deleted:
            self.show(status)

    @staticmethod
    def _done_message(action: str, status: str) -> str:
        if action == "pause":
            return "Run paused. Resume it whenever you like."
        if action == "resume":
            return "Run resumed."
        if action == "retry":
            return "Retrying from the failed step."
        return "Run canceled. Its open tasks were withdrawn from the inbox."

    async def _confirm_cancel(self) -> bool:
        return await confirm(
            self.row,
            "Cancel this run?",
            [
                "The run stops for good: steps that are running are stopped, and tasks "
                "waiting for people are withdrawn from the inbox. Finished steps keep their "
                "results. This cannot be undone."
            ],
            decline="Keep it running",
            decline_marker="keep-run",
            accept="Cancel run",
            accept_marker="confirm-cancel",
        )


class RunTasks:
    """The run's open tasks: 'Waiting for a person' with a link to answer each."""

    def __init__(self, engine: Engine, run_id: str) -> None:
        self.engine = engine
        self.run_id = run_id
        self.shown: list[tuple[Any, ...]] | None = None
        self.box = ui.column().classes("w-full gap-0").mark("run-tasks")
        self.refresh()
        committed_events.subscribe(self.on_event)

    def on_event(self, event: RunEvent) -> None:
        """This run's tasks may have changed (and the change is committed): read them."""
        if event.run_id == self.run_id and task_count.touches_tasks(event):
            self.refresh()

    def refresh(self) -> None:
        if self.box.is_deleted:
            return
        tasks = self.engine.tasks.open_tasks(run_id=self.run_id)
        signature = [(t["id"], t.get("assignee"), t.get("due_at")) for t in tasks]
        if signature == self.shown:
            return
        self.shown = signature
        self.box.clear()
        if not tasks:
            return
        with self.box, ui.column().classes("ren-card ren-run-tasks w-full"):
            ui.label("Waiting for a person").classes("ren-card-title")
            for task in tasks:
                self._task(task)

    @staticmethod
    def _task(task: dict[str, Any]) -> None:
        due, late = due_text(task.get("due_at"))
        with ui.row().classes("w-full items-center gap-3 flex-nowrap"):
            ui.icon("assignment_ind", size="22px").classes("ren-muted")
            with ui.column().classes("gap-0 min-w-0 flex-1"):
                ui.link(task["title"], f"/tasks/{task['id']}").classes("ren-row-link")
                facts = [who_for(task), waiting_for(task["created_at"])]
                if task.get("due_at") is not None:
                    facts.append(due)
                ui.label(" · ".join(facts)).classes(
                    "ren-small " + ("ren-overdue" if late else "ren-muted")
                )
            ui.button(
                "Answer",
                icon="edit_note",
                on_click=lambda _, t=task: ui.navigate.to(f"/tasks/{t['id']}"),
            ).props("unelevated color=primary dense no-caps").classes("px-3")
