"""One task at its own link (/tasks/{id}): what is asked, the form, one button per outcome.

Written for someone who has never seen a workflow: plain words, large buttons, every wrong field
explained under the field, and a clear answer when the task was already answered or is gone.
Enter in a one-line field answers with the only button when there is exactly one.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui

from app.auth.page_access import answered_by, may_open
from app.core.forms import FormInvalid, FormSpec, Outcome, validate_values
from app.engine.service import Engine, NotFound
from app.engine.tasks import NoLongerPossible
from app.ui import queries, task_count
from app.ui.pages.inbox import fact
from app.ui.person import is_mine, my_name, set_my_name
from app.ui.shell import empty_state, frame, require_engine
from app.ui.task_form import TaskForm, show_problem
from app.ui.task_text import clock, due_text, waiting_for, who_for

OUTCOME_PROPS = {
    "positive": "unelevated color=positive",
    "negative": "unelevated color=negative",
    "primary": "unelevated color=primary",
    "neutral": "outline",
}
OUTCOME_ICONS = {"positive": "check", "negative": "close"}


def register() -> None:
    ui.page("/tasks/{task_id}")(task_page)


def task_url(task_id: str) -> str:
    return f"/tasks/{task_id}"


def task_page(task_id: str) -> None:
    with frame("Task", "inbox"):
        engine = require_engine()
        if engine is None:
            return
        try:
            task = engine.tasks.get(task_id)
        except NotFound:
            task_not_found(task_id)
            return
        ui.page_title(f"{task['title']} · Ren")
        TaskPage(engine, task)
        from app.ui.pages.task_link import copy_link_button  # (that module imports this one)

        copy_link_button(engine, task)


def task_not_found(task_id: str) -> None:
    with ui.column().classes("ren-card w-full").mark("task-not-found"):
        actions = empty_state(
            "search_off",
            "We couldn't find this task",
            f"There is no task with the link “{task_id}”. The link may be incomplete — check "
            "that you copied all of it. Every task that waits for an answer is in your inbox.",
        )
        with actions:
            ui.button(
                "Go to the inbox", icon="inbox", on_click=lambda: ui.navigate.to("/inbox")
            ).props("unelevated color=primary")


def outcome_button(outcome: Outcome, on_click: Any) -> ui.button:
    icon = OUTCOME_ICONS.get(outcome.style)
    color = None if outcome.style == "neutral" else "primary"  # neutral: the text colour
    button = ui.button(outcome.label, icon=icon, on_click=on_click, color=color)
    button.props(OUTCOME_PROPS.get(outcome.style, OUTCOME_PROPS["primary"]) + " size=lg no-caps")
    button.classes(f"ren-outcome ren-outcome--{outcome.style}")
    button.props(f'data-testid="outcome-{outcome.name}" data-outcome="{outcome.name}"')
    return button.mark(f"outcome-{outcome.name}")


class TaskPage:
    def __init__(self, engine: Engine, task: dict[str, Any]) -> None:
        self.engine = engine
        self.task = task
        self.open_facts: ui.row | None = None
        self.task_id = str(task["id"])
        self.outcomes = [Outcome.model_validate(o) for o in task.get("outcomes") or []] or [
            Outcome(name="submit", label="Submit")
        ]
        self.form: TaskForm | None = None
        self.busy = False
        self._header()
        self.body = ui.column().classes("w-full gap-4")
        with self.body:
            if task["status"] == "open":
                self._form()
            else:
                self._closed(task)
        task_count.changed.subscribe(self._maybe_answered_elsewhere)

    # -- header ---------------------------------------------------------------------------

    def _header(self) -> None:
        task = self.task
        with ui.row().classes("items-center gap-2 ren-muted text-sm"):
            ui.link("Inbox", "/inbox").classes("ren-link")
            ui.icon("chevron_right", size="18px")
            ui.label("Task")
        with ui.column().classes("gap-2 w-full"):
            ui.label(task["title"]).classes("ren-title").props('role="heading" aria-level="1"')
            if task.get("description"):
                ui.label(task["description"]).classes("ren-task-description")
            with ui.row().classes("ren-task-meta items-center gap-x-5 gap-y-1"):
                fact("person", who_for(task))
                if task["status"] == "open":  # hidden once answered (see _thanks)
                    with ui.row().classes("items-center gap-x-5 gap-y-1") as self.open_facts:
                        fact("schedule", waiting_for(task["created_at"]))
                        due, late = due_text(task.get("due_at"))
                        if task.get("due_at") is not None:
                            fact("event", due, "ren-overdue" if late else "")
                name = self._workflow_name()
                with ui.row().classes("items-center gap-1 flex-nowrap"):
                    fact("account_tree", "From the workflow")
                    if not may_open("/runs"):  # an assignee sees the name, not the run
                        ui.label(name).classes("font-medium")
                    else:
                        ui.link(name, f"/runs/{task['run_id']}").classes(
                            "ren-link font-medium"
                        ).props('title="See the workflow run this task belongs to"')

    def _workflow_name(self) -> str:
        try:
            run = self.engine.get_run(self.task["run_id"])
        except NotFound:
            return "a workflow"
        return queries.workflow_name(self.engine, run.workflow_id) or run.workflow_id

    # -- the form -------------------------------------------------------------------------

    def _form(self) -> None:
        single = len(self.outcomes) == 1
        on_enter = self._submit_only if single else None
        with ui.column().classes("ren-card ren-task-card w-full").mark("task-form"):
            self.banner = ui.column().classes("w-full gap-0")
            self.banner.set_visibility(False)
            fields = list(self.task.get("form") or [])
            if any(isinstance(f, dict) and f.get("required") for f in fields):
                ui.label("Fields marked * must be filled in.").classes("ren-field-hint -mb-2")
            if not fields:
                ui.label("Nothing to fill in: read the task above, then choose below.").classes(
                    "ren-muted"
                )
            self.form = TaskForm(fields, on_enter=on_enter)
            ui.separator().classes("my-1")
            with ui.column().classes("ren-field w-full max-w-sm"):
                with ui.element("label").classes("ren-field-label").props('for="your-name"'):
                    ui.label("Your name").classes("inline")
                ui.label("Saved as the person who answered.").classes("ren-field-help")
                self.name = ui.input(value=answered_by(my_name())).props(
                    'outlined hide-bottom-space for="your-name" autocomplete="name"'
                )
                self.name.classes("ren-field-control").mark("your-name")
                self.name.props('data-testid="your-name"')
                if on_enter is not None:
                    self.name.on("keydown.enter", on_enter)
                self.name_error = ui.label("").classes("ren-field-error").props('role="alert"')
                self.name_error.mark("error-your-name")
                self.name_error.set_visibility(False)
            with ui.row().classes("ren-outcomes w-full items-center gap-3"):
                self.buttons = [
                    outcome_button(o, lambda _, o=o: self.submit(o.name)) for o in self.outcomes
                ]
            if single:
                ui.label("Tip: press Enter in a field to send your answer.").classes(
                    "ren-field-hint"
                )

    def _submit_only(self) -> None:
        self.submit(self.outcomes[0].name)

    def submit(self, outcome: str) -> None:
        if self.busy or self.form is None:
            return
        name = str(self.name.value or "").strip()
        self.name_error.set_visibility(not name)
        self.name_error.text = "" if name else "Please type your name, so others know who answered."
        values = self.form.values()
        if not name:  # and every wrong field at once, not one message per try
            errors = self._check(values, outcome)
            others = self.form.show_errors(errors)
            lines = [*others, "Please type your name below before answering."]
            title = "Please check the fields marked below." if errors else lines.pop()
            show_problem(self.banner, title, lines)
            self.name.run_method("focus")
            return
        set_my_name(name)
        self.busy = True
        try:
            self.engine.tasks.complete(self.task_id, outcome, values, by=answered_by(name))
        except FormInvalid as err:
            others = self.form.show_errors(err.errors)
            wrong = len(err.errors) - len(others)
            if wrong == 1:
                title = "Please check the field marked below. Nothing was sent yet."
            elif wrong:
                title = f"Please check the {wrong} fields marked below. Nothing was sent yet."
            else:
                title = "Your answer could not be sent. Nothing was sent yet."
            show_problem(self.banner, title, others)
            return
        except NoLongerPossible:
            self._show_closed()
            return
        except NotFound:
            self.form = None
            self.body.clear()
            with self.body:
                task_not_found(self.task_id)
            return
        finally:
            self.busy = False
        label = next((o.label for o in self.outcomes if o.name == outcome), outcome)
        self._thanks(label)

    def _check(self, values: dict[str, Any], outcome: str) -> dict[str, str]:
        """What is wrong with the answer as it stands (field name to message)."""
        try:
            form = FormSpec.model_validate(
                {"fields": self.task.get("form") or [], "outcomes": self.task.get("outcomes")}
            )
            validate_values(form, values, outcome=outcome)
        except FormInvalid as err:
            return dict(err.errors)
        except ValueError:  # a stored form this version cannot read: the engine says so later
            return {}
        return {}

    # -- after answering ------------------------------------------------------------------

    def _thanks(self, label: str) -> None:
        self.form = None
        if self.open_facts is not None:  # "Waiting 1 minute" no longer holds
            self.open_facts.set_visibility(False)
        self.body.clear()
        with (
            self.body,
            ui.column().classes("ren-card ren-task-done w-full items-center").mark("task-done"),
        ):
            with ui.element("div").classes("ren-done-icon"):
                ui.icon("check", size="30px")
            ui.label("Thanks — your answer was recorded").classes("ren-done-title")
            ui.label(
                f"You chose “{label}”. The workflow carries on from here; "
                "there is nothing more to do on this task."
            ).classes("ren-muted text-center")
            with ui.row().classes("gap-2 mt-2 justify-center"):
                ui.button("Back to the inbox", icon="inbox", on_click=self._to_inbox).props(
                    'unelevated color=primary autofocus data-testid="back-to-inbox"'
                ).mark("back-to-inbox")
                following = self._next_task()
                if following is not None:
                    ui.button(
                        "Next task",
                        icon="arrow_forward",
                        on_click=lambda: ui.navigate.to(task_url(following)),
                    ).props("outline color=primary").mark("next-task")

    @staticmethod
    def _to_inbox() -> None:
        ui.navigate.to("/inbox")

    def _next_task(self) -> str | None:
        name = my_name()
        tasks = [
            t
            for t in self.engine.tasks.open_tasks()
            if t["id"] != self.task_id and (not name or is_mine(t, name))
        ]
        tasks.sort(key=lambda t: (t.get("due_at") is None, t.get("due_at") or 0, t["created_at"]))
        return str(tasks[0]["id"]) if tasks else None

    def _show_closed(self) -> None:
        self.form = None
        try:
            task = self.engine.tasks.get(self.task_id)
        except NotFound:
            task = {**self.task, "status": "canceled"}
        self.body.clear()
        with self.body:
            self._closed(task)

    def _closed(self, task: dict[str, Any]) -> None:
        status = task["status"]
        if status == "completed":
            title = "This task was already answered"
            outcome = next(
                (
                    o.get("label") or o.get("name")
                    for o in task.get("outcomes") or []
                    if o.get("name") == task.get("outcome")
                ),
                task.get("outcome"),
            )
            who = task.get("completed_by") or "someone"
            when = task.get("completed_at")
            text = f"{who} answered “{outcome}”" + (f" {clock(when)}." if when else ".")
            text += " Nothing more is needed here."
        elif status == "expired":
            title = "This task has expired"
            text = "It was not answered before it was due, so the workflow went on without it."
        else:
            title = "This task is no longer needed"
            text = "The workflow it belonged to was stopped, so it does not need an answer."
        with ui.column().classes("ren-card ren-task-closed w-full").mark("task-closed"):
            actions = empty_state("task_alt" if status == "completed" else "block", title, text)
            with actions:
                ui.button("Back to the inbox", icon="inbox", on_click=self._to_inbox).props(
                    "unelevated color=primary"
                )

    def _maybe_answered_elsewhere(self) -> None:
        """Tasks changed somewhere: if this one was answered meanwhile (in another tab, from the
        command line), say so before the person fills in the form for nothing."""
        if self.form is None or self.busy or self.body.is_deleted:
            return
        try:
            status = self.engine.tasks.get(self.task_id)["status"]
        except (NotFound, RuntimeError):
            return
        if status != "open":
            self._show_closed()
