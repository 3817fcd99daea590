"""The inbox: tasks that wait for a person, as large cards that open the task.

Plain words for someone who has never seen a workflow: what is asked, who it is for, how long
it has waited, when it is due (red when overdue) and which workflow asks. "Only mine" keeps
the tasks for the name typed next to it (and tasks for anyone). The list follows the engine:
a new task appears and an answered one disappears without a reload (app.ui.task_count).
"""

from __future__ import annotations

import time
from typing import Any

from nicegui import events, ui

from app.asset_paths import asset
from app.engine.service import Engine
from app.ui import queries, task_count
from app.ui.person import is_mine, my_name, prefs, set_my_name
from app.ui.shell import empty_state, frame, page_heading, require_engine
from app.ui.task_text import due_text, plural, waiting_for, who_for

CSS = asset("css/people.css")
MAX_CARDS = 50  # cards drawn at first; "Show 50 more" draws more
TICK_S = 60.0  # "waiting 5 minutes" and overdue marks stay current
ONLY_MINE_KEY = "inbox.only_mine"
SORT_KEY = "inbox.sort"
SORTS = {
    "due": "Due soonest first",
    "oldest": "Waiting longest first",
    "newest": "Newest first",
}


def register() -> None:
    ui.add_css(CSS, shared=True)  # the inbox's, the task page's and the schedules page's styles
    ui.page("/inbox")(inbox_page)


def inbox_page() -> None:
    with frame("Inbox", "inbox"):
        engine = require_engine()
        if engine is not None:
            InboxPage(engine)


def sort_tasks(tasks: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    if order == "newest":
        return sorted(tasks, key=lambda t: -float(t["created_at"]))
    if order == "oldest":
        return sorted(tasks, key=lambda t: float(t["created_at"]))
    # due soonest first (overdue ones on top), tasks without a due time after them, oldest first
    return sorted(
        tasks,
        key=lambda t: (t.get("due_at") is None, t.get("due_at") or 0.0, t["created_at"]),
    )


def _signature(tasks: list[dict[str, Any]]) -> tuple[tuple[Any, ...], ...]:
    return tuple((t["id"], t.get("assignee"), t.get("due_at")) for t in tasks)


class InboxPage:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        store = prefs()
        self.only_mine = bool(store.get(ONLY_MINE_KEY, False))
        order = str(store.get(SORT_KEY, "due"))
        self.order = order if order in SORTS else "due"
        self.names: dict[str, str] = {}
        self.shown: tuple[tuple[Any, ...], ...] | None = None
        self.seen: set[str] = set()
        self.limit = MAX_CARDS

        actions = page_heading(
            "Inbox", "Questions and approvals waiting for a person. Open one to answer it."
        )
        with actions:
            self.sort = (
                ui.select(SORTS, value=self.order, on_change=self._on_sort)
                .props('outlined dense options-dense aria-label="Order"')
                .classes("w-56")
                .mark("sort")
            )
        with ui.row().classes("ren-inbox-filter w-full items-center gap-x-4 gap-y-2"):
            self.mine = (
                ui.switch("Only mine", value=self.only_mine, on_change=self._on_only_mine)
                .props('data-testid="only-mine"')
                .mark("only-mine")
            )
            self.name = (
                ui.input(placeholder="Your name", value=my_name(), on_change=self._on_name)
                .props('outlined dense debounce=250 aria-label="Your name" clearable')
                .classes("w-56")
                .mark("inbox-name")
            )
            self.summary = ui.label("").classes("ren-muted text-sm").mark("inbox-summary")
        self.listing = ui.column().classes("ren-task-list w-full").mark("inbox-list")
        self.refresh(force=True)
        task_count.changed.subscribe(lambda: self.refresh())
        ui.timer(TICK_S, lambda: self.refresh(force=True), immediate=False)

    # -- settings -------------------------------------------------------------------------

    def _on_sort(self, e: events.ValueChangeEventArguments[Any]) -> None:
        self.order = str(e.value or "due")
        prefs()[SORT_KEY] = self.order
        self.refresh(force=True)

    def _on_only_mine(self, e: events.ValueChangeEventArguments[Any]) -> None:
        self.only_mine = bool(e.value)
        prefs()[ONLY_MINE_KEY] = self.only_mine
        self.refresh(force=True)
        if self.only_mine and not self._name():
            self.name.run_method("focus")

    def _on_name(self, e: events.ValueChangeEventArguments[Any]) -> None:
        set_my_name(str(e.value or ""))
        if self.only_mine:
            self.refresh(force=True)

    def _name(self) -> str:
        return str(self.name.value or "").strip()

    # -- the list -------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> None:
        """Re-read the open tasks; redraw the cards only when the list changed (or `force`)."""
        if self.listing.is_deleted:
            return
        every = self.engine.tasks.open_tasks()
        name = self._name()
        mine = [t for t in every if is_mine(t, name)] if self.only_mine and name else every
        tasks = sort_tasks(mine, self.order)
        signature = _signature(tasks)
        if not force and signature == self.shown:
            return
        fresh = {t["id"] for t in tasks} - self.seen if self.shown is not None else set()
        self.shown = signature
        self.seen |= {t["id"] for t in tasks}
        self._summary(len(every), len(tasks), name)
        self.listing.clear()
        with self.listing:
            if not tasks:
                self._empty(len(every), name)
                return
            now = time.time()
            for task in tasks[: self.limit]:
                self._card(task, now, task["id"] in fresh)
            if len(tasks) > self.limit:
                with ui.row().classes("w-full items-center justify-center gap-3"):
                    ui.label(f"Showing the first {self.limit} of {len(tasks)} tasks.").classes(
                        "ren-muted text-sm"
                    )
                    ui.button(f"Show {MAX_CARDS} more", on_click=self.show_more).props(
                        "flat color=primary no-caps"
                    ).mark("show-more")

    def show_more(self) -> None:
        self.limit += MAX_CARDS
        self.refresh(force=True)

    def _summary(self, total: int, shown: int, name: str) -> None:
        if self.only_mine and name:
            text = f"{plural(shown, 'task')} for {name} or for anyone · {total} open in all"
        elif self.only_mine:
            text = "Type your name to see only your tasks."
        else:
            text = f"{plural(total, 'open task')}"
        self.summary.text = text

    def _empty(self, total: int, name: str) -> None:
        with ui.column().classes("ren-card w-full"):
            if total:
                actions = empty_state(
                    "task_alt",
                    f"Nothing for {name} right now",
                    f"{plural(total, 'task')} {'is' if total == 1 else 'are'} waiting for other "
                    "people. Turn off “Only mine” to see every open task.",
                )
                with actions:
                    ui.button("Show every task", on_click=lambda: self.mine.set_value(False)).props(
                        "outline color=primary"
                    )
                return
            empty_state(
                "inbox",
                "Nothing is waiting for you",
                "When a workflow needs a person — to approve an amount, check a result or fill "
                "in a form — the run pauses and a task appears here, with its own link you can "
                "share. Answer it and the run carries on where it stopped.",
            )

    def _workflow(self, workflow_id: str) -> str:
        if workflow_id not in self.names:
            name = queries.workflow_name(self.engine, workflow_id)
            self.names[workflow_id] = name or workflow_id
        return self.names[workflow_id]

    def _card(self, task: dict[str, Any], now: float, fresh: bool) -> None:
        due, late = due_text(task.get("due_at"), now)
        link = ui.link(target=f"/tasks/{task['id']}").classes("ren-task-item")
        link.props(f'data-task="{task["id"]}"').mark(f"task-{task['id']}")
        if fresh:
            link.classes("ren-task-item--new")
        if late:
            link.classes("ren-task-item--late")
        with link:
            with ui.column().classes("gap-1 min-w-0 flex-1"):
                ui.label(task["title"]).classes("ren-task-title")
                if task.get("description"):
                    ui.label(task["description"]).classes("ren-task-text")
                with ui.row().classes("ren-task-meta items-center gap-x-5 gap-y-1"):
                    fact("person", who_for(task))
                    fact("schedule", waiting_for(task["created_at"], now))
                    if task.get("due_at") is not None:
                        fact("event", due, "ren-overdue" if late else "")
                    fact("account_tree", f"From {self._workflow(str(task['workflow_id']))}")
            ui.label("Open").classes("ren-task-open")


def fact(icon: str, text: str, extra: str = "") -> ui.label:
    """One fact about a task with its icon: one element (the icon is drawn by CSS), so a long
    list of cards stays light."""
    label = ui.label(text).classes(f"ren-fact {extra}")
    label.props["data-icon"] = icon
    return label
