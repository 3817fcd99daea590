"""A task opened by a signed link (/t/<token>): only that task's form, for someone without an
account. No navigation, nothing else of Ren. The link works once: after the answer (or when it
expired or was revoked) the page says so in plain words. The answer records who the link was
sent to (completed_by "link:<recipient>")."""

from __future__ import annotations

import time
from typing import Any

from nicegui import ui

from app.auth.links import (
    USED,
    LinkError,
    TaskLink,
    TaskLinks,
    folder_links,
)
from app.auth.page_access import viewer
from app.auth.principal import TASKS_LINK
from app.core.forms import FormInvalid, Outcome
from app.engine.service import Engine, NotFound
from app.engine.tasks import NoLongerPossible
from app.ui.pages.link_frame import LINK_PROBLEMS, UNKNOWN_LINK, link_frame, notice
from app.ui.pages.task import outcome_button
from app.ui.task_form import TaskForm

PROBLEMS = {
    USED: ("This link was already used", "The answer was recorded; the link works only once."),
    **LINK_PROBLEMS,
}
ANSWERED = ("This task was already answered", "There is nothing more to do here.")


def register() -> None:
    ui.page("/t/{token}")(link_page)


def link_page(token: str) -> None:
    with link_frame("A task for you · Ren") as engine:
        if engine is None:
            return
        links = folder_links(engine.folder.root, engine.folder.db_path)
        checked = links.check(token)
        if checked.link is None or checked.problem is not None:
            notice(*PROBLEMS.get(checked.problem or "", UNKNOWN_LINK))
            return
        try:
            task = engine.tasks.get(checked.link.task_id)
        except NotFound:
            notice(*UNKNOWN_LINK)
            return
        if task["status"] != "open":
            notice(*ANSWERED)
            return
        LinkedTask(engine, links, checked.link, task)


class LinkedTask:
    def __init__(
        self, engine: Engine, links: TaskLinks, link: TaskLink, task: dict[str, Any]
    ) -> None:
        self.engine = engine
        self.links = links
        self.link = link
        self.task = task
        self.outcomes = [Outcome.model_validate(o) for o in task.get("outcomes") or []] or [
            Outcome(name="submit", label="Submit")
        ]
        self.root = ui.column().classes("w-full gap-4")
        with self.root:
            ui.label(task["title"]).classes("ren-title").props('role="heading" aria-level="1"')
            if task.get("description"):
                ui.label(task["description"]).classes("ren-task-description")
            ui.label(f"Sent to {link.recipient}.").classes("ren-muted text-sm")
            with ui.column().classes("ren-card ren-task-card w-full").mark("task-form"):
                self.problem = ui.label("").classes("ren-error-box").props('role="alert"')
                self.problem.mark("form-problem")
                self.problem.set_visibility(False)
                self.form = TaskForm(list(task.get("form") or []))
                with ui.row().classes("ren-outcomes w-full items-center gap-3"):
                    for o in self.outcomes:
                        outcome_button(o, lambda _, o=o: self.submit(o.name))

    def submit(self, outcome: str) -> None:
        if not self.links.claim(self.link.id):  # used, revoked or expired meanwhile
            self._replace(*PROBLEMS[self.links.check_state(self.link.id)])
            return
        try:
            self.engine.tasks.complete(
                self.link.task_id, outcome, self.form.values(), by=self.link.completed_by
            )
        except FormInvalid as err:
            self.links.release(self.link.id)  # nothing was recorded: the link still works
            others = self.form.show_errors(err.errors)
            self.problem.text = "Please check the fields marked below. " + " ".join(others)
            self.problem.set_visibility(True)
            return
        except (NoLongerPossible, NotFound):
            self._replace(*ANSWERED)
            return
        label = next((o.label for o in self.outcomes if o.name == outcome), outcome)
        self._replace("Thanks — your answer was recorded", f"You chose “{label}”.")

    def _replace(self, title: str, text: str) -> None:
        self.root.clear()
        with self.root:
            notice(title, text)


# -- on the task page: "Copy link for…" -----------------------------------------------------

VALIDITY = {1: "1 day", 7: "7 days", 30: "30 days"}


def copy_link_button(engine: Engine, task: dict[str, Any]) -> None:
    """A button opening the dialog that makes (and revokes) links to this open task, for
    people whose role may send tasks (app.auth.principal.TASKS_LINK)."""
    if task["status"] != "open" or not viewer().can(TASKS_LINK):
        return
    button = ui.button("Copy link for…", icon="link", on_click=lambda: LinkDialog(engine, task))
    button.props("outline no-caps").mark("copy-link")


def base_url() -> str:
    request = ui.context.client.request
    return str(request.base_url).rstrip("/") if request is not None else ""


class LinkDialog:
    def __init__(self, engine: Engine, task: dict[str, Any]) -> None:
        self.links = folder_links(engine.folder.root, engine.folder.db_path)
        self.task_id = str(task["id"])
        self.base = base_url()
        with ui.dialog(value=True) as self.dialog, ui.card().classes("w-[32rem] gap-3"):
            ui.label("Send this task as a link").classes("text-lg font-semibold")
            ui.label(
                "Whoever opens the link sees only this task's form and can answer it once. "
                "The answer is recorded as theirs."
            ).classes("ren-muted text-sm")
            self.recipient = ui.input("Recipient (name or e-mail)").props("outlined autofocus")
            self.recipient.mark("link-recipient")
            self.days = ui.select(VALIDITY, value=7, label="Valid for").props("outlined")
            self.error = ui.label("").classes("ren-field-error").mark("link-error")
            self.url = ui.input("Link").props("outlined readonly").classes("w-full")
            self.url.mark("link-url")
            self.url.set_visibility(False)
            with ui.row().classes("gap-2"):
                ui.button("Create link", on_click=self.create).props("unelevated").mark(
                    "create-link"
                )
                ui.button("Close", on_click=self.dialog.close).props("flat")
            self.existing = ui.column().classes("w-full gap-1")
        self._list()

    def create(self) -> None:
        try:
            _, token = self.links.create(
                self.task_id,
                str(self.recipient.value or ""),
                created_by=viewer().name,
                valid_s=int(self.days.value or 7) * 24 * 3600.0,
            )
        except LinkError as err:
            self.error.text = str(err)
            return
        self.error.text = ""
        self.url.value = f"{self.base}/t/{token}"
        self.url.set_visibility(True)
        ui.clipboard.write(self.url.value)
        ui.notify("Link copied", type="positive")
        self._list()

    def _list(self) -> None:
        self.existing.clear()
        with self.existing:
            for link in reversed(self.links.of_task(self.task_id)):
                state = (
                    "revoked"
                    if link.revoked_at
                    else "used"
                    if link.used_at
                    else "expired"
                    if link.expires_at <= time.time()
                    else "open"
                )
                with ui.row().classes("items-center gap-2 w-full"):
                    ui.label(f"{link.recipient} · {state}").classes("text-sm flex-1")
                    if state == "open":
                        ui.button("Revoke", on_click=lambda _, i=link.id: self._revoke(i)).props(
                            "flat dense no-caps"
                        ).mark(f"revoke-{link.id}")

    def _revoke(self, link_id: str) -> None:
        self.links.revoke(link_id)
        self._list()
