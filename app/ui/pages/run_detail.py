"""One run: its status, its workflow graph with each node's state and its steps (both live),
each step's input, output, attempts and idempotency key, a timeline of the steps, the run's
input, output and recent events, and "Re-run from here" on a node of an ended run. Live events
are gathered and applied to the steps grid as one transaction per flush (and to the graph as
the nodes that changed), so a run with thousands of steps never re-sends the table."""

from __future__ import annotations

import time
from typing import Any

from nicegui import events, ui

from app.core.dsl import WorkflowSpec
from app.engine.events import RunEvent
from app.engine.service import Engine, NotFound
from app.store.schema import Event, Run, Step, Wait
from app.ui import queries
from app.ui.fmt import (
    JS_DURATION,
    JS_ESCAPE,
    JS_STATUS_CHIP,
    duration,
    stamp,
)
from app.ui.live import run_events
from app.ui.pages.run_artifacts import RunArtifactsCard
from app.ui.pages.run_controls import RunControls, RunTasks
from app.ui.pages.run_graph import RunGraph
from app.ui.pages.run_graph_state import key_for_node
from app.ui.pages.run_rerun import rerun_origin_of
from app.ui.pages.run_step_panel import StepPanel, json_block
from app.ui.pages.run_timeline import RunTimeline
from app.ui.pages.run_usage import RunUsage
from app.ui.shell import empty_state, fixed_height, frame, require_engine, status_chip

ACTIVE = ("pending", "running", "waiting", "paused")
FLUSH_S = 0.3
LOG_LINES = 500
AUTO_HEIGHT_ROWS = 40
STEP_EVENTS = {
    "step.started": "running",
    "step.completed": "succeeded",
    "step.failed": "failed",
    "step.skipped": "skipped",
    "step.retrying": "retrying",
    "step.waiting": "waiting",
}
CLOCK_STATUSES = ("running", "retrying", "waiting")
GRAPH_HEIGHT_PX = 440  # a step whose duration still grows

STEP_COLUMNS: list[dict[str, Any]] = [
    {
        "field": "name",
        "headerName": "Step",
        "flex": 1,
        "minWidth": 140,
        ":cellRenderer": (
            f"(p) => {{ const e = {JS_ESCAPE}; const d = p.data;"
            " return e(d.name) + (d.key !== d.name"
            " ? '<span class=\"ren-cell-key ren-mono\">' + e(d.key) + '</span>' : ''); }"
        ),
    },
    {"field": "type", "headerName": "Type", "width": 120, "tooltipField": "type"},
    {"field": "status", "headerName": "Status", "width": 125, ":cellRenderer": JS_STATUS_CHIP},
    {"field": "attempt", "headerName": "Attempt", "width": 108, "type": "rightAligned"},
    {
        "colId": "duration",
        "headerName": "Duration",
        "width": 112,
        "type": "rightAligned",
        ":valueGetter": (
            "(p) => { const d = p.data; if (d.started_at == null) return null;"
            f" const end = d.finished_at ?? ({list(CLOCK_STATUSES)}.includes(d.status)"
            " ? Date.now() / 1000 : null);"
            " return end == null ? null : Math.max(0, end - d.started_at); }"
        ),
        ":valueFormatter": f"(p) => ({JS_DURATION})(p.value)",
    },
]


def register() -> None:
    ui.page("/runs/{run_id}")(run_page)


def run_page(run_id: str) -> None:
    with frame("Run", "runs"):
        engine = require_engine()
        if engine is None:
            return
        try:
            run = engine.get_run(run_id)
        except NotFound:
            with ui.column().classes("ren-card w-full"):
                actions = empty_state(
                    "search_off",
                    "No such run",
                    f"There is no run with the id “{run_id}” in this data folder.",
                )
                with actions:
                    ui.button("All runs", on_click=lambda: ui.navigate.to("/runs")).props(
                        "unelevated color=primary"
                    )
            return
        ui.page_title(f"Run {run.id[:8]} · Ren")
        RunView(engine, run)


def waiting_row(wait: Wait, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """A step that sleeps on a wait has no step row until it wakes: show it from its wait
    (whose key is the step's, plus `#n` for a later attempt or `@approval`)."""
    key, _, attempt = wait.node_key.removesuffix("@approval").partition("#")
    name, type_ = names.get(wait.node_id, (wait.node_id, ""))
    return {
        "key": key,
        "node_id": wait.node_id,
        "name": name,
        "type": type_,
        "status": "waiting",
        "waits_for": wait.kind,
        "attempt": int(attempt or 1),
        "started_at": wait.created_at,
        "finished_at": None,
    }


def step_row(step: Step, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    name, type_ = names.get(step.node_id, (step.node_id, ""))
    return {
        "key": step.node_key,
        "node_id": step.node_id,
        "name": name,
        "type": type_,
        "status": step.status,
        "attempt": step.attempt,
        "started_at": step.started_at,
        "finished_at": step.finished_at,
    }


class RunView:
    def __init__(self, engine: Engine, run: Run) -> None:
        self.engine = engine
        self.run = run
        self.status = run.status  # as the live events tell it (the row is read back later)
        self.brief = queries.run_brief(engine, run.id)
        self.spec = self._spec()
        self.names = self._node_names()
        self.rows: dict[str, dict[str, Any]] = {}
        self.added: dict[str, dict[str, Any]] = {}
        self.changed: dict[str, dict[str, Any]] = {}
        self.lines: list[str] = []
        self.expect: str | None = None  # a run status announced by an event, not yet read back
        self.selected: str | None = None

        run_events.subscribe(self.on_event)  # before reading the steps, so none is missed
        self._header()
        RunTasks(engine, run.id)
        self.error_box = ui.column().classes("w-full gap-0")
        self._show_error()
        self.graph: RunGraph | None = None
        with ui.row().classes("w-full gap-5 items-start flex-wrap xl:flex-nowrap"):
            with ui.column().classes("w-full xl:w-auto xl:flex-1 min-w-0 gap-2"):
                if self.spec is not None:
                    ui.label("Graph").classes("ren-card-title")
                    card = ui.element("div").classes("ren-card w-full p-0 overflow-hidden")
                    with card.style(f"height: {GRAPH_HEIGHT_PX}px"):  # the canvas fills it
                        self.graph = RunGraph(engine.catalog, self.spec, self.pick)
                ui.label("Steps").classes("ren-card-title")
                self.grid = self._steps_grid()
            with ui.column().classes("w-full xl:w-[380px] shrink-0 gap-2"):
                ui.label("Step details").classes("ren-card-title")
                self.panel = StepPanel(engine, run.id, run.version_id)
                self._show_detail()
        ui.label("Timeline").classes("ren-card-title")
        with ui.column().classes("ren-card w-full p-3 gap-1"):
            self.timeline = RunTimeline(run.started_at or run.created_at)
        self._show_graph()
        with ui.row().classes("w-full gap-5 items-stretch max-md:flex-wrap"):
            with ui.column().classes("flex-1 min-w-0 gap-2"):
                ui.label("Run input").classes("ren-card-title")
                with ui.column().classes("ren-card w-full p-4"):
                    json_block(run.input, "input")
            with ui.column().classes("flex-1 min-w-0 gap-2"):
                ui.label("Run output").classes("ren-card-title")
                self.output_box = ui.column().classes("ren-card w-full p-4")
                self._show_output()
        with ui.column().classes("w-full gap-2"):
            RunArtifactsCard(engine, run.id)
        with ui.expansion("Event log", icon="receipt_long").classes("ren-card w-full") as log_box:
            log_box.props('header-class="font-semibold" data-testid="event-log"')
            self.log = ui.log(max_lines=LOG_LINES).classes("w-full h-64 ren-mono text-xs")
            for event in queries.recent_events(engine, run.id):
                self.log.push(self._line(event))
        ui.timer(FLUSH_S, self.flush)
        ui.timer(1.0, self.tick)
        ui.timer(1.0, self.reconcile, once=True)

    # -- header ---------------------------------------------------------------------------

    def _spec(self) -> WorkflowSpec | None:
        try:
            return self.engine.workflows.compiled(self.run.version_id).spec
        except Exception:  # a version that cannot be compiled any more still has its steps
            return None

    def _node_names(self) -> dict[str, tuple[str, str]]:
        spec = self.spec
        return {} if spec is None else {node.id: (node.label, node.type) for node in spec.nodes}

    def _show_graph(self) -> None:
        if self.graph is not None:
            self.graph.show(self.rows.values(), self.status)
        self.timeline.show(self.rows.values())

    def _header(self) -> None:
        run, brief = self.run, self.brief
        with ui.row().classes("items-center gap-2 ren-muted text-sm"):
            ui.link("Runs", "/runs").classes("ren-link")
            ui.icon("chevron_right", size="18px")
            ui.label(run.id).classes("ren-mono")
        with ui.row().classes("w-full items-start justify-between gap-4 flex-wrap"):
            with ui.column().classes("gap-1"):
                with ui.row().classes("items-center gap-3"):
                    name = brief.workflow_name if brief else run.workflow_id
                    ui.label(name).classes("ren-title").props('role="heading" aria-level="1"')
                    if brief:
                        ui.label(f"v{brief.version}").classes("ren-muted text-lg")
                    self.chip = status_chip(run.status).props('data-testid="run-status"')
                    self.chip.mark("run-status")
                self.facts = ui.label().classes("ren-subtitle")
                self._show_facts()
                self.tokens = RunUsage(self.engine, run.id, self.spec)
                origin = rerun_origin_of(self.engine, run.id)
                if origin is not None:
                    old, node_id = origin
                    with ui.row().classes("items-center gap-1 ren-small ren-muted"):
                        ui.label("Re-run of")
                        ui.link(old, f"/runs/{old}").classes("ren-link ren-mono").mark("rerun-of")
                        ui.label(f"from {self.names.get(node_id, (node_id, ''))[0]}")
            with ui.row().classes("items-center gap-2"):
                RunControls(self.engine, run.id, run.status)
                ui.button(
                    "Open workflow",
                    icon="account_tree",
                    on_click=lambda: ui.navigate.to(f"/workflows/{run.workflow_id}"),
                ).props("outline color=primary")
                ui.button("Run again", icon="replay", on_click=self.run_again).props(
                    'unelevated color=primary data-testid="run-again"'
                ).mark("run-again").tooltip("Start a new run of this version with the same input")

    def _show_facts(self) -> None:
        run = self.run
        started = run.started_at or run.created_at
        end = run.finished_at or (time.time() if self.status in ACTIVE else None)
        took = duration(end - started) if end is not None else "—"
        finished = f" · finished {stamp(run.finished_at)}" if run.finished_at else ""
        if self.status in ("running", "pending"):
            self.facts.text = f"Started {stamp(started)} · running for {took}"
        elif self.status in ("waiting", "paused"):
            self.facts.text = f"Started {stamp(started)} · {self.status}, {took} since it started"
        else:
            self.facts.text = f"Started {stamp(started)}{finished} · took {took}"

    def _set_status(self, status: str) -> None:
        self.chip.text = status.capitalize()
        self.chip.classes(replace=f"ren-status ren-status--{status}")
        self.chip.props(f'data-status="{status}"')

    def _show_error(self) -> None:
        self.error_box.clear()
        error = self.run.error
        if self.run.status in ("failed", "canceled", "paused") and error:
            message = error.get("message") if isinstance(error, dict) else str(error)
            with self.error_box, ui.element("div").classes("ren-error-box").props('role="alert"'):
                ui.label(f"The run {self.run.status}").classes("font-semibold")
                ui.label(str(message or error)).classes("ren-mono text-sm")

    def _show_output(self) -> None:
        self.output_box.clear()
        with self.output_box:
            if self.run.status in ACTIVE and self.run.output is None:
                ui.label("The output appears here when the run ends.").classes("ren-muted")
            else:
                json_block(self.run.output, "output")

    async def run_again(self) -> None:
        version = self.brief.version if self.brief else None
        try:
            run_id = await self.engine.start_run(
                self.run.workflow_id, self.run.input, version=version
            )
        except Exception as err:
            ui.notify(f"Could not start the run: {err}", type="negative", multi_line=True)
            return
        ui.navigate.to(f"/runs/{run_id}")

    # -- steps ----------------------------------------------------------------------------

    def _steps_grid(self) -> ui.aggrid:
        for step in self.engine.steps(self.run.id):  # by id: later attempts overwrite earlier
            self.rows[step.node_key] = step_row(step, self.names)
        for wait in queries.open_waits(self.engine, self.run.id):
            row = waiting_row(wait, self.names)
            self.rows[row["key"]] = row
        grid = ui.aggrid(
            {
                "columnDefs": STEP_COLUMNS,
                "rowData": list(self.rows.values()),
                ":getRowId": "(p) => p.data.key",
                "rowHeight": 42,
                "domLayout": "autoHeight" if len(self.rows) < AUTO_HEIGHT_ROWS else "normal",
                "headerHeight": 40,
                "animateRows": False,
                "suppressMovableColumns": True,
                "rowSelection": {
                    "mode": "singleRow",
                    "checkboxes": False,
                    "enableClickSelection": True,
                },
                "overlayNoRowsTemplate": '<span class="ren-muted">No steps have run yet.</span>',
            },
            auto_size_columns=False,
        ).classes("ren-grid w-full")
        grid.classes("h-[560px]" if len(self.rows) >= AUTO_HEIGHT_ROWS else "ren-grid-auto")
        grid.on("rowClicked", self._on_row_clicked, args=["data"])
        return grid

    def _on_row_clicked(self, e: events.GenericEventArguments) -> None:
        data = e.args.get("data") or {}
        if data.get("key"):
            self.select(str(data["key"]))

    def select(self, node_key: str) -> None:
        self.selected = node_key
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.rows.get(self.selected, {}) if self.selected else {}
        self.panel.show(self.selected, row, self.status)

    def pick(self, node_id: str) -> None:
        """A node clicked on the graph: show its step (for a node in a loop, one of its items)."""
        key = key_for_node(self.rows, node_id)
        self.selected = key or node_id
        self._show_detail()

    # -- live -----------------------------------------------------------------------------

    def on_event(self, event: RunEvent) -> None:
        if event.run_id != self.run.id:
            return
        if event.type.startswith("run."):
            status = self._status_after(event)
            if status is not None:
                self.status = status
                self.expect = status
        elif event.type in STEP_EVENTS and event.node_key:
            self._step_event(event)
        if event.type != "step.started":
            self.lines.append(self._line(event))

    def _status_after(self, event: RunEvent) -> str | None:
        kind = event.type.removeprefix("run.")
        if kind in ("created", "resumed"):
            return "running"
        return kind if kind in ("succeeded", "failed", "canceled", "paused", "waiting") else None

    def _step_event(self, event: RunEvent) -> None:
        key = event.node_key
        assert key is not None
        data = event.data
        row = self.rows.get(key)
        if row is None:
            node_id = str(data.get("node_id") or key)
            name, type_ = self.names.get(node_id, (node_id, ""))
            row = {"key": key, "node_id": node_id, "name": name, "type": type_}
            row.update(status=None, attempt=1, started_at=None, finished_at=None)
            self.rows[key] = row
            self.added[key] = row
        elif key not in self.added:
            self.changed[key] = row
        row["status"] = STEP_EVENTS[event.type]
        if "attempt" in data:
            row["attempt"] = data["attempt"]
        if event.type == "step.started":
            row["started_at"], row["finished_at"] = event.at, None
        elif event.type == "step.waiting":
            row["waits_for"] = data.get("kind")
            if row["started_at"] is None:
                row["started_at"] = event.at  # an approval waits before its step starts
        elif event.type == "step.skipped":
            row["finished_at"] = event.at
        elif event.type in ("step.completed", "step.failed"):
            row["status"] = data.get("status") or row["status"]
            ms = data.get("ms")
            row["finished_at"] = event.at
            if row["started_at"] is None and isinstance(ms, int | float):
                row["started_at"] = event.at - ms / 1000

    def flush(self) -> None:
        if self.added or self.changed:
            add, self.added = list(self.added.values()), {}
            update, self.changed = list(self.changed.values()), {}
            self.grid.run_grid_method("applyTransaction", {"add": add, "update": update})
            if len(self.rows) >= AUTO_HEIGHT_ROWS and "ren-grid-auto" in self.grid.classes:
                fixed_height(self.grid, "h-[560px]")
            if self.selected is not None and any(r["key"] == self.selected for r in update):
                self._show_detail()
            self._show_graph()
        if self.lines:
            for line in self.lines[-LOG_LINES:]:
                self.log.push(line)
            self.lines = []
        if self.expect is not None:
            self._set_status(self.expect)
            self._show_graph()

    def tick(self) -> None:
        """Keep durations current and read the run back once the engine committed its end."""
        if self.expect is not None:
            fresh = self.engine.get_run(self.run.id)
            if fresh.status == self.expect:
                self.expect = None
                self.run = fresh
                self.status = fresh.status
                self._set_status(fresh.status)
                self._show_error()
                self._show_output()
                self.tokens.refresh()
                self._show_graph()
                if self.selected is not None:
                    self._show_detail()  # "Re-run from here" once the run has ended
        self._show_facts()
        if any(r["status"] in CLOCK_STATUSES for r in self.rows.values()):
            self.grid.run_grid_method("refreshCells", {"columns": ["duration"]})
            self.timeline.show(self.rows.values())

    def reconcile(self) -> None:
        """Pick up steps committed just before this page subscribed (their events were missed)."""
        if self.status not in ACTIVE and self.expect is None:
            return
        for step in self.engine.steps(self.run.id):
            known = self.rows.get(step.node_key)
            if known is None or (known["status"] != step.status and known["status"] != "running"):
                row = step_row(step, self.names)
                (self.changed if known else self.added)[step.node_key] = row
                self.rows[step.node_key] = row

    @staticmethod
    def _line(event: RunEvent | Event) -> str:
        """One line of the event log: time, type, step, then what happened."""
        clock = time.strftime("%H:%M:%S", time.localtime(event.at))
        data = event.data or {}
        parts = [event.node_key or ""]
        if isinstance(data.get("ms"), int | float):
            parts.append(f"{data['ms']:.0f} ms")
        if event.type == "progress" and data.get("total"):
            parts.append(f"{data.get('done')}/{data['total']}")
        if event.type in ("log", "progress") and data.get("message"):
            parts.append(str(data["message"]))
        error = data.get("error")
        if error:
            parts.append(str(error.get("message") if isinstance(error, dict) else error))
        return f"{clock}  {event.type:<15} " + " · ".join(p for p in parts if p)
