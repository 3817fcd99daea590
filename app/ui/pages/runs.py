"""The runs page: every run, newest first, filtered by status (and workflow), kept current with
AG Grid transactions: an event changes one row, the list is never sent again."""

from __future__ import annotations

from typing import Any

from nicegui import events, ui

from app.engine.events import RunEvent
from app.engine.service import Engine
from app.store.reads import RunBrief
from app.ui import queries
from app.ui.fmt import JS_AGO, JS_DURATION, JS_ESCAPE, JS_STAMP, JS_STATUS_CHIP
from app.ui.live import run_events
from app.ui.shell import empty_state, fixed_height, frame, page_heading, require_engine

FILTERS: tuple[tuple[str, str], ...] = (
    ("", "All"),
    ("running", "Running"),
    ("waiting", "Waiting"),
    ("paused", "Paused"),
    ("succeeded", "Succeeded"),
    ("failed", "Failed"),
    ("canceled", "Canceled"),
)
ACTIVE = ("pending", "running", "waiting", "paused")
EVENT_STATUS = {"run.created": "running", "run.resumed": "running"}
FLUSH_S = 0.4


def register() -> None:
    ui.page("/runs")(runs_page)


def runs_page(status: str = "", workflow: str = "") -> None:
    with frame("Runs", "runs"):
        engine = require_engine()
        if engine is not None:
            RunsPage(engine, status, workflow)


def run_row(brief: RunBrief) -> dict[str, Any]:
    return {
        "id": brief.id,
        "workflow_id": brief.workflow_id,
        "workflow": brief.workflow_name,
        "version": f"v{brief.version}",
        "status": brief.status,
        "created_at": brief.created_at,
        "started_at": brief.started_at or brief.created_at,
        "finished_at": brief.finished_at,
    }


def status_after(event: RunEvent) -> str | None:
    """The run's status once this event is committed (None: the event does not change it)."""
    if event.type in EVENT_STATUS:
        return EVENT_STATUS[event.type]
    kind = event.type.removeprefix("run.")
    return kind if kind in {"succeeded", "failed", "canceled", "paused", "waiting"} else None


GRID_COLUMNS: list[dict[str, Any]] = [
    {"field": "status", "headerName": "Status", "width": 140, ":cellRenderer": JS_STATUS_CHIP},
    {
        "field": "workflow",
        "headerName": "Workflow",
        "flex": 3,
        "minWidth": 200,
        ":cellRenderer": (
            f"(p) => {{ const e = {JS_ESCAPE}; return e(p.value)"
            " + '<span class=\"ren-cell-sub\">' + e(p.data.version) + '</span>'; }"
        ),
    },
    {"field": "id", "headerName": "Run", "flex": 2, "minWidth": 230, "cellClass": "ren-mono"},
    {
        "field": "started_at",
        "headerName": "Started",
        "width": 140,
        "sort": "desc",
        ":valueFormatter": f"(p) => ({JS_AGO})(p.value)",
        ":tooltipValueGetter": f"(p) => ({JS_STAMP})(p.value)",
    },
    {
        "colId": "duration",
        "headerName": "Duration",
        "width": 130,
        "type": "rightAligned",
        ":valueGetter": (
            "(p) => { const d = p.data; const active = "
            + str(list(ACTIVE))
            + ".includes(d.status);"
            " const end = d.finished_at ?? (active ? Date.now() / 1000 : null);"
            " return end == null ? null : Math.max(0, end - d.started_at); }"
        ),
        ":valueFormatter": f"(p) => ({JS_DURATION})(p.value)",
    },
]
AUTO_HEIGHT_ROWS = 60
LIST_HEIGHT = "h-[calc(100vh-250px)] min-h-[320px]"


class RunsPage:
    def __init__(self, engine: Engine, status: str, workflow: str) -> None:
        self.engine = engine
        self.status = status if status in dict(FILTERS) else ""
        self.workflow = workflow
        self.rows: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, RunEvent] = {}
        self.grid: ui.aggrid | None = None
        self.counts_stale = False

        name = (queries.workflow_name(engine, workflow) or workflow) if workflow else ""
        subtitle = f"The runs of “{name}”" if workflow else "Every run of every workflow"
        actions = page_heading("Runs", f"{subtitle}, newest first.")
        with actions:
            if workflow:
                ui.chip(
                    f"Workflow: {name}", removable=True, on_value_change=self.clear_workflow
                ).props("outline color=primary").classes("m-0")
        self.filter = ui.toggle(
            self._filter_labels(), value=self.status, on_change=self._on_filter
        ).props('no-caps unelevated toggle-color=primary padding="4px 12px" data-testid="filter"')
        self.filter.classes("ren-card").mark("filter")
        self.body = ui.column().classes("w-full gap-3")
        with self.body:
            self.content()
        run_events.subscribe(self.on_event)
        ui.timer(FLUSH_S, self.flush)
        ui.timer(1.0, self.tick)

    # -- the list -------------------------------------------------------------------------

    def _filter_labels(self) -> dict[str, str]:
        counts = queries.run_counts(self.engine, self.workflow or None)
        total = sum(counts.values())
        labels = {}
        for key, label in FILTERS:
            n = total if key == "" else counts.get(key, 0)
            labels[key] = f"{label} · {n}" if n else label
        return labels

    def _load(self) -> list[RunBrief]:
        return queries.run_briefs(self.engine, self.status or None, self.workflow or None)

    @ui.refreshable_method
    def content(self) -> None:
        briefs = self._load()
        self.rows = {brief.id: run_row(brief) for brief in briefs}
        self.grid = None
        if not briefs and not self.status and not self.workflow:
            with ui.column().classes("ren-card w-full"):
                actions = empty_state(
                    "history",
                    "No runs yet",
                    "Runs appear here as soon as a workflow starts: from the editor's Run button, "
                    "from `ren run`, or from Python. Each run keeps every step's input and output.",
                )
                with actions:
                    ui.button(
                        "Go to workflows", on_click=lambda: ui.navigate.to("/workflows")
                    ).props("unelevated color=primary")
            return
        label = dict(FILTERS)[self.status].lower()
        empty = f"No {label} runs" if self.status else "No runs of this workflow yet"
        self.grid = ui.aggrid(
            {
                "columnDefs": GRID_COLUMNS,
                "rowData": list(self.rows.values()),
                ":getRowId": "(p) => p.data.id",
                "rowHeight": 46,
                "domLayout": "autoHeight" if len(briefs) < AUTO_HEIGHT_ROWS else "normal",
                "headerHeight": 40,
                "animateRows": False,
                "suppressMovableColumns": True,
                "tooltipShowDelay": 400,
                "overlayNoRowsTemplate": f'<span class="ren-muted">{empty}</span>',
                ":onCellKeyDown": (
                    "(p) => { if (p.event.key === 'Enter') "
                    "window.location.assign('/runs/' + encodeURIComponent(p.data.id)); }"
                ),
            },
            auto_size_columns=False,
        ).classes("ren-grid w-full")
        self.grid.classes(LIST_HEIGHT if len(briefs) >= AUTO_HEIGHT_ROWS else "ren-grid-auto")
        self.grid.on("rowClicked", self._on_row_clicked, args=["data"])
        if len(briefs) >= queries.RUN_LIST_LIMIT:
            ui.label(
                f"Showing the newest {queries.RUN_LIST_LIMIT} runs. Filter by status or "
                "workflow to see others."
            ).classes("ren-muted ren-small")

    def _on_filter(self, e: events.ValueChangeEventArguments[str]) -> None:
        self.status = e.value or ""
        query = "&".join(
            f"{k}={v}" for k, v in (("status", self.status), ("workflow", self.workflow)) if v
        )
        ui.navigate.history.replace("/runs" + (f"?{query}" if query else ""))
        self.pending.clear()
        self.content.refresh()

    def clear_workflow(self) -> None:
        ui.navigate.to(f"/runs?status={self.status}" if self.status else "/runs")

    def _on_row_clicked(self, e: events.GenericEventArguments) -> None:
        data = e.args.get("data") or {}
        if data.get("id"):
            ui.navigate.to(f"/runs/{data['id']}")

    # -- live updates ---------------------------------------------------------------------

    def on_event(self, event: RunEvent) -> None:
        if event.type.startswith("run."):
            self.pending[event.run_id] = event

    def _matches(self, row: dict[str, Any]) -> bool:
        return (not self.status or row["status"] == self.status) and (
            not self.workflow or row["workflow_id"] == self.workflow
        )

    def flush(self) -> None:
        """Apply the run events gathered since the last flush as one grid transaction."""
        if not self.pending:
            if self.counts_stale:
                self.counts_stale = False
                self.filter.set_options(self._filter_labels(), value=self.status)
            return
        events_, self.pending = self.pending, {}
        if self.grid is None:  # the empty state is showing: draw the list
            self.content.refresh()
            self.filter.set_options(self._filter_labels(), value=self.status)
            return
        add: list[dict[str, Any]] = []
        update: list[dict[str, Any]] = []
        remove: list[dict[str, Any]] = []
        for run_id, event in events_.items():
            row = self.rows.get(run_id)
            if row is None:
                brief = queries.run_brief(self.engine, run_id)
                if brief is None:
                    continue
                row = run_row(brief)
                fresh = True
            else:
                fresh = False
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
        if add or update or remove:
            self.grid.run_grid_method(
                "applyTransaction", {"add": add, "addIndex": 0, "update": update, "remove": remove}
            )
            if len(self.rows) >= AUTO_HEIGHT_ROWS and "ren-grid-auto" in self.grid.classes:
                fixed_height(self.grid, LIST_HEIGHT)
        self.filter.set_options(self._filter_labels(), value=self.status)
        self.counts_stale = True  # count again once the engine has committed these events

    def tick(self) -> None:
        """Keep running durations and relative times current."""
        if self.grid is not None and any(r["status"] in ACTIVE for r in self.rows.values()):
            self.grid.run_grid_method("refreshCells", {"columns": ["duration", "started_at"]})
