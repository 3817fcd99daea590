"""Live preview and autocomplete under the expression, condition and template boxes.

The config panel opens an `ExpressionHelp` for the node (or edge) it shows with `helping()`;
while it is open, every expression, condition and template box that `fields.text_field` builds
gets, under it:
- a preview: the value for the current sample run, or the error, evaluated by the runtime's
  budgeted evaluator in a worker thread, a moment after the last keystroke;
- suggestions: the names and fields that continue the name left of the cursor (`input.am`
  offers `input.amount`), from the sample data and the output schemas; a click replaces that
  partial name with the chosen one and puts the cursor after it.

The browser reports where the cursor is on each key and click (`cursor` events); the box keeps
how many characters follow it, so typing at the cursor keeps the position known.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from nicegui import background_tasks, run, ui
from nicegui.events import GenericEventArguments

from app.core.conditions import evaluate_condition
from app.core.expressions import ExpressionError, evaluate
from app.core.templates import render_template
from app.ui.editor.samples import complete_at, suggest
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
        self._again: list[Callable[[], bool]] = []  # one per box: preview again (False: gone)

    def update(self, scope: dict[str, Any] | None, candidates: Sequence[str]) -> bool:
        """A new sample (e.g. a test run ended): every box still shown previews again.
        False when none of this form's boxes is shown any more."""
        self.scope = scope
        self.candidates = list(candidates)
        self._again = [again for again in self._again if again()]
        return bool(self._again)

    def attach(self, box: ui.input | ui.textarea, kind: str) -> None:
        """Add the preview and the suggestions under `box` (built just before)."""
        if kind not in KINDS:
            return
        box.props["data-kind"] = kind
        name = str(box.props.get("data-field") or "")
        with ui.column().classes("w-full gap-1 ren-expr-help"):
            chips = ui.row().classes("w-full gap-1 ren-expr-suggest").mark(f"suggest-{name}")
            preview = ui.label("").classes("ren-expr-preview ren-mono").mark(f"preview-{name}")
        state = {"version": 0, "tail": 0}  # tail: how many characters follow the cursor

        def cursor(text: str) -> int:
            return max(0, len(text) - state["tail"])

        def suggestions(text: str) -> None:
            chips.clear()
            _, found = suggest(text, self.candidates, cursor=cursor(text))
            with chips:
                for candidate in found:
                    ui.button(candidate, on_click=lambda c=candidate: complete(c)).props(
                        "flat dense no-caps size=sm"
                    ).classes("ren-expr-chip ren-mono")

        def complete(candidate: str) -> None:
            current = str(box.value or "")
            text, at = complete_at(current, cursor(current), candidate)
            state["tail"] = len(text) - at
            box.set_value(text)  # suggestions follow from the change
            ui.run_javascript(_PLACE_CURSOR % (json.dumps(text), at, box.id))

        def moved(e: GenericEventArguments) -> None:
            args = e.args if isinstance(e.args, dict) else {}
            text, at = args.get("value"), args.get("cursor")
            if not isinstance(text, str) or not isinstance(at, int):
                return
            if text != str(box.value or ""):
                return  # the value's own change is still on its way; it redraws them
            tail = max(0, len(text) - at)
            if tail != state["tail"]:
                state["tail"] = tail
                suggestions(text)

        box.on("keyup", moved, js_handler=_CURSOR_JS)
        box.on("click", moved, js_handler=_CURSOR_JS)

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

        def again() -> bool:
            if preview.is_deleted:
                return False
            changed(str(box.value or ""), with_suggestions=False)
            return True

        box.on_value_change(lambda e: changed(str(e.value or "")))
        changed(str(box.value or ""), with_suggestions=False)
        self._again.append(again)


# Where the cursor is, sent on each key and click: {value, cursor}.
_CURSOR_JS = (
    "(e) => { const t = e.target; if (t && typeof t.selectionStart === 'number')"
    " emit({value: t.value, cursor: t.selectionStart}); }"
)
# Focus the box and put the cursor at a position, once the new value is drawn (polled: the
# value arrives through Vue's next render).
_PLACE_CURSOR = """
(() => {
  const want = %s, at = %d;
  let tries = 0;
  const place = () => {
    const root = getHtmlElement(%d);
    const sel = 'input, textarea';
    const el = root && (root.matches(sel) ? root : root.querySelector(sel));
    if (el && el.value === want) { el.focus(); el.setSelectionRange(at, at); return; }
    if (++tries < 40) setTimeout(place, 25);
  };
  place();
})()
"""


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
