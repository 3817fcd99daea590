"""The inbox: tasks that wait for a person, as large cards that open the task.

Plain words for someone who has never seen a workflow: what is asked, who it is for, how long
it has waited, when it is due (red when overdue) and which workflow asks. "Only mine" keeps
the tasks for the name typed next to it (and tasks for anyone); a search and filters by
workflow, assignee and due time narrow the list. Tasks are read 50 at a time on the server
(keyset pages, app.store.paging) on a worker thread; "Show 50 more" adds the next page's cards
below the others without drawing them again. The list follows the engine: a new task appears
and an answered one disappears without a reload (app.ui.task_count).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nicegui import events, run, ui

from app.asset_paths import asset
from app.auth.page_access import task_scope
from app.engine.service import Engine
from app.store.paging import (
    PAGE_SIZE,
    Cursor,
    Page,
    TaskFilter,
    TaskOrder,
    count_tasks_matching,
    open_task_assignees,
    open_task_workflows,
    task_page,
)
from app.ui import task_count
from app.ui.pages.inbox_cards import TaskCard, fact, signature
from app.ui.person import my_name, prefs, set_my_name
from app.ui.shell import empty_state, frame, page_heading, require_engine
from app.ui.task_text import plural

__all__ = ["fact", "register"]

CSS = asset("css/people.css")
MAX_CARDS = PAGE_SIZE  # cards drawn at first; "Show 50 more" draws more
TICK_S = 60.0  # "waiting 5 minutes" and overdue marks stay current
ONLY_MINE_KEY = "inbox.only_mine"
SORT_KEY = "inbox.sort"
SORTS: dict[str, str] = {
    "due": "Due soonest first",
    "oldest": "Waiting longest first",
    "newest": "Newest first",
}
DUES: dict[str, str] = {
    "": "Any due time",
    "overdue": "Overdue",
    "today": "Due today",
    "week": "Due this week",
    "none": "No due time",
}
ANYONE = "-"  # the assignee filter's value for tasks assigned to nobody


def register() -> None:
    ui.add_css(CSS, shared=True)  # the inbox's, the task page's and the schedules page's styles
    ui.page("/inbox")(inbox_page)


async def inbox_page(q: str = "", workflow: str = "", assignee: str = "", due: str = "") -> None:
    with frame("Inbox", "inbox"):
        engine = require_engine()
        if engine is not None:
            page = InboxPage(engine, q, workflow, assignee, due)
            await page.reload()
            # made after the first read: a timer waits for the browser's connection, and made
            # before, the page would be sent without its cards (they would follow)
            ui.timer(TICK_S, page.tick, immediate=False)


def end_of_today(now: float) -> float:
    today = datetime.fromtimestamp(now).date()
    return datetime.combine(today + timedelta(days=1), datetime.min.time()).timestamp()


@dataclass
class Found:
    """What one read gives the page: tasks, how many match, how many are open, the choices."""

    page: Page[dict[str, Any]]
    matching: int
    total: int
    workflows: list[tuple[str, str]]
    assignees: list[str]


class InboxPage:
    def __init__(self, engine: Engine, q: str, workflow: str, assignee: str, due: str) -> None:
        self.engine = engine
        self.only_for = task_scope()  # an assignee's "my tasks" (None: every task)
        store = prefs()
        self.only_mine = bool(store.get(ONLY_MINE_KEY, False))
        order = str(store.get(SORT_KEY, "due"))
        self.order: TaskOrder = order if order in SORTS else "due"  # type: ignore[assignment]
        self.cards: dict[str, TaskCard] = {}
        self.shown: list[str] = []  # card ids, top to bottom
        self.seen: set[str] = set()
        self.next: Cursor | None = None
        self.loaded = False
        self.reads = 0

        actions = page_heading(
            "My tasks" if self.only_for is not None else "Inbox",
            "Questions and approvals waiting for a person. Open one to answer it.",
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
                .classes("w-36")
                .mark("inbox-name")
            )
            self.search = (
                ui.input(placeholder="Search tasks", value=q.strip())
                .props('outlined dense debounce=300 aria-label="Search tasks" clearable')
                .classes("w-44")
                .mark("inbox-search")
            )
            self.search.on_value_change(self._on_filter)
            self.workflow = self._select({"": "All workflows"}, workflow, "Workflow", "workflow")
            self.assignee = self._select({"": "Anyone's"}, assignee, "Assignee", "assignee")
            self.due = self._select(DUES, due if due in DUES else "", "Due", "due")
        self.summary = ui.label("").classes("ren-muted text-sm").mark("inbox-summary")
        self.listing = ui.column().classes("ren-task-list w-full").mark("inbox-list")
        self.more = ui.row().classes("w-full items-center justify-center gap-3")
        task_count.changed.subscribe(lambda _count: self.follow())

    def _select(self, options: dict[str, str], value: str, label: str, name: str) -> ui.select:
        if value and value not in options:
            options = {**options, value: value}  # choices arrive with the first read
        select = ui.select(options, value=value, on_change=self._on_filter)
        select.props(f'outlined dense options-dense aria-label="{label}"').classes("w-40")
        return select.mark(f"inbox-{name}")

    # -- settings -------------------------------------------------------------------------

    async def _on_sort(self, e: events.ValueChangeEventArguments[Any]) -> None:
        order = str(e.value or "due")
        self.order = order if order in SORTS else "due"  # type: ignore[assignment]
        prefs()[SORT_KEY] = self.order
        await self.reload()

    async def _on_only_mine(self, e: events.ValueChangeEventArguments[Any]) -> None:
        self.only_mine = bool(e.value)
        prefs()[ONLY_MINE_KEY] = self.only_mine
        await self.reload()
        if self.only_mine and not self._name():
            self.name.run_method("focus")

    async def _on_name(self, e: events.ValueChangeEventArguments[Any]) -> None:
        set_my_name(str(e.value or ""))
        if self.only_mine:
            await self.reload()

    async def _on_filter(self, _: events.ValueChangeEventArguments[Any]) -> None:
        pairs = {
            "q": str(self.search.value or "").strip(),
            "workflow": str(self.workflow.value or ""),
            "assignee": str(self.assignee.value or ""),
            "due": str(self.due.value or ""),
        }
        query = "&".join(f"{k}={v}" for k, v in pairs.items() if v)
        ui.navigate.history.replace("/inbox" + (f"?{query}" if query else ""))
        await self.reload()

    def _name(self) -> str:
        return str(self.name.value or "").strip()

    def _filter(self) -> TaskFilter:
        now = time.time()
        due = str(self.due.value or "")
        return TaskFilter(
            workflow_id=str(self.workflow.value or "") or None,
            person=self._name() if self.only_mine and self._name() else None,
            assignee=str(self.assignee.value or "") or None,
            due=due if due in DUES else "",  # type: ignore[arg-type]
            search=str(self.search.value or ""),
            now=now,
            end_of_today=end_of_today(now),
            only_for=self.only_for,
        )

    @property
    def _narrowed(self) -> bool:
        return bool(
            self.search.value or self.workflow.value or self.assignee.value or self.due.value
        )

    # -- reading (on a worker thread) -----------------------------------------------------

    def _read(self, where: TaskFilter, after: Cursor | None, limit: int) -> Found:
        with self.engine.store.session() as session:
            return Found(
                task_page(session, where, self.order, after, limit),
                count_tasks_matching(session, where),
                count_tasks_matching(session, TaskFilter(only_for=self.only_for)),
                open_task_workflows(session),
                open_task_assignees(session),
            )

    async def _fetch(self, after: Cursor | None = None, limit: int = PAGE_SIZE) -> Found | None:
        """Read on a worker thread; None when the app is stopping, the page is gone, or a
        later read started meanwhile (only the latest read is shown)."""
        self.reads += 1
        mine = self.reads
        found = await run.io_bound(self._read, self._filter(), after, limit)
        if mine != self.reads or self.listing.is_deleted:
            return None
        return found

    # -- the list -------------------------------------------------------------------------

    async def reload(self) -> None:
        """Read the first page again and draw it (a filter or the order changed)."""
        found = await self._fetch()
        if found is None:
            return
        self.listing.clear()
        self.cards.clear()
        self.shown = []
        self._apply(found, append=True)
        self.loaded = True

    async def show_more(self) -> None:
        """Add the next page's cards below the others (nothing already drawn is drawn again)."""
        if self.next is None:
            return
        found = await self._fetch(self.next)
        if found is not None:
            self._apply(found, append=True)

    async def follow(self) -> None:
        """Tasks came or went: read the rows shown so far again and change only what differs."""
        if not self.loaded or self.listing.is_deleted:
            return
        found = await self._fetch(limit=max(PAGE_SIZE, len(self.shown)))
        if found is None:
            return
        self._apply(found, append=False)

    def _apply(self, found: Found, append: bool) -> None:
        """Show `found`: its rows added below (`append`), or as the list's new content."""
        self._choices(found)
        now = time.time()
        rows = found.page.rows
        if append:
            for task in rows:
                self._add(task, now, fresh=False)
        else:
            self._merge(rows, now)
        self.next = found.page.next
        self.seen |= {t["id"] for t in rows}
        self._summary(found.total, found.matching)
        self._footer(found.matching)
        self._empty(found.total)

    def _add(self, task: dict[str, Any], now: float, fresh: bool) -> TaskCard:
        with self.listing:
            card = TaskCard(task, now, fresh)
        self.cards[task["id"]] = card
        self.shown.append(task["id"])
        return card

    def _merge(self, rows: list[dict[str, Any]], now: float) -> None:
        """Make the cards match `rows`: remove the gone, add the new where they belong."""
        by_id = {t["id"]: t for t in rows}
        if not self.shown:
            self.listing.clear()  # the empty state
        for task_id in self.shown:
            card = self.cards[task_id]
            if task_id not in by_id or signature(by_id[task_id]) != card.signature:
                self.cards.pop(task_id).delete()  # gone, or reassigned: drawn again below
        for index, task in enumerate(rows):
            if task["id"] not in self.cards:
                card = self._add(task, now, fresh=task["id"] not in self.seen)
                card.link.move(self.listing, target_index=index)
        self.shown = [t["id"] for t in rows]

    def _choices(self, found: Found) -> None:
        workflows = {"": "All workflows", **dict(found.workflows)}
        assignees = {"": "Anyone's", ANYONE: "Assigned to nobody"}
        assignees.update({name: name for name in found.assignees})
        for select, options in ((self.workflow, workflows), (self.assignee, assignees)):
            value = str(select.value or "")
            if value and value not in options:
                options[value] = value
            if options != select.options:
                select.set_options(options, value=value)

    def _footer(self, matching: int) -> None:
        self.more.clear()
        if self.next is None:
            return
        with self.more:
            ui.label(f"Showing the first {len(self.shown)} of {matching} tasks.").classes(
                "ren-muted text-sm"
            )
            ui.button(f"Show {PAGE_SIZE} more", on_click=self.show_more).props(
                "flat color=primary no-caps"
            ).mark("show-more")

    def _summary(self, total: int, matching: int) -> None:
        name = self._name()
        if self.only_mine and name:
            text = f"{plural(matching, 'task')} for {name} or for anyone · {total} open in all"
        elif self.only_mine:
            text = "Type your name to see only your tasks."
        elif self._narrowed:
            text = f"{plural(matching, 'task')} match · {total} open in all"
        else:
            text = f"{plural(total, 'open task')}"
        self.summary.text = text

    def _empty(self, total: int) -> None:
        """The friendly block when no card shows (drawn into the list, which is empty)."""
        if self.shown:
            return
        self.listing.clear()
        with self.listing, ui.column().classes("ren-card w-full"):
            name = self._name()
            if total and self._narrowed:
                actions = empty_state(
                    "filter_alt_off",
                    "No task matches",
                    f"{plural(total, 'task')} {'is' if total == 1 else 'are'} open. Change the "
                    "search or the filters to see them.",
                )
                with actions:
                    ui.button("Clear filters", on_click=self.clear_filters).props(
                        "outline color=primary"
                    ).mark("clear-filters")
                return
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

    async def clear_filters(self) -> None:
        for field in (self.search, self.workflow, self.assignee, self.due):
            field.set_value("")

    def tick(self) -> None:
        now = time.time()
        for card in self.cards.values():
            card.tick(now)
