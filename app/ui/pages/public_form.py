"""A workflow's public form (/forms/<workflow id>[/<path>]): fill it in, a run starts.

For people who never open the editor: no navigation, the form's title and description, one
control per question (app.ui.task_form, as a task's), every wrong answer explained under its
field. After submitting: the thank-you text, or a spinner until the run's output is there
(bounded by the form's `wait_s`). The page's submission id makes a double click start one run.
"""

from __future__ import annotations

import html
import json
import secrets
from typing import Any

from fastapi.responses import HTMLResponse, Response
from nicegui import ui

from app.core.expressions import expression_scope
from app.core.forms import FormInvalid
from app.core.templates import render_template
from app.engine.form_triggers import FormUnavailable, PublicForm, find_form, submit
from app.engine.service import Engine
from app.ui import runtime
from app.ui.task_form import TaskForm, show_problem

FAILED_RUN = "Your answers were received, but the work they started did not finish."
NOT_FOUND_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Form not found</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:10vh auto;padding:0 1rem;
color:#1e293b}}h1{{font-size:1.5rem}}p{{color:#475569}}</style></head><body>
<h1>Form not found</h1><p>{reason}</p><p>Check that you have the whole link. A form is
available once its workflow is published; ask whoever sent you the link.</p></body></html>"""


def register() -> None:
    ui.page("/forms/{workflow_id}")(form_page)
    ui.page("/forms/{workflow_id}/{path:path}")(form_page)


def form_page(workflow_id: str, path: str = "") -> Response | None:
    try:
        engine = runtime.engine()
        form = find_form(engine, workflow_id, path)
    except FormUnavailable as err:
        return not_found(str(err))
    except RuntimeError:
        return not_found("Ren is not running.")
    ui.page_title(f"{form.config.title or form.workflow_name} · Ren")
    with ui.column().classes("ren-public-form w-full max-w-3xl mx-auto p-4 gap-5"):
        FormPage(engine, form)
    return None


def not_found(reason: str) -> HTMLResponse:
    """A 404 page in plain words: the address names no published form."""
    return HTMLResponse(NOT_FOUND_HTML.format(reason=html.escape(reason)), status_code=404)


class FormPage:
    def __init__(self, engine: Engine, form: PublicForm) -> None:
        self.engine = engine
        self.form = form
        self.submission_id = secrets.token_urlsafe(16)  # one page view: one run at most
        self.busy = False
        config = form.config
        ui.label(config.title or form.workflow_name).classes("ren-title").props(
            'role="heading" aria-level="1"'
        )
        if config.description:
            ui.label(config.description).classes("ren-task-description")
        self.card = ui.column().classes("ren-card ren-task-card w-full").mark("public-form")
        with self.card:
            self.banner = ui.column().classes("w-full gap-0")
            self.banner.set_visibility(False)
            if any(f.required for f in config.fields):
                ui.label("Fields marked * must be filled in.").classes("ren-field-hint -mb-2")
            fields = [f.model_dump(mode="json") for f in config.fields]
            self.fields = TaskForm(fields, on_enter=self.submit)
            self.button = ui.button(config.submit_label, on_click=self.submit)
            self.button.props("unelevated color=primary size=lg no-caps")
            self.button.props('data-testid="form-submit"').mark("form-submit")

    def _say(self, title: str, lines: list[str]) -> None:
        show_problem(self.banner, title, lines)

    async def submit(self) -> None:
        if self.busy:  # a second click while the first is on its way
            return
        self.busy = True
        self.button.props("loading")
        values = self.fields.values()
        try:
            run_id = await submit(self.engine, self.form, values, self.submission_id)
        except FormInvalid as err:
            rest = self.fields.show_errors(err.errors)
            count = len(err.errors)
            self._say(
                f"Please check {'this answer' if count == 1 else f'these {count} answers'}.",
                rest,
            )
            self.busy = False
            self.button.props(remove="loading")
            return
        self.card.clear()
        with self.card:
            await self._response(run_id, values)

    async def _response(self, run_id: str, values: dict[str, Any]) -> None:
        config = self.form.config
        if config.response == "text":
            scope = expression_scope(input=values, nodes={}, params=values, run={"id": run_id})
            try:
                text = str(render_template(config.thank_you, scope))
            except Exception:  # a template that fails shows as written, never a traceback
                text = config.thank_you
            thank_you(text)
            return
        with ui.row().classes("items-center gap-3").mark("form-waiting") as waiting:
            ui.spinner(size="lg")
            ui.label("Working on it…").classes("ren-muted")
        try:
            run = await self.engine.wait(run_id, timeout=config.wait_s)
        except TimeoutError:
            run = self.engine.get_run(run_id)
        waiting.delete()
        if run.status == "succeeded":
            show_output(run.output)
        elif run.status in ("failed", "canceled"):
            thank_you(FAILED_RUN, icon="error_outline")
        else:
            thank_you(
                "Your answers were received. The result is not ready yet; it will be handled "
                "without you.",
                icon="hourglass_top",
            )


def thank_you(text: str, icon: str = "check_circle") -> None:
    with ui.row().classes("items-start gap-3 flex-nowrap").mark("form-done"):
        ui.icon(icon, size="28px").classes("text-primary")
        ui.label(text).classes("text-base whitespace-pre-line").mark("form-response")


def show_output(output: Any) -> None:
    """The run's output: a text as it is, a `message` field as text, anything else as JSON."""
    if isinstance(output, dict) and isinstance(output.get("message"), str):
        thank_you(output["message"])
    elif isinstance(output, str):
        thank_you(output)
    else:
        with ui.column().classes("w-full gap-2").mark("form-done"):
            ui.label("Result").classes("font-semibold")
            ui.code(json.dumps(output, indent=2, ensure_ascii=False), language="json").classes(
                "w-full"
            ).mark("form-response")
