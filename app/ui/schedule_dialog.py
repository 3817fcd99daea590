"""The "New schedule" dialog: a published workflow, when it starts (a timetable or every N
seconds/minutes/hours/days), the time zone, the runs' input (JSON) and what to do with times
missed while Ren was closed. Every problem is shown under the field it is about, the engine's
own refusal (ScheduleInvalid) included, and the timetable shows its next times as it is typed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nicegui import ui

from app.engine.inputs import input_problems
from app.engine.schedules import ScheduleInvalid
from app.engine.service import Engine, NotFound
from app.ui.schedule_text import (
    MISFIRE,
    MISFIRE_HELP,
    PRESETS,
    UNITS,
    local_zone,
    next_fires,
    zone_names,
)
from app.ui.task_text import clock

FIELDS = ("workflow", "cron", "every", "timezone", "input", "misfire")


def _input_template(params: dict[str, Any]) -> str:
    """A starting point for the runs' input: the workflow's params with their defaults."""
    props = params.get("properties") if isinstance(params, dict) else None
    if not isinstance(props, dict) or not props:
        return "{}"
    empty = {"string": "", "number": 0, "integer": 0, "boolean": False, "array": [], "object": {}}
    value = {
        name: spec.get("default", empty.get(str(spec.get("type"))))
        for name, spec in props.items()
        if isinstance(spec, dict)
    }
    return json.dumps(value, indent=2, ensure_ascii=False)


def _params_hint(params: dict[str, Any]) -> str:
    props = params.get("properties") if isinstance(params, dict) else None
    if not isinstance(props, dict) or not props:
        return "This workflow takes no input; leave {} as it is."
    need = set(params.get("required") or ())
    parts = [
        f"{name} ({spec.get('type', 'any')}{', required' if name in need else ''})"
        for name, spec in props.items()
        if isinstance(spec, dict)
    ]
    return "This workflow takes: " + ", ".join(parts)


def field_for(message: str) -> str:
    """Which field the engine's refusal is about."""
    lowered = message.lower()
    if "time zone" in lowered:
        return "timezone"
    if "cron" in lowered:
        return "cron"
    if "interval" in lowered:
        return "every"
    if "misfire" in lowered:
        return "misfire"
    return "workflow"


def plain(message: str) -> str:
    """The engine's message, with the echo of the typed value dropped."""
    if message.startswith("bad cron expression"):
        detail = message.split("': ", 1)[-1]
        return f"This timetable is not valid: {detail}"
    if message.startswith("unknown time zone"):
        return "Unknown time zone; pick one from the list (e.g. Europe/Paris)."
    return message[:1].upper() + message[1:]


class AddScheduleDialog:
    def __init__(self, engine: Engine, on_added: Callable[[dict[str, Any]], None]) -> None:
        self.engine = engine
        self.on_added = on_added
        self.workflows = {
            s.id: s.name for s in engine.workflows.summaries() if s.version is not None
        }
        self.errors: dict[str, ui.label] = {}
        # The card never grows past the window: its body scrolls, the title and the actions
        # stay in view (a long input must not push Add off a laptop screen).
        with (
            ui.dialog() as self.dialog,
            ui.card()
            .classes("ren-dialog w-[600px] gap-4 no-wrap")
            .style("max-height: calc(100vh - 48px); overflow: hidden"),
        ):
            ui.label("New schedule").classes("ren-dialog-title")
            if not self.workflows:
                self._nothing_to_schedule()
            else:
                with (
                    ui.column()
                    .classes("w-full gap-4 no-wrap")
                    .style("flex: 1 1 auto; min-height: 0; overflow-y: auto; padding-right: 4px")
                    .mark("schedule-body")
                ):
                    self._form()
                self._actions()
                self._workflow_changed()
        self.dialog.on("hide", self.dialog.delete)

    def open(self) -> None:
        self.dialog.open()

    def _nothing_to_schedule(self) -> None:
        ui.label(
            "Only published workflows can be scheduled, and there is none yet. Open a workflow "
            "in the editor and press Publish, then come back here."
        ).classes("ren-muted").mark("no-published")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=self.dialog.close).props("flat")
            ui.button("Go to workflows", on_click=lambda: ui.navigate.to("/workflows")).props(
                "unelevated color=primary"
            )

    def _error(self, name: str) -> None:
        label = ui.label("").classes("ren-field-error").props('role="alert"')
        label.mark(f"error-{name}").set_visibility(False)
        self.errors[name] = label

    @staticmethod
    def _label(text: str) -> None:
        ui.label(text).classes("ren-field-label")

    def _form(self) -> None:
        first = next(iter(self.workflows))
        with ui.column().classes("ren-field w-full"):
            self._label("Workflow")
            self.workflow = (
                ui.select(self.workflows, value=first, on_change=self._workflow_changed)
                .props('outlined dense options-dense aria-label="Workflow"')
                .classes("w-full")
                .mark("workflow")
            )
            self._error("workflow")
        with ui.column().classes("ren-field w-full"):
            self._label("When")
            self.mode = (
                ui.toggle(
                    {"cron": "At set times", "every": "Every …"},
                    value="cron",
                    on_change=self._mode_changed,
                )
                .props("no-caps unelevated toggle-color=primary")
                .mark("mode")
            )
            with ui.column().classes("w-full gap-2") as self.cron_box:
                self.cron = (
                    ui.input(placeholder="0 9 * * mon-fri", on_change=self._preview)
                    .props('outlined dense aria-label="Timetable (cron)" debounce=200')
                    .classes("w-full ren-mono")
                    .mark("cron")
                )
                ui.label(
                    "Five parts: minute, hour, day of the month, month, day of the week. "
                    "Or pick one:"
                ).classes("ren-field-hint")
                with ui.row().classes("gap-1"):
                    for text, line in PRESETS:
                        ui.chip(
                            text, on_click=lambda _, line=line: self.cron.set_value(line)
                        ).props("outline clickable dense").classes("ren-preset")
                self._error("cron")
            with ui.row().classes("w-full items-start gap-2") as self.every_box:
                self.every = (
                    ui.input(value="15", placeholder="15")
                    .props('outlined dense inputmode=decimal aria-label="Every how many"')
                    .classes("w-28")
                    .mark("every")
                )
                self.unit = (
                    ui.select(list(UNITS), value="minutes")
                    .props('outlined dense aria-label="Unit"')
                    .classes("w-36")
                    .mark("unit")
                )
            self.every_box.set_visibility(False)
            self._error("every")
            self.preview = ui.label("").classes("ren-field-hint").mark("preview")
        with ui.column().classes("ren-field w-full"):
            self._label("Time zone")
            self.timezone = (
                ui.select(
                    zone_names(), value=local_zone(), with_input=True, on_change=self._preview
                )
                .props('outlined dense options-dense aria-label="Time zone"')
                .classes("w-full")
                .mark("timezone")
            )
            ui.label("The timetable's times are read in this zone.").classes("ren-field-hint")
            self._error("timezone")
        with ui.column().classes("ren-field w-full"):
            self._label("Input for each run (JSON)")
            self.params_hint = ui.label("").classes("ren-field-hint")
            self.input = (
                ui.textarea()
                .props('outlined dense autogrow aria-label="Input for each run (JSON)"')
                .classes("w-full ren-mono")
                .mark("input")
            )
            self._error("input")
        with ui.column().classes("ren-field w-full gap-1"):
            self._label("If Ren was closed at a planned time")
            self.misfire = ui.radio(MISFIRE, value="once").mark("misfire")
            self.misfire_help = ui.label(MISFIRE_HELP["once"]).classes("ren-field-hint")
            self.misfire.on_value_change(
                lambda e: self.misfire_help.set_text(MISFIRE_HELP.get(str(e.value), ""))
            )
            self._error("misfire")

    def _actions(self) -> None:
        with ui.row().classes("w-full justify-end gap-2").style("flex: none"):
            ui.button("Cancel", on_click=self.dialog.close).props("flat")
            ui.button("Add schedule", icon="add", on_click=self.submit).props(
                'unelevated color=primary data-testid="save-schedule"'
            ).mark("save-schedule")

    # -- reacting -------------------------------------------------------------------------

    def _params(self) -> dict[str, Any]:
        try:
            version = self.engine.workflows.version(str(self.workflow.value))
            params = self.engine.workflows.compiled(version.id).spec.params
        except Exception:
            return {}
        return dict(params or {})

    def _workflow_changed(self) -> None:
        params = self._params()
        self.params_hint.text = _params_hint(params)
        self.input.value = _input_template(params)

    def _mode_changed(self) -> None:
        cron = self.mode.value == "cron"
        self.cron_box.set_visibility(cron)
        self.every_box.set_visibility(not cron)
        self._show({})
        self._preview()

    def _preview(self) -> None:
        """The next three times of the typed timetable, or what is wrong with it."""
        if self.mode.value != "cron":
            self.preview.text = ""
            return
        line = str(self.cron.value or "").strip()
        if not line:
            self.preview.text = ""
            self._show({})
            return
        try:
            fires = next_fires(cron=line, timezone=str(self.timezone.value or "UTC"))
        except ScheduleInvalid as err:
            self.preview.text = ""
            self._show({field_for(str(err)): plain(str(err))})
            return
        self._show({})
        self.preview.text = "Next runs: " + ", ".join(clock(t) for t in fires) + " (your time)"

    def _show(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            label.text = errors.get(name, "")
            label.set_visibility(name in errors)

    # -- adding ---------------------------------------------------------------------------

    def read(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The schedule the form describes, and a message per wrong field."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {"workflow_id": str(self.workflow.value or "")}
        if not values["workflow_id"]:
            errors["workflow"] = "Choose a workflow."
        if self.mode.value == "cron":
            values["cron"] = str(self.cron.value or "").strip()
            if not values["cron"]:
                errors["cron"] = "Type a timetable, or pick one of the examples."
        else:
            text = str(self.every.value or "").strip().replace(",", ".")
            try:
                amount = float(text)
            except ValueError:
                amount = 0.0
            if amount <= 0 or amount != amount:
                errors["every"] = "Type a number greater than 0, e.g. 15."
            values["interval_s"] = amount * UNITS.get(str(self.unit.value), 1)
        zone = str(self.timezone.value or "").strip()
        if not zone:
            errors["timezone"] = "Choose a time zone."
        values["timezone"] = zone
        values["misfire"] = str(self.misfire.value or "once")
        text = str(self.input.value or "").strip() or "{}"
        try:
            run_input = json.loads(text)
        except json.JSONDecodeError as err:
            errors["input"] = f"Not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})."
        else:
            problems = input_problems(self._params(), run_input)
            if problems:
                errors["input"] = "; ".join(problems)
            values["input"] = run_input
        return values, errors

    def _still_published(self, workflow_id: str) -> bool:
        """Not deleted meanwhile (the engine keeps a deleted workflow's versions for its runs)."""
        return any(
            s.id == workflow_id and s.version is not None for s in self.engine.workflows.summaries()
        )

    def submit(self) -> None:
        values, errors = self.read()
        if errors:
            self._show(errors)
            return
        workflow_id = values.pop("workflow_id")
        if not self._still_published(workflow_id):
            self._show({"workflow": "This workflow has no published version any more."})
            return
        try:
            added = self.engine.schedules.add(workflow_id, **values)
        except ScheduleInvalid as err:
            self._show({field_for(str(err)): plain(str(err))})
            return
        except NotFound:
            self._show({"workflow": "This workflow has no published version any more."})
            return
        self.dialog.close()
        self.on_added(added)
