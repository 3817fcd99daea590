"""The config panel's editor for a Code node's code: CodeMirror (Python), with the line of a
syntax error shown under it as the person types."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.events import ValueChangeEventArguments

from app.nodes.code_text import syntax_problem
from app.ui.editor.schema_form import FieldSpec

HINT = "The body of a function of state (the input), args and ctx; return a dict: the output."


def code_field(spec: FieldSpec, value: Any, on_change: Any) -> ui.element:
    text = value if isinstance(value, str) else str(spec.default or "")
    with ui.column().classes("w-full gap-1 ren-field") as box:
        box.props["data-field"] = spec.name
        ui.label(spec.label).classes("ren-field-title")
        ui.label(HINT).classes("ren-hint")

        def show(code: str) -> None:
            message = syntax_problem(code) if code.strip() else None
            problem.text = message or ""
            problem.set_visibility(bool(message))

        def changed(e: ValueChangeEventArguments[str]) -> None:
            code = str(e.value or "")
            show(code)
            on_change(code)

        editor = ui.codemirror(text, language="Python", on_change=changed)
        editor.classes("w-full ren-code-field").mark("field-" + spec.name)
        editor.style("min-height: 8rem; max-height: 24rem; border: 1px solid #cbd5e1")
        problem = ui.label().classes("text-negative text-sm").mark("code-syntax")
        show(text)
    return box
