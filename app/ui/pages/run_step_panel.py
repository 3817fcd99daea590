"""The run page's step details: the selected step's state, timing, attempts, error, input,
output, files, the ports it fired and its idempotency key, and "Re-run from here" when the
run has ended."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nicegui import ui

from app.engine.rerun import ENDED
from app.engine.service import Engine
from app.store.schema import Step
from app.ui import queries
from app.ui.fmt import duration, pretty_json, stamp
from app.ui.pages.run_artifacts import step_artifacts
from app.ui.pages.run_rerun import RerunDialog
from app.ui.shell import status_chip

WAITS_FOR = {  # a wait's kind, as the step details say it
    "task": "a person's answer",
    "approval": "a person's approval",
    "timer": "its time",
    "signal": "a signal",
    "child": "its sub-workflow's run",
}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def json_block(value: Any, what: str) -> None:
    """A value as indented JSON, or "No input." and the like when there is none; the times in
    it (e.g. a task's `completed_at`, seconds since 1970) are also said as local times."""
    if value is None or value == {}:
        ui.label(f"No {what}.").classes("ren-muted")
    else:
        ui.html(
            f"<pre class='ren-json'>{_escape(pretty_json(value))}</pre>", sanitize=False
        ).classes("ren-json-wrap")
        for path, at in times_in(value):
            ui.label(f"{path}: {stamp(at)}").classes("ren-small ren-muted").mark("step-time")


EPOCH_RANGE = (1e9, 1e10)  # 2001 to 2286: a number in a `…_at` field this big is a time


def times_in(value: Any, path: str = "", limit: int = 5) -> list[tuple[str, float]]:
    """The `…_at` fields of `value` (nested too) holding seconds since 1970."""
    found: list[tuple[str, float]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            is_number = isinstance(item, int | float) and not isinstance(item, bool)
            if is_number and str(key).endswith("_at") and EPOCH_RANGE[0] <= item < EPOCH_RANGE[1]:
                found.append((where, float(item)))
            elif isinstance(item, dict):
                found += times_in(item, where, limit)
            if len(found) >= limit:
                break
    return found[:limit]


class StepPanel:
    def __init__(self, engine: Engine, run_id: str, version_id: str) -> None:
        self.engine = engine
        self.run_id = run_id
        self.version_id = version_id
        self.box = ui.column().classes("ren-card w-full p-4 gap-3 min-h-[200px]")
        self.box.props('data-testid="step-detail"')
        # dialogs live outside the box: the box is redrawn as the run goes on (e.g. when it
        # ends), which must not close a dialog opened from it
        self.dialogs = ui.element("div")

    def show(self, key: str | None, row: dict[str, Any], run_status: str) -> None:
        """Show the step `key` (its row as the page keeps it), or how to pick one."""
        self.box.clear()
        with self.box:
            if key is None:
                ui.label("Click a step to see its input, output and attempts.").classes("ren-muted")
                return
            attempts = queries.step_attempts(self.engine, self.run_id, key)
            with ui.row().classes("items-center gap-2 w-full"):
                ui.label(row.get("name") or key).classes("font-semibold text-base")
                ui.space()
                if row:
                    status_chip(str(row["status"]))
            ui.label(f"{key} · {row.get('type', '')}").classes("ren-mono ren-small ren-muted")
            if run_status in ENDED:
                self._rerun_button(key, row, attempts)
            if not attempts:
                if row.get("status") == "waiting":
                    what = WAITS_FOR.get(str(row.get("waits_for")), "something")
                    ui.label(f"This step is waiting for {what}; its output appears when it wakes.")
                else:
                    ui.label(
                        "This step is still running; its input and output appear when it ends."
                    )
                return
            self._last_attempt(key, attempts)

    def _last_attempt(self, key: str, attempts: Sequence[Step]) -> None:
        last = attempts[-1]
        if last.started_at is not None:
            took = duration(last.finished_at - last.started_at)
            ui.label(f"Started {stamp(last.started_at)} · took {took}").classes(
                "ren-small ren-muted"
            )
        if len(attempts) > 1:
            _attempts(attempts)
        if last.error:
            message = last.error.get("message") if isinstance(last.error, dict) else last.error
            with ui.element("div").classes("ren-error-box"):
                ui.label(str(message)).classes("ren-mono text-sm")
        ui.label("Input").classes("ren-card-title")
        json_block(last.input, "input")
        ui.label("Output").classes("ren-card-title")
        json_block(last.output, "output")
        step_artifacts(self.engine, self.run_id, key)
        if last.ports:
            ui.label("Fired: " + ", ".join(last.ports)).classes("ren-small ren-muted")
        ui.label("Idempotency key").classes("ren-card-title")
        ui.label(f"{self.run_id}:{last.node_key}:{last.attempt}").classes(
            "ren-mono ren-small break-all"
        ).mark("idempotency-key")

    def _rerun_button(self, key: str, row: dict[str, Any], attempts: Sequence[Step]) -> None:
        """ "Re-run from here" for a node outside loops that ran (the run has ended)."""
        if "[" in key or not attempts or attempts[-1].status == "skipped":
            return
        try:
            node = self.engine.workflows.compiled(self.version_id).nodes[key]
        except Exception:  # the version cannot be compiled any more: nothing can run from it
            return
        if node.type.is_trigger:
            return
        name, input = str(row.get("name") or key), attempts[-1].input

        def open_dialog() -> None:
            self.dialogs.clear()
            with self.dialogs:
                RerunDialog(self.engine, self.run_id, key, name, input)

        ui.button("Re-run from here", icon="replay", on_click=open_dialog).props(
            "outline color=primary no-caps"
        ).mark("rerun-from-here").tooltip(
            "A new run that reuses this run's outputs before this node and starts at it"
        )


def _attempts(attempts: Sequence[Step]) -> None:
    ui.label("Attempts").classes("ren-card-title")
    with ui.column().classes("gap-1 w-full"):
        for step in attempts:
            took = duration(step.finished_at - step.started_at) if step.started_at else "—"
            with ui.row().classes("items-center gap-2 text-sm"):
                ui.label(f"#{step.attempt}").classes("ren-mono w-8")
                status_chip(step.status)
                ui.label(took).classes("ren-muted")
