"""The run-input designer: a list of named, typed fields that becomes the `params` JSON Schema.
Anything it cannot show (patterns, nested schemas) is kept; "Edit as JSON Schema" shows all."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nicegui import ui

from app.ui.editor.params import (
    PARAM_TYPES,
    ParamRow,
    row_problem,
    rows_from_schema,
    schema_from_rows,
)
from app.ui.editor.schema_form import loose_text, parse_loose


def params_designer(schema: dict[str, Any], on_change: Callable[[dict[str, Any]], None]) -> None:
    rows = rows_from_schema(schema)
    outer = ui.column().classes("w-full gap-2 ren-params")
    state = {"json": False}

    def emit() -> None:
        if all(row_problem(rows, i) is None for i in range(len(rows))):
            on_change(schema_from_rows(rows))

    def render() -> None:
        outer.clear()
        with outer:
            if state["json"]:
                _json_editor(schema_from_rows(rows), set_schema)
            else:
                for i in range(len(rows)):
                    _row(rows, i, emit, remove)
                if not rows:
                    ui.label("No input fields: runs start with an empty input.").classes("ren-hint")
            with ui.row().classes("gap-1"):
                if not state["json"]:
                    ui.button("Add input field", icon="add", on_click=add).props(
                        "flat dense no-caps size=sm"
                    ).classes("ren-add-param").mark("add-param")
                ui.button(
                    "Edit as fields" if state["json"] else "Edit as JSON Schema",
                    icon="data_object",
                    on_click=toggle,
                ).props("flat dense no-caps size=sm")

    def set_schema(new: dict[str, Any]) -> None:
        rows[:] = rows_from_schema(new)
        on_change(new)

    def add() -> None:
        taken = {r.name for r in rows}
        n = len(rows) + 1
        while f"field_{n}" in taken:
            n += 1
        rows.append(ParamRow(name=f"field_{n}"))
        render()
        emit()

    def remove(i: int) -> None:
        del rows[i]
        render()
        emit()

    def toggle() -> None:
        state["json"] = not state["json"]
        render()

    render()


def _row(
    rows: list[ParamRow], i: int, emit: Callable[[], None], remove: Callable[[int], None]
) -> None:
    row = rows[i]
    with ui.card().props("flat bordered").classes("w-full ren-param-row gap-1"):
        with ui.row().classes("w-full items-start no-wrap gap-1"):

            def set_name(e: Any) -> None:
                row.name = str(e.value or "")
                emit()

            ui.input(
                "Name",
                value=row.name,
                on_change=set_name,
                validation=lambda _: row_problem(rows, i),
            ).props("dense outlined stack-label").classes("flex-1 min-w-0 ren-param-name").mark(
                "param-name"
            )

            def set_type(e: Any) -> None:
                row.type = str(e.value)
                choices.set_visibility(row.type == "choice")
                emit()

            ui.select(list(PARAM_TYPES), label="Type", value=row.type, on_change=set_type).props(
                "dense outlined stack-label options-dense"
            ).classes("w-32 ren-param-type").mark("param-type")
            ui.button(icon="close", on_click=lambda: remove(i)).props(
                "flat round dense size=sm"
            ).tooltip("Remove this field")
        with ui.row().classes("w-full items-center no-wrap gap-2"):

            def set_required(e: Any) -> None:
                row.required = bool(e.value)
                emit()

            ui.checkbox("Required", value=row.required, on_change=set_required).props("dense").mark(
                "param-required"
            )

            def set_default(e: Any) -> None:
                row.default = parse_loose(str(e.value or ""))
                if row.type in ("text", "choice") and row.default is not None:
                    row.default = str(e.value)
                emit()

            ui.input(
                placeholder="default (optional)",
                value=loose_text(row.default),
                on_change=set_default,
            ).props("dense outlined").classes("flex-1 min-w-0")
        with ui.column().classes("w-full gap-1") as choices:

            def set_choices(e: Any) -> None:
                row.choices = [c.strip() for c in str(e.value or "").split(",") if c.strip()]
                emit()

            ui.input(
                "Choices (comma-separated)", value=", ".join(row.choices), on_change=set_choices
            ).props("dense outlined stack-label").classes("w-full")
        choices.set_visibility(row.type == "choice")

        def set_description(e: Any) -> None:
            row.description = str(e.value or "")
            emit()

        ui.input(
            placeholder="Help text shown in the run form",
            value=row.description,
            on_change=set_description,
        ).props("dense borderless").classes("w-full ren-hint-input")


def _json_editor(schema: dict[str, Any], on_change: Callable[[dict[str, Any]], None]) -> None:
    def check(text: Any) -> str | None:
        try:
            value = json.loads(str(text or "") or "{}")
        except ValueError as err:
            return f"not valid JSON: {err}"
        return None if isinstance(value, dict) else "a JSON Schema is a JSON object"

    def changed(e: Any) -> None:
        if check(e.value) is None:
            on_change(json.loads(str(e.value or "") or "{}"))

    ui.textarea(
        "params (JSON Schema)",
        value=json.dumps(schema, indent=2),
        on_change=changed,
        validation=check,
    ).props("dense outlined stack-label autogrow").classes("w-full ren-mono")
