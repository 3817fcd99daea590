"""The Form trigger's part of the side panel: the form's address (to copy or open) and whether
it is live (a published version has a form at that path), and its shared links."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from app.engine.form_triggers import FormUnavailable, find_form
from app.engine.service import Engine
from app.engine.webhooks import hook_path
from app.ui.editor.form_links_panel import FormLinksPanel
from app.ui.editor.webhook_panel import app_address


def form_url(base: str, workflow_id: str, path: str) -> str:
    """The full address of a form, e.g. http://127.0.0.1:8710/forms/signup/team."""
    tail = hook_path(path)
    return f"{base.rstrip('/')}/forms/{workflow_id}" + (f"/{tail}" if tail else "")


class FormPanel:
    def __init__(self, engine: Engine, workflow_id: str) -> None:
        self.engine = engine
        self.workflow_id = workflow_id
        self.base = app_address()

    def build(self, config: dict[str, Any]) -> None:
        ui.label("Form").classes("ren-section mt-4")
        self.status = ui.label().classes("ren-hint").mark("form-status")
        ui.label("Address of the form").classes("ren-field-title")
        with ui.row().classes("w-full items-center no-wrap gap-2"):
            self.url = ui.link("", "", new_tab=True).classes("ren-mono text-sm break-all")
            self.url.mark("form-url")
            ui.button(icon="content_copy", on_click=self._copy).props(
                "flat dense round size=sm"
            ).tooltip("Copy the address")
        self.shared = FormLinksPanel(self.engine, self.workflow_id, self.base)
        self.update(config)

    def update(self, config: dict[str, Any]) -> None:
        path = str(config.get("path") or "")
        url = form_url(self.base, self.workflow_id, path)
        self.url.text = url
        self.url.props(f'href="{url}"')
        try:
            find_form(self.engine, self.workflow_id, path)
            self.status.text = "Live: people can fill it in at this address."
        except FormUnavailable:
            self.status.text = "Publish the workflow to open the form at this address."
        self.shared.update(config)

    def _copy(self) -> None:
        ui.clipboard.write(self.url.text)
        ui.notify("Copied the form's address.")
