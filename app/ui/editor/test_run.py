"""The Test dialog: run the draft (or up to one node) with an input typed or taken from a run.

The input is JSON (numbers stay as typed: 1500 is an integer). A test run is kept apart from
the runs list and purged later (app.engine.test_runs); its data fills the data panel.
"""

from __future__ import annotations

import json
from typing import Any

from nicegui import background_tasks, run, ui

from app.engine.inputs import InputInvalid
from app.engine.test_runs import TestRunRefused
from app.ui.editor.workbench import Workbench

EXAMPLES = {"string": "", "integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}


def skeleton(schema: dict[str, Any] | None) -> dict[str, Any]:
    """An input to start from: each declared field with its default or an empty value."""
    value: dict[str, Any] = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        prop = prop if isinstance(prop, dict) else {}
        if "default" in prop:
            value[name] = prop["default"]
        else:
            value[name] = EXAMPLES.get(str(prop.get("type")))
    return value


def read_input(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The test input from the box, or why it cannot be used."""
    if not text.strip():
        return {}, None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        return None, f"The input is not valid JSON: {err.msg} (line {err.lineno})"
    if not isinstance(value, dict):
        return None, 'The input is a JSON object, e.g. {"amount": 1500}'
    return value, None


class TestDialog:
    """Asks for the input, starts the test and reports how it went."""

    __test__ = False

    def __init__(self, workbench: Workbench, stop_after: str | None, label: str = "") -> None:
        self.workbench = workbench
        self.stop_after = stop_after
        spec = workbench.host.spec
        start = workbench.last_input
        if start is None:
            start = skeleton(spec.params)
        self.dialog = ui.dialog()
        with self.dialog, ui.card().classes("ren-dialog ren-test-dialog"):
            title = f"Test up to “{label or stop_after}”" if stop_after else "Test the workflow"
            with ui.row().classes("w-full items-center justify-between no-wrap"):
                ui.label(title).classes("ren-dialog-title")
                ui.button(icon="close", on_click=self.dialog.close).props("flat round dense")
            ui.label(
                "Runs the draft as it is now"
                + (", stopping after this node" if stop_after else "")
                + ". Pinned nodes give their pinned output instead of running. Test runs "
                "are not in the runs list."
            ).classes("ren-hint")
            self.from_run = (
                ui.select(
                    {},
                    label="Take the input of a past run",
                    on_change=lambda e: self._take(e.value),
                )
                .props("dense outlined stack-label options-dense clearable")
                .classes("w-full")
                .mark("test-from-run")
            )
            self.from_run.set_visibility(False)  # until past runs are found
            self.box = (
                ui.textarea("Input (JSON)", value=json.dumps(start, indent=2, ensure_ascii=False))
                .props("outlined dense stack-label autogrow autofocus")
                .classes("w-full ren-mono")
                .mark("test-input")
            )
            self.box.on("keydown.ctrl.enter", self.submit)
            self.box.on("keydown.meta.enter", self.submit)
            self.message = ui.label("").classes("text-negative text-sm").mark("test-message")
            self.message.set_visibility(False)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.label("Ctrl+Enter tests").classes("ren-hint self-center")
                ui.button("Cancel", on_click=self.dialog.close).props("flat no-caps")
                self.go = ui.button("Test", icon="science", on_click=self.submit)
                self.go.props("unelevated no-caps color=primary data-testid=test-go")
                self.go.mark("test-go")
        self.dialog.open()
        background_tasks.create(self._offer_past_runs(), name="test dialog runs")

    async def _offer_past_runs(self) -> None:
        runs = await run.io_bound(self.workbench.past_runs)
        if runs and not self.from_run.is_deleted:
            self.from_run.set_options(runs)
            self.from_run.set_visibility(True)

    async def _take(self, run_id: Any) -> None:
        if not run_id:
            return
        value = await run.io_bound(self.workbench.run_input, str(run_id))
        if value is not None and not self.box.is_deleted:
            self.box.set_value(json.dumps(value, indent=2, ensure_ascii=False))

    def say(self, text: str | None) -> None:
        self.message.set_text(text or "")
        self.message.set_visibility(bool(text))

    async def submit(self) -> None:
        value, error = read_input(str(self.box.value or ""))
        if value is None:
            self.say(error)
            return
        self.say(None)
        self.go.props("loading")
        try:
            started = await self.workbench.test(value, self.stop_after)
        except (InputInvalid, TestRunRefused) as err:
            self.say(f"Cannot test: {err}")
            return
        finally:
            self.go.props(remove="loading")
        self.dialog.close()
        sample = self.workbench.sample
        status = sample.status if sample is not None else "?"
        if status == "waiting":
            ui.notify(
                "The test waits for a person: answer it in the inbox, or pin a sample answer "
                "on the waiting node and test again.",
                type="info",
                position="top",
            )
        elif status == "succeeded":
            pinned = f" ({len(started.pinned)} pinned)" if started.pinned else ""
            ui.notify(f"Test run succeeded{pinned}", type="positive", position="top")
        else:
            error = _first_error(sample) if sample is not None else None
            ui.notify(f"Test run {status}" + (f": {error}" if error else ""), type="warning")


def _first_error(sample: Any) -> str | None:
    for step in sample.steps.values():
        if step.status == "failed" and isinstance(step.error, dict):
            return str(step.error.get("message") or "")
    return None
