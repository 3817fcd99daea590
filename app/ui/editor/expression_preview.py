"""Live preview and autocomplete under the expression, condition and template boxes.

The config panel opens an `ExpressionHelp` for the node (or edge) it shows with `helping()`;
while it is open, every expression, condition and template box that `fields.text_field` builds
gets, under it:
- a preview: the value for the current sample run, or the error, evaluated by the runtime's
  budgeted evaluator in a worker thread, a moment after the last keystroke;
- suggestions: the names and fields that continue what is being typed at the end of the box
  (`input.am` offers `input.amount`), from the sample data and the output schemas; a click
  completes it.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from nicegui import background_tasks, run, ui

from app.core.conditions import evaluate_condition
from app.core.expressions import ExpressionError, evaluate
from app.core.templates import render_template
from app.ui.editor.samples import suggest
from app.ui.editor.schema_form import parse_condition

DEBOUNCE_S = 0.25
SHOWN_CHARS = 160
KINDS = ("expression", "condition", "template")

_active: contextvars.ContextVar[ExpressionHelp | None] = contextvars.ContextVar(
    "expression_help", default=None
)


def preview_text(kind: str, text: str, scope: dict[str, Any] | None) -> tuple[str, bool]:
    """What the box's preview says, and whether it is an error. Pure (runs in a thread)."""
    if not text.strip():
        return "", False
    if scope is None:
        return "No sample yet: test up to this node to preview the value.", False
    try:
        if kind == "condition":
            condition, problem = parse_condition(text)
            if problem:
                return problem, True
            value: Any = evaluate_condition(condition, scope)
        elif kind == "template":
            value = render_template(text, scope)
        else:
            value = evaluate(text, scope)
    except ExpressionError as err:
        return str(err), True
    except Exception as err:  # a condition or template that fails in its own way
        return str(err) or type(err).__name__, True
    shown = value if isinstance(value, str) and kind == "template" else _json(value)
    if len(shown) > SHOWN_CHARS:
        shown = shown[: SHOWN_CHARS - 1] + "…"
    return f"= {shown}", False


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class ExpressionHelp:
    """Preview and autocomplete for the boxes of one node's (or edge's) form."""

    def __init__(self, scope: dict[str, Any] | None, candidates: Sequence[str]) -> None:
        self.scope = scope
        self.candidates = list(candidates)

    def attach(self, box: ui.input | ui.textarea, kind: str) -> None:
        """Add the preview and the suggestions under `box` (built just before)."""
        if kind not in KINDS:
            return
        box.props["data-kind"] = kind
        name = str(box.props.get("data-field") or "")
        with ui.column().classes("w-full gap-1 ren-expr-help"):
            chips = ui.row().classes("w-full gap-1 ren-expr-suggest").mark(f"suggest-{name}")
            preview = ui.label("").classes("ren-expr-preview ren-mono").mark(f"preview-{name}")
        state = {"version": 0}

        def suggestions(text: str) -> None:
            chips.clear()
            token, found = suggest(text, self.candidates)
            with chips:
                for candidate in found:

                    def complete(c: str = candidate, t: str = token) -> None:
                        current = str(box.value or "")
                        if current.endswith(t):
                            box.set_value(current[: len(current) - len(t)] + c)

                    ui.button(candidate, on_click=complete).props(
                        "flat dense no-caps size=sm"
                    ).classes("ren-expr-chip ren-mono")

        async def show_later(version: int, text: str) -> None:
            await asyncio.sleep(DEBOUNCE_S)
            if version != state["version"]:
                return  # typed on: only the last text is evaluated
            result = await run.io_bound(preview_text, kind, text, self.scope)
            if result is None or version != state["version"] or preview.is_deleted:
                return  # the app is stopping, typed on, or the form was redrawn
            said, error = result
            preview.set_text(said or "")
            preview.classes(remove="ren-expr-error")
            if error:
                preview.classes("ren-expr-error")

        def changed(text: str, with_suggestions: bool = True) -> None:
            state["version"] += 1
            if with_suggestions:
                suggestions(text)
            background_tasks.create(show_later(state["version"], text), name="expression preview")

        box.on_value_change(lambda e: changed(str(e.value or "")))
        changed(str(box.value or ""), with_suggestions=False)


def active() -> ExpressionHelp | None:
    """The help of the form being built, if any (`fields.text_field` asks)."""
    return _active.get()


@contextmanager
def helping(help: ExpressionHelp | None) -> Iterator[None]:
    """Boxes built inside get `help`'s preview and suggestions."""
    token = _active.set(help)
    try:
        yield
    finally:
        _active.reset(token)
