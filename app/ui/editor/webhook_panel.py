"""The Webhook node's part of the side panel: the URL to call, its method, the workflow's secret
(masked, with show, copy and regenerate) and a curl line, and whether the webhook is live.

The secret is the workflow's (one per workflow, whatever its number of Webhook nodes); showing
the panel makes it if the workflow has none yet. A webhook is live once a published version
has a Webhook node at the same path and method; until then the panel says to publish (it
looks again every second, as publishing happens elsewhere).
"""

from __future__ import annotations

from typing import Any

from nicegui import ui

from app.engine.service import Engine
from app.engine.webhooks import SECRET_HEADER, SECRET_QUERY, hook_path, hook_url
from app.ui import live
from app.ui.dialogs import confirm
from app.ui.webhook_text import MASK, curl_example, sample_input

FALLBACK_ADDRESS = "http://127.0.0.1:8710"
STATUS_CHECK_S = 1.0


def app_address() -> str:
    """Where this app is reached, as it was started (never the Host a request names)."""
    reach = live.status.reach
    if reach and isinstance(reach.get("base"), str):
        return str(reach["base"])
    return FALLBACK_ADDRESS


class WebhookPanel:
    def __init__(self, engine: Engine, workflow_id: str, params: dict[str, Any]) -> None:
        self.engine = engine
        self.workflow_id = workflow_id
        self.params = params
        self.base = app_address()
        self.secret = engine.webhooks.secrets.get(workflow_id)
        self.path = ""
        self.method = "POST"

    def build(self, config: dict[str, Any]) -> None:
        ui.label("Webhook").classes("ren-section mt-4")
        self.status = ui.label().classes("ren-hint").mark("webhook-status")
        ui.label("URL to call").classes("ren-field-title")
        with ui.row().classes("w-full items-center no-wrap gap-2"):
            self.method_badge = ui.badge("").props("outline").mark("webhook-method")
            self.url = ui.label().classes("ren-mono text-sm break-all").mark("webhook-url")
            ui.button(icon="content_copy", on_click=lambda: self._copy(self.url.text)).props(
                "flat dense round size=sm"
            ).tooltip("Copy the URL")
        with ui.row().classes("w-full items-center no-wrap gap-1"):
            self.secret_box = ui.input(
                "Secret", value=self.secret, password=True, password_toggle_button=True
            ).props("dense outlined stack-label readonly")
            self.secret_box.props["hint"] = (
                f"Callers send it in the {SECRET_HEADER} header, or as ?{SECRET_QUERY}= in the URL"
            )
            self.secret_box.classes("w-full ren-field ren-mono").mark("webhook-secret")
            ui.button(icon="content_copy", on_click=lambda: self._copy(self.secret)).props(
                "flat dense round size=sm"
            ).tooltip("Copy the secret")
        self.regenerate_button = ui.button(
            "Regenerate secret", icon="autorenew", on_click=self._ask_regenerate
        )
        self.regenerate_button.props("flat dense no-caps").mark("webhook-regenerate")
        ui.label("Try it").classes("ren-field-title")
        with ui.row().classes("w-full items-start no-wrap gap-1"):
            self.curl = ui.label().classes("ren-hint ren-mono break-all").mark("webhook-curl")
            ui.button(
                icon="content_copy", on_click=lambda: self._copy(self._curl(self.secret))
            ).props("flat dense round size=sm").tooltip("Copy the command (with the secret)")
        self.update(config)
        # Publishing happens elsewhere (the toolbar, Run): look again now and then.
        ui.timer(STATUS_CHECK_S, self._refresh_status)

    def update(self, config: dict[str, Any]) -> None:
        """Show the node's current path and method (called again when they change)."""
        self.path = hook_path(str(config.get("path") or ""))
        self.method = str(config.get("method") or "POST")
        self.url.text = hook_url(self.base, self.workflow_id, self.path)
        self.method_badge.text = self.method
        self.curl.text = self._curl(MASK)
        self.status.text = self._status()

    def _refresh_status(self) -> None:
        text = self._status()
        if self.status.text != text:
            self.status.text = text

    def _status(self) -> str:
        published = self.engine.webhooks.published(self.workflow_id)
        if published is None:
            return "This webhook works once the workflow is published."
        live_here = any(h.path == self.path and h.method == self.method for h in published.hooks)
        if live_here:
            return (
                f"Live: {self.method} requests to this URL start runs of version "
                f"{published.version}."
            )
        return (
            f"The published version {published.version} has no {self.method} webhook at this "
            "URL yet; it works once you publish."
        )

    def _curl(self, secret: str) -> str:
        return curl_example(self.url.text, self.method, secret, sample_input(self.params))

    def _copy(self, text: str) -> None:
        ui.clipboard.write(text)
        ui.notify("Copied")

    async def _ask_regenerate(self) -> None:
        if not await confirm(
            self.regenerate_button,
            "Regenerate the webhook secret?",
            [
                "Callers that send the current secret are refused from the next request on; "
                "give them the new one."
            ],
            decline="Cancel",
            decline_marker="webhook-regenerate-cancel",
            accept="Regenerate",
            accept_marker="webhook-regenerate-confirm",
        ):
            return
        self.secret = self.engine.webhooks.secrets.regenerate(self.workflow_id)
        self.secret_box.value = self.secret
        self.curl.text = self._curl(MASK)
        ui.notify("New secret made; the old one no longer works")
