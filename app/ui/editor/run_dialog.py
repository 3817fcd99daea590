"""The Run dialog: a form generated from the workflow's `params` schema, one message per wrong
field; then the run starts on the latest published version (publishing the draft first when
it changed and is valid, or saying why it cannot) and the page goes to the run."""

from __future__ import annotations

import json
from typing import Any, Protocol

from nicegui import ui
from nicegui.elements.mixins.validation_element import ValidationElement

from app.core.dsl import WorkflowSpec
from app.core.problems import Problem
from app.engine.inputs import InputInvalid
from app.engine.service import Engine
from app.engine.workflows import definition_hash
from app.ui.editor.params import read_form, run_fields
from app.ui.editor.schema_form import FieldSpec, loose_text, parse_number

MAX_LISTED = 6


class RunHost(Protocol):
    workflow_id: str
    engine: Engine

    @property
    def spec(self) -> WorkflowSpec: ...

    def save_now(self) -> bool: ...

    def published(self, number: int) -> None: ...

    def focus(self, node_id: str | None, edge_id: str | None) -> None: ...


def _placeholder(spec: FieldSpec, schema: dict[str, Any]) -> str:
    kind = ((schema.get("properties") or {}).get(spec.name) or {}).get("type")
    if spec.kind == "json":
        return '["a", "b"]' if kind == "array" else '{"key": "value"}'
    return ""


def _widget(spec: FieldSpec, schema: dict[str, Any]) -> ui.element:
    label = spec.label + (" *" if spec.required else "")
    default = spec.default
    element: ui.element
    if spec.kind == "bool":
        element = ui.checkbox(label, value=bool(default))
    elif spec.kind == "enum":
        element = ui.select(list(spec.choices), label=label, value=default).props(
            "outlined dense stack-label options-dense" + (" clearable" if not spec.required else "")
        )
    elif spec.kind == "json":
        element = ui.textarea(label, value="" if default is None else json.dumps(default))
        element.props("outlined dense stack-label autogrow").classes("ren-mono")
    else:
        element = ui.input(label, value="" if default is None else loose_text(default))
        element.props("outlined dense stack-label")
        if spec.kind in ("number", "integer"):
            integer = spec.kind == "integer"
            element.props("inputmode=decimal")
            element.validation = lambda v: parse_number(str(v or ""), integer)[1]
    placeholder = _placeholder(spec, schema)
    if placeholder:
        element.props["placeholder"] = placeholder
    if spec.description and spec.kind != "bool":
        element.props["hint"] = spec.description
    element.classes("w-full ren-run-field")
    element.props["data-field"] = spec.name
    element.mark(f"run-{spec.name}")
    return element


class RunDialog:
    def __init__(self, host: RunHost) -> None:
        self.host = host
        self.schema: dict[str, Any] = dict(host.spec.params or {})
        self.fields = run_fields(self.schema)
        self.widgets: dict[str, ui.element] = {}
        self.raw_json: ui.textarea | None = None
        self.dialog = ui.dialog()
        with self.dialog, ui.card().classes("ren-dialog ren-run-dialog"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"Run “{host.spec.name}”").classes("ren-dialog-title")
                ui.button(icon="close", on_click=self.dialog.close).props("flat round dense")
            if self.fields:
                ui.label("Input for this run:").classes("ren-hint")
                for spec in self.fields:
                    self.widgets[spec.name] = _widget(spec, self.schema)
                first = next(iter(self.widgets.values()))
                first.props("autofocus")  # type straight away
                for widget in self.widgets.values():  # Enter runs (not in a JSON box)
                    if isinstance(widget, ui.input):
                        widget.on("keydown.enter", self.submit)
            else:
                ui.label(
                    "This workflow declares no input fields. You can pass a JSON object "
                    "anyway, or leave it empty."
                ).classes("ren-hint")
                self.raw_json = ui.textarea("Input (JSON object)", placeholder="{}").props(
                    "outlined dense stack-label autogrow"
                )
                self.raw_json.classes("w-full ren-mono ren-run-field")
                self.raw_json.props["data-field"] = "__json__"
                self.raw_json.mark("run-json")
            ui.label(self.version_note()).classes("ren-hint ren-run-note")
            self.message = ui.column().classes("w-full gap-1 ren-run-message")
            with ui.row().classes("w-full justify-end gap-2 pt-2"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat no-caps")
                self.run_button = ui.button("Run", icon="play_arrow", on_click=self.submit)
                self.run_button.props("unelevated no-caps color=primary").classes("ren-run-go")
                self.run_button.mark("run-go")
        self.dialog.open()

    def version_note(self) -> str:
        versions = self.host.engine.workflows.versions(self.host.workflow_id)
        latest = versions[0] if versions else None
        if latest is not None and latest.hash == definition_hash(self.host.spec):
            return f"Runs version {latest.number}, the latest published one."
        if latest is not None:
            return (
                f"The draft changed since version {latest.number}: it is published as "
                f"version {latest.number + 1} first, if it has no problems."
            )
        return "Nothing is published yet: the draft is published as version 1 first."

    # ---- reading the form -----------------------------------------------------------------
    def read(self) -> tuple[dict[str, Any] | None, dict[str, str]]:
        if self.raw_json is not None:
            text = str(self.raw_json.value or "").strip()
            if not text:
                return {}, {}
            try:
                value = json.loads(text)
            except json.JSONDecodeError as err:
                return None, {"__json__": f"not valid JSON: {err.msg}"}
            if not isinstance(value, dict):
                return None, {"__json__": "the input is a JSON object, e.g. {}"}
            return value, {}
        raw = {name: getattr(w, "value", None) for name, w in self.widgets.items()}
        value, errors = read_form(self.schema, self.fields, raw)
        return (None if errors else value), errors

    def show_errors(self, errors: dict[str, str]) -> None:
        targets = dict(self.widgets)
        if self.raw_json is not None:
            targets["__json__"] = self.raw_json
        for name, widget in targets.items():
            if isinstance(widget, ValidationElement):
                widget.error = errors.get(name)
        general = [m for n, m in errors.items() if n not in targets]
        self.say(general[0] if general else None)

    def say(self, text: str | None, problems: list[Problem] | None = None) -> None:
        self.message.clear()
        if not text:
            return
        with self.message:
            with ui.row().classes("items-start no-wrap gap-2"):
                ui.icon("error_outline", size="20px").classes("text-negative")
                ui.label(text).classes("text-sm")
            for problem in (problems or [])[:MAX_LISTED]:
                link = ui.label(f"• {problem}").classes("ren-problem-link text-sm")
                link.on("click", lambda p=problem: self._focus(p))
            if problems and len(problems) > MAX_LISTED:
                ui.label(f"… and {len(problems) - MAX_LISTED} more (see Problems)").classes(
                    "ren-hint"
                )

    def _focus(self, problem: Problem) -> None:
        self.dialog.close()
        self.host.focus(problem.node_id, problem.edge_id)

    # ---- running --------------------------------------------------------------------------
    def version_to_run(self) -> int | None:
        """The version number to run, publishing the draft first if it changed and is valid."""
        host = self.host
        workflows = host.engine.workflows
        if not host.save_now():  # the stored draft is not this tab's: do not publish it
            self.say(
                "This tab's draft is not saved, so it cannot be published to run. If it was "
                "changed elsewhere, choose Reload or Keep mine above the canvas first."
            )
            return None
        versions = workflows.versions(host.workflow_id)
        latest = versions[0] if versions else None
        if latest is not None and latest.hash == definition_hash(host.spec):
            return latest.number
        problems = workflows.validate(host.spec, host.workflow_id)
        if not problems:
            published = workflows.publish(host.workflow_id, "Published to run")
            host.published(published.number)
            return published.number
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        if latest is None:
            self.say(
                f"The workflow cannot run yet: it has {count} to fix, and nothing was "
                "published before.",
                problems,
            )
            return None
        self.say(
            f"The draft has {count}, so it cannot be published. Fix them, or run "
            f"version {latest.number} (the last published one).",
            problems,
        )
        with self.message:
            ui.button(
                f"Run version {latest.number}",
                on_click=lambda: self.start(latest.number),
            ).props("outline no-caps dense").classes("ren-run-old")
        return None

    async def submit(self) -> None:
        value, errors = self.read()
        self.show_errors(errors)
        if value is None:
            return
        number = self.version_to_run()
        if number is not None:
            await self.start(number, value)

    async def start(self, number: int, value: dict[str, Any] | None = None) -> None:
        if value is None:
            value, errors = self.read()
            self.show_errors(errors)
            if value is None:
                return
        try:
            run_id = await self.host.engine.start_run(self.host.workflow_id, value, version=number)
        except InputInvalid as err:
            self.say("The input does not fit this version: " + "; ".join(err.problems))
            return
        except Exception as err:  # shown, never swallowed silently
            self.say(f"Could not start the run: {err}")
            return
        self.dialog.close()
        ui.notify(f"Run started (version {number})", type="positive")
        ui.navigate.to(f"/runs/{run_id}")


def open_run_dialog(host: RunHost) -> RunDialog:
    return RunDialog(host)
