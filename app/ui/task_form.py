"""A human task's form on the page: one control per field, generated from the task's field
definitions (app.core.forms.FormField), read back as the loose values `Tasks.complete` checks.

Each field shows its label (with a mark when required), its help text, the control, hints for
what it accepts (bounds, dates, format) and, after a wrong answer, its own message under it.
The engine's validation is the only judge: the page never rejects a value on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nicegui import ui
from pydantic import ValidationError

from app.core.forms import Choice, FormField
from app.ui.task_text import field_hints

RADIO_MAX = 4  # a choice with this many options or fewer shows them all (radio, checkboxes)
SINGLE_LINE = ("text", "number", "integer", "email", "url", "date", "datetime")
INPUT_TYPES = {"email": "email", "url": "url", "date": "date", "datetime": "datetime-local"}
INPUT_MODES = {"number": "decimal", "integer": "numeric", "email": "email", "url": "url"}


def show_problem(banner: ui.element, title: str, lines: Sequence[str] = ()) -> None:
    """Fill the banner above a form (cleared, shown) with a problem: its title, a line each."""
    banner.clear()
    banner.set_visibility(True)
    with (
        banner,
        ui.element("div").classes("ren-error-box").props('role="alert"').mark("form-problem"),
    ):
        ui.label(title).classes("font-semibold")
        for line in lines:
            ui.label(line).classes("text-sm")


def parse_field(data: Any) -> FormField:
    """A stored field definition; one that no longer parses is shown as a plain text field."""
    try:
        return FormField.model_validate(data)
    except ValidationError:
        name = str(data.get("name") if isinstance(data, dict) else data or "field")
        return FormField.model_construct(
            name=name,
            type="text",
            label=str(data.get("label") or name) if isinstance(data, dict) else name,
            help="",
            required=False,
            default=None,
            choices=[],
        )


def _same(choice: Choice, value: Any) -> bool:
    return type(choice.value) is type(value) and choice.value == value


def _index(choices: Sequence[Choice], value: Any) -> int | None:
    return next((i for i, c in enumerate(choices) if _same(c, value)), None)


def _datetime_local(value: Any) -> str:
    """A stored date-time as the browser's date-time field takes it (YYYY-MM-DDTHH:MM)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        return datetime.fromisoformat(value.strip()).strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


Control = tuple[Callable[[], Any], "ui.element | None"]  # how to read it, what to focus


@dataclass
class FieldView:
    field: FormField
    box: ui.column
    read: Callable[[], Any]
    error: ui.label
    focus: ui.element | None  # a control with a focus() method (inputs, selects)

    def show_error(self, message: str | None) -> None:
        self.error.text = message or ""
        self.error.set_visibility(bool(message))
        self.box.classes(add="ren-field--wrong" if message else "")
        if not message:
            self.box.classes(remove="ren-field--wrong")


class TaskForm:
    """The fields of one task. `on_enter` is called when Enter is pressed in a one-line field."""

    def __init__(self, fields: Sequence[Any], on_enter: Callable[[], Any] | None = None) -> None:
        self.on_enter = on_enter
        self.views: dict[str, FieldView] = {}
        self.root = ui.column().classes("ren-task-fields w-full")
        with self.root:
            for data in fields:
                field = parse_field(data)
                self.views[field.name] = self._field(field)

    def values(self) -> dict[str, Any]:
        return {name: view.read() for name, view in self.views.items()}

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Put each message under its field; return the messages that belong to no field."""
        for name, view in self.views.items():
            view.show_error(errors.get(name))
        wrong = [name for name in self.views if name in errors]
        first = self.views[wrong[0]] if wrong else None
        if first is not None and first.focus is not None:
            first.focus.run_method("focus")
        return [message for name, message in errors.items() if name not in self.views]

    # -- one field ------------------------------------------------------------------------

    def _field(self, field: FormField) -> FieldView:
        control_id = f"field-{field.name}"
        with ui.column().classes("ren-field w-full").props(f'data-field="{field.name}"') as box:
            with ui.element("label").classes("ren-field-label").props(f'for="{control_id}"'):
                ui.label(field.label).classes("inline")
                if field.required:
                    ui.label("*").classes("ren-required inline").props('aria-hidden="true"')
            if field.help:
                ui.label(field.help).classes("ren-field-help")
            read, focus = self._control(field, control_id)
            for hint in field_hints(field):
                ui.label(hint).classes("ren-field-hint")
            error = ui.label("").classes("ren-field-error").props('role="alert"')
            error.mark(f"error-{field.name}")
            error.set_visibility(False)
        return FieldView(field, box, read, error, focus)

    def _control(self, field: FormField, control_id: str) -> Control:
        kind = field.type
        if kind == "yes_no":
            return self._switch(field, control_id)
        if kind == "choice":
            return self._choice(field, control_id)
        if kind == "multi_choice":
            return self._multi_choice(field, control_id)
        element: ui.input
        if kind == "long_text":
            element = ui.textarea(value=_text(field.default)).props("autogrow")
        else:
            value = _datetime_local(field.default) if kind == "datetime" else _text(field.default)
            element = ui.input(value=value)
            if kind in INPUT_TYPES:
                element.props(f"type={INPUT_TYPES[kind]}")
            if kind in INPUT_MODES:
                element.props(f"inputmode={INPUT_MODES[kind]}")
            if kind == "date":
                self._date_bounds(element, field.min_date, field.max_date)
            elif kind == "datetime":
                low, high = _datetime_local(field.min_date), _datetime_local(field.max_date)
                self._date_bounds(element, low, high)
            if kind in SINGLE_LINE and self.on_enter is not None:
                element.on("keydown.enter", self.on_enter)
        element.props("outlined hide-bottom-space")
        element.props["for"] = control_id
        if field.placeholder:
            element.props["placeholder"] = field.placeholder
        self._common(element, field)
        return (lambda: element.value), element

    @staticmethod
    def _date_bounds(element: ui.input, low: str | None, high: str | None) -> None:
        if low:
            element.props["min"] = low
        if high:
            element.props["max"] = high

    @staticmethod
    def _common(element: ui.element, field: FormField) -> None:
        element.classes("ren-field-control").mark(f"field-{field.name}")
        element.props(f'data-testid="field-{field.name}"')
        if field.required:
            element.props('aria-required="true"')

    def _switch(self, field: FormField, control_id: str) -> Control:
        start = field.default is True
        switch = ui.switch("Yes" if start else "No", value=start)
        switch.on_value_change(lambda e: switch.set_text("Yes" if e.value else "No"))
        switch.props["id"] = control_id
        switch.props["aria-label"] = field.label
        self._common(switch, field)
        return (lambda: bool(switch.value)), None

    def _options(self, field: FormField) -> dict[int, str]:
        return {i: choice.label for i, choice in enumerate(field.choices)}

    def _choice(self, field: FormField, control_id: str) -> Control:
        choices = field.choices
        start = _index(choices, field.default)
        element: ui.radio | ui.select
        focus: ui.element | None = None
        if len(choices) <= RADIO_MAX:
            element = ui.radio(self._options(field), value=start).props("inline")
            element.props.update({"id": control_id, "aria-label": field.label})
        else:
            element = ui.select(self._options(field), value=start).props(
                "outlined hide-bottom-space options-dense"
            )
            element.props["for"] = control_id
            if not field.required:
                element.props("clearable")
            focus = element
        self._common(element, field)

        def read() -> Any:
            index = element.value
            return None if index is None else choices[int(index)].value

        return read, focus

    def _multi_choice(self, field: FormField, control_id: str) -> Control:
        choices = field.choices
        defaults = field.default if isinstance(field.default, list) else []
        start = [i for i in (_index(choices, value) for value in defaults) if i is not None]
        if len(choices) > RADIO_MAX:
            select = ui.select(self._options(field), value=start, multiple=True).props(
                "outlined use-chips hide-bottom-space options-dense"
            )
            select.props["for"] = control_id
            self._common(select, field)
            return (lambda: [choices[int(i)].value for i in select.value or []]), select
        with ui.row().classes("ren-checks gap-x-6 gap-y-1").props('role="group"') as group:
            boxes = [
                ui.checkbox(choice.label, value=i in start).mark(f"field-{field.name}-{i}")
                for i, choice in enumerate(choices)
            ]
        group.props.update({"id": control_id, "aria-label": field.label})
        self._common(group, field)
        return (lambda: [c.value for c, box in zip(choices, boxes, strict=True) if box.value]), None
