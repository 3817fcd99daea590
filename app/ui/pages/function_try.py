""" "Try it" for one function: a sample `state` (JSON), its arguments (the form the editor builds
from its signature), and the output, or the error with its traceback, and the time taken.
No run is started and nothing is saved."""

from __future__ import annotations

import json
from typing import Any

from nicegui import ui

from app.nodes.functions import FunctionInfo
from app.nodes.library_try import try_function
from app.ui.editor.function_form import args_form

SAMPLE_STATE = "{}"


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=repr)


class TryDialog:
    def __init__(self, info: FunctionInfo) -> None:
        self.info = info
        self.args: dict[str, Any] = {}
        self.dialog = ui.dialog()
        with self.dialog, ui.card().classes("w-[40rem] max-w-full gap-3"):
            with ui.row().classes("items-baseline gap-1"):
                ui.label(f"Try {info.name}").classes("text-lg font-semibold")
                ui.label(info.signature()).classes("ren-mono ren-muted text-sm")
            ui.label("Calls the function now, as a step would, without starting a run.").classes(
                "ren-hint"
            )
            self.state = (
                ui.textarea(
                    "state (the node's input, JSON)",
                    value=SAMPLE_STATE,
                    validation=self.state_error,
                )
                .props('outlined dense autogrow input-class="ren-mono"')
                .classes("w-full")
            )
            self.state.mark("try-state")
            args_form(info, {}, self.set_args)
            with ui.row().classes("items-center gap-3"):
                self.run_button = ui.button("Run", icon="play_arrow", on_click=self.run)
                self.run_button.props('unelevated color=primary data-testid="try-run"')
                self.run_button.mark("try-run")
                self.time = ui.label("").classes("ren-muted text-sm").mark("try-time")
                ui.space()
                ui.button("Close", on_click=self.dialog.close).props("flat")
            self.result = ui.column().classes("w-full gap-1")

    def open(self) -> None:
        self.dialog.open()

    def set_args(self, values: dict[str, Any]) -> None:
        self.args = values

    def missing_args(self) -> str:
        """The required arguments left empty, named ('' when none): asked for here rather than
        shown as the TypeError the call would raise."""
        return ", ".join(
            p.name for p in self.info.params if p.required and self.args.get(p.name) in (None, "")
        )

    def state_error(self, text: Any) -> str | None:
        try:
            json.loads(str(text or "") or "null")
        except json.JSONDecodeError as err:
            return f"not JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        return None

    async def run(self) -> None:
        text = str(self.state.value or "").strip() or "{}"
        if self.state_error(text):
            self.state.validate()
            return
        if missing := self.missing_args():
            self.time.text = ""
            self.result.clear()
            with self.result:
                ui.label(f"Fill in {missing}: the function requires it").classes(
                    "font-semibold text-negative"
                ).mark("try-error")
            return
        self.run_button.disable()
        self.time.text = "running…"
        try:
            result = await try_function(self.info, json.loads(text), self.args)
        finally:
            self.run_button.enable()
        self.time.text = f"{result.ms:.1f} ms"
        self.result.clear()
        with self.result:
            if result.ok:
                ui.label("Output").classes("font-semibold text-positive")
                ui.code(_json_text(result.output), language="json").classes("w-full").mark(
                    "try-output"
                )
            else:
                ui.label(result.error or "").classes("font-semibold text-negative").mark(
                    "try-error"
                )
                if result.traceback:
                    ui.code(result.traceback, language="python").classes("w-full").mark(
                        "try-traceback"
                    )
            for kind, data in result.events:
                ui.label(f"{kind}: {_json_text(data)}").classes("ren-mono text-xs ren-muted")
