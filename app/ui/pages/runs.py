"""The runs page: every run, newest first, a page of 50 at a time read on the server (keyset
pages, app.store.paging), filtered by status, workflow, days and a search over run id and
input. The page is kept current with AG Grid transactions: an event changes one row, the list
is never sent again. Reads run on a worker thread, never on the event loop."""

from __future__ import annotations

from typing import Any

from nicegui import events, run, ui

from app.engine.events import RunEvent
from app.engine.service import Engine
from app.store import reads
from app.store.paging import (
    PAGE_SIZE,
    Cursor,
    Page,
    RunFilter,
    count_runs_by_status,
    count_runs_matching,
    run_page,
)
from app.store.reads import RunBrief
from app.ui import queries
from app.ui.live import run_events
from app.ui.pages.run_list_query import RunQuery
from app.ui.pages.run_list_rows import ACTIVE, GRID_COLUMNS, run_row, status_after
from app.ui.shell import empty_state, fixed_height, frame, require_engine

FILTERS: tuple[tuple[str, str], ...] = (
    ("", "All"),
    ("running", "Running"),
    ("waiting", "Waiting"),
    ("paused", "Paused"),
    ("succeeded", "Succeeded"),
    ("failed", "Failed"),
    ("canceled", "Canceled"),
)
FLUSH_S = 0.4


def register() -> None:
    ui.page("/runs")(runs_page)


async def runs_page(
    status: str = "", workflow: str = "", q: str = "", since: str = "", until: str = ""
) -> None:
    with frame("Runs", "runs"):
        engine = require_engine()
        if engine is not None:
            page = RunsPage(engine, RunQuery.of(status, workflow, q, since, until))
            await page.load()


AUTO_HEIGHT_ROWS = 60
LIST_HEIGHT = "h-[calc(100vh-250px)] min-h-[320px]"


def read_page(engine: Engine, where: RunFilter, after: Cursor | None) -> tuple[Page[RunBrief], int]:
    """One page of runs and how many match in all (on a worker thread)."""
    with engine.store.session() as session:
        return run_page(session, where, after), count_runs_matching(session, where)


def read_choices(engine: Engine, workflow_id: str) -> tuple[dict[str, str], dict[str, int]]:
    """The workflow filter's choices (id → name) and the runs per status (on a worker thread)."""
    with engine.store.session() as session:
        names = {w.id: w.name for w in reads.list_workflows(session)}
        if workflow_id and workflow_id not in names:  # a deleted workflow keeps its runs
            gone = reads.get_workflow_any(session, workflow_id)
            names[workflow_id] = gone.name if gone else workflow_id
        counts = count_runs_by_status(session, workflow_id or None)
    return names, counts


class RunsPage:
    def __init__(self, engine: Engine, query: RunQuery) -> None:
        self.engine = engine
        self.query = query
        self.rows: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, RunEvent] = {}
        self.grid: ui.aggrid | None = None
        self.counts_stale = False
        self.cursors: list[Cursor | None] = [None]  # the cursor each page up to this one starts at
        self.next: Cursor | None = None
        self.total = 0
        self.counts: dict[str, int] = {}
        self.reads = 0  # pages asked for: only the latest one is drawn

        with ui.column().classes("gap-0"):
            ui.label("Runs").classes("ren-title").props('role="heading" aria-level="1"')
            self.subtitle = ui.label("").classes("ren-subtitle")
        self.filter = ui.toggle(dict(FILTERS), value=query.status, on_change=self._on_status).props(
            'no-caps unelevated toggle-color=primary padding="4px 12px" data-testid="filter"'
        )
        self.filter.classes("ren-card").mark("filter")
        with ui.row().classes("w-full items-center gap-x-3 gap-y-2 flex-wrap"):
            self.workflow = (
                ui.select({"": "All workflows"}, value="", on_change=self._on_workflow)
                .props('outlined dense options-dense aria-label="Workflow"')
                .classes("w-60")
                .mark("workflow-filter")
            )
            self.search = (
                ui.input(placeholder="Search run id or input", value=query.search)
                .props('outlined dense clearable debounce=300 aria-label="Search"')
                .classes("w-72")
                .mark("run-search")
            )
            self.search.on_value_change(self._on_search)
            self.since = self._day_input("From", query.since, "since")
            self.until = self._day_input("To", query.until, "until")
        self.body = ui.column().classes("w-full gap-3")
        self.pager = ui.row().classes("w-full items-center justify-end gap-2")
        self.pager.set_visibility(False)  # until the first page is read
        with self.pager:
            self.page_label = ui.label("").classes("ren-muted text-sm").mark("page-label")
            self.newer = ui.button("Newer", icon="chevron_left", on_click=self.newer_page)
            self.newer.props("flat no-caps color=primary").mark("newer")
            self.older = ui.button("Older", on_click=self.older_page)
            self.older.props("flat no-caps color=primary icon-right=chevron_right").mark("older")
        run_events.subscribe(self.on_event)

    def _day_input(self, label: str, value: str, marker: str) -> ui.input:
        field = ui.input(label, value=value).props(
            f'type=date outlined dense clearable aria-label="{label}"'
        )
        field.classes("w-44").mark(marker)
        field.on_value_change(self._on_days)
        return field

    # -- loading --------------------------------------------------------------------------

    async def load(self) -> None:
        """The filter choices and the first page, read together on a worker thread."""
        found = await run.io_bound(self._read_all)
        if found is None:  # the app is stopping
            return
        (names, self.counts), (page, self.total) = found
        self.workflow.set_options({"": "All workflows", **names}, value=self.query.workflow)
        self._status_labels()
        self._subtitle(names)
        self._show(page)
        # timers wait for the browser's connection: made before the first page was read, they
        # would send the page without its list (which then follows over the websocket)
        ui.timer(FLUSH_S, self.flush)
        ui.timer(1.0, self.tick)

    def _read_all(self) -> tuple[tuple[dict[str, str], dict[str, int]], tuple[Page[RunBrief], int]]:
        choices = read_choices(self.engine, self.query.workflow)
        return choices, read_page(self.engine, self.query.filter(), self.cursors[-1])

    async def _choices(self) -> None:
        found = await run.io_bound(read_choices, self.engine, self.query.workflow)
        if found is None:  # the app is stopping
            return
        names, self.counts = found
        self.workflow.set_options({"": "All workflows", **names}, value=self.query.workflow)
        self._status_labels()
        self._subtitle(names)

    def _subtitle(self, names: dict[str, str]) -> None:
        workflow = self.query.workflow
        whose = f"The runs of “{names.get(workflow, workflow)}”" if workflow else "Every run"
        self.subtitle.text = f"{whose}, newest first."

    def _status_labels(self) -> None:
        total = sum(self.counts.values())
        labels = {}
        for key, label in FILTERS:
            n = total if key == "" else self.counts.get(key, 0)
            labels[key] = f"{label} · {n:,}" if n else label
        self.filter.set_options(labels, value=self.query.status)

    async def show_page(self) -> None:
        self.reads += 1
        mine = self.reads
        found = await run.io_bound(read_page, self.engine, self.query.filter(), self.cursors[-1])
        if found is None or mine != self.reads:  # the app is stopping, or a newer read is on
            return
        page, self.total = found
        self._show(page)

    def _show(self, page: Page[RunBrief]) -> None:
        self.next = page.next
        self.pending.clear()
        self.body.clear()
        with self.body:
            self._draw(page.rows)
        self._show_pager()

    def _show_pager(self) -> None:
        first = (len(self.cursors) - 1) * PAGE_SIZE
        shown = len(self.rows)
        self.pager.set_visibility(self.total > 0)
        self.page_label.text = (
            f"Runs {first + 1:,}–{first + shown:,} of {self.total:,}" if shown else ""
        )
        self.newer.set_enabled(len(self.cursors) > 1)
        self.older.set_enabled(self.next is not None)
        one_page = len(self.cursors) == 1 and self.next is None
        self.newer.set_visibility(not one_page)
        self.older.set_visibility(not one_page)

    async def older_page(self) -> None:
        if self.next is not None:
            self.cursors.append(self.next)
            await self.show_page()

    async def newer_page(self) -> None:
        if len(self.cursors) > 1:
            self.cursors.pop()
            await self.show_page()

    def _draw(self, briefs: list[RunBrief]) -> None:
        self.rows = {brief.id: run_row(brief) for brief in briefs}
        self.grid = None
        if not briefs and not self.query.any and len(self.cursors) == 1:
            with ui.column().classes("ren-card w-full"):
                actions = empty_state(
                    "history",
                    "No runs yet",
                    "Runs appear here as soon as a workflow starts: from the editor's Run button, "
                    "from “ren run”, or from Python. Each run keeps every step's input and output.",
                )
                with actions:
                    ui.button(
                        "Go to workflows", on_click=lambda: ui.navigate.to("/workflows")
                    ).props("unelevated color=primary")
            return
        if not briefs:
            with ui.column().classes("ren-card w-full"):
                actions = empty_state(
                    "filter_alt_off",
                    "No runs match these filters",
                    "Change the status, workflow, days or search to see other runs.",
                )
                with actions:
                    ui.button("Clear filters", on_click=self.clear_filters).props(
                        "outline color=primary"
                    ).mark("clear-run-filters")
            return
        self.grid = ui.aggrid(
            {
                "columnDefs": GRID_COLUMNS,
                "rowData": list(self.rows.values()),
                ":getRowId": "(p) => p.data.id",
                "rowHeight": 46,
                "domLayout": "autoHeight",
                "headerHeight": 40,
                "animateRows": False,
                "suppressMovableColumns": True,
                "tooltipShowDelay": 400,
                ":onCellKeyDown": (
                    "(p) => { if (p.event.key === 'Enter') "
                    "window.location.assign('/runs/' + encodeURIComponent(p.data.id)); }"
                ),
            },
            auto_size_columns=False,
        ).classes("ren-grid ren-grid-auto w-full")
        self.grid.on("rowClicked", self._on_row_clicked, args=["data"])

    # -- filters --------------------------------------------------------------------------

    async def _apply(self, query: RunQuery, recount: bool = False) -> None:
        if query == self.query:
            return
        self.query = query
        ui.navigate.history.replace(query.url())
        self.cursors = [None]
        if recount:
            await self._choices()
        await self.show_page()

    async def clear_filters(self) -> None:
        for field in (self.search, self.since, self.until):
            field.value = ""  # their change handlers are told, but the query below wins
        self.filter.value = ""
        self.workflow.value = ""
        await self._apply(RunQuery(), recount=True)

    async def _on_status(self, e: events.ValueChangeEventArguments[str]) -> None:
        await self._apply(self.query.with_(status=e.value or ""))

    async def _on_workflow(self, e: events.ValueChangeEventArguments[Any]) -> None:
        await self._apply(self.query.with_(workflow=str(e.value or "")), recount=True)

    async def _on_search(self, e: events.ValueChangeEventArguments[Any]) -> None:
        await self._apply(self.query.with_(search=str(e.value or "").strip()))

    async def _on_days(self, _: events.ValueChangeEventArguments[Any]) -> None:
        since, until = str(self.since.value or ""), str(self.until.value or "")
        await self._apply(
            RunQuery.of(self.query.status, self.query.workflow, self.query.search, since, until)
        )

    def _on_row_clicked(self, e: events.GenericEventArguments) -> None:
        data = e.args.get("data") or {}
        if data.get("id"):
            ui.navigate.to(f"/runs/{data['id']}")

    # -- live updates ---------------------------------------------------------------------

    def on_event(self, event: RunEvent) -> None:
        if event.type.startswith("run."):
            self.pending[event.run_id] = event

    def _matches(self, row: dict[str, Any]) -> bool:
        query = self.query
        return (not query.status or row["status"] == query.status) and (
            not query.workflow or row["workflow_id"] == query.workflow
        )

    def _takes_new_runs(self) -> bool:
        """New runs go on top of the first page (a later page or a search waits for a reload)."""
        return len(self.cursors) == 1 and not self.query.narrowed

    async def flush(self) -> None:
        """Apply the run events gathered since the last flush as one grid transaction."""
        if not self.pending:
            if self.counts_stale:
                self.counts_stale = False
                await self._choices()
            return
        events_, self.pending = self.pending, {}
        if self.grid is None:  # the empty state is showing: draw the list
            await self._choices()
            await self.show_page()
            return
        add: list[dict[str, Any]] = []
        update: list[dict[str, Any]] = []
        remove: list[dict[str, Any]] = []
        for run_id, event in events_.items():
            row = self.rows.get(run_id)
            fresh = row is None
            if row is None:
                if not self._takes_new_runs() or event.type != "run.created":
                    continue
                brief = await run.io_bound(queries.run_brief, self.engine, run_id)
                if brief is None:
                    continue
                row = run_row(brief)
            status = status_after(event)
            if status is not None:
                row["status"] = status
                row["finished_at"] = None if status in ACTIVE else event.at
            if not self._matches(row):
                if not fresh:
                    remove.append({"id": run_id})
                    del self.rows[run_id]
                continue
            self.rows[run_id] = row
            (add if fresh else update).append(row)
        if self.grid is None or self.grid.is_deleted:
            return
        if add or update or remove:
            self.grid.run_grid_method(
                "applyTransaction", {"add": add, "addIndex": 0, "update": update, "remove": remove}
            )
            self.total += len(add) - len(remove)
            self._show_pager()
            if len(self.rows) >= AUTO_HEIGHT_ROWS and "ren-grid-auto" in self.grid.classes:
                fixed_height(self.grid, LIST_HEIGHT)
        self.counts_stale = True  # count again once the engine has committed these events

    def tick(self) -> None:
        """Keep running durations and relative times current."""
        if self.grid is not None and any(r["status"] in ACTIVE for r in self.rows.values()):
            self.grid.run_grid_method("refreshCells", {"columns": ["duration", "started_at"]})
