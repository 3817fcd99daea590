"""The "Re-run from here" dialog: the chosen node's input as JSON, editable and checked as it
is typed, then a new run that reuses everything before the node (app.engine.rerun)."""

from __future__ import annotations

import json
from typing import Any

from nicegui import ui

from app.engine.rerun import SAME_INPUT, RerunRefused, rerun_from, rerun_origin
from app.engine.service import Engine
from app.store import reads


def parse_input(text: str) -> tuple[Any, str | None]:
    """(value, None) for JSON text, or (None, what is wrong and where)."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as err:
        return None, f"Not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"


def rerun_origin_of(engine: Engine, run_id: str) -> tuple[str, str] | None:
    """(old run, node) when the run is a re-run: its first event says so."""
    with engine.store.session() as session:
        return rerun_origin(reads.list_events(session, run_id, 0, limit=1))


class RerunDialog:
    def __init__(self, engine: Engine, run_id: str, node_id: str, name: str, input: Any) -> None:
        self.engine = engine
        self.run_id = run_id
        self.node_id = node_id
        self.original = json.dumps(input, indent=2, ensure_ascii=False)
        with ui.dialog() as self.dialog, ui.card().classes("w-[640px] max-w-full gap-3"):
            ui.label(f"Re-run from “{name}”").classes("text-lg font-semibold")
            ui.label(
                "A new run of the same version starts at this node. Every step before it keeps "
                "its output from this run and is not run again. Edit the node's input first if "
                "you like."
            ).classes("ren-muted text-sm")
            ui.label("Input of this node (JSON)").classes("ren-card-title")
            self.editor = ui.codemirror(self.original, language="JSON").classes(
                "w-full h-64 border rounded"
            )
            self.editor.mark("rerun-input")
            self.editor.on_value_change(lambda _: self._check())
            self.error = ui.label("").classes("text-negative text-sm").mark("rerun-error")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat no-caps")
                self.go = ui.button("Re-run", icon="replay", on_click=self.submit)
                self.go.props("unelevated color=primary no-caps").mark("rerun-go")
        self.dialog.open()

    def _check(self) -> Any:
        _, problem = parse_input(str(self.editor.value or ""))
        self.error.text = problem or ""
        self.go.set_enabled(problem is None)

    async def submit(self) -> None:
        text = str(self.editor.value or "")
        value, problem = parse_input(text)
        if problem is not None:
            self.error.text = problem
            return
        edited = SAME_INPUT if text.strip() == self.original.strip() else value
        try:
            new_run = await rerun_from(self.engine, self.run_id, self.node_id, edited)
        except RerunRefused as err:
            self.error.text = str(err)
            return
        self.dialog.close()
        ui.navigate.to(f"/runs/{new_run}")
