"""The Form trigger's links, under its address in the side panel: when the form's access is
"anyone with the link", make a named link (/f/…, app.auth.form_links), copy it, revoke it."""

from __future__ import annotations

import time
from typing import Any

from nicegui import ui

from app.auth.form_links import FormLinkError, FormLinks, folder_form_links
from app.auth.page_access import viewer
from app.auth.principal import WORKFLOWS_WRITE
from app.engine.service import Engine
from app.engine.webhooks import hook_path

SIGNED_IN_HINT = (
    "On the network only people signed in can fill it in. Set Access to “link” to share it "
    "with anyone through a link."
)
LINK_HINT = (
    "Anyone with one of these links can fill in the form, without an account, until the link "
    "is revoked."
)


class FormLinksPanel:
    def __init__(self, engine: Engine, workflow_id: str, base: str) -> None:
        self.links: FormLinks = folder_form_links(engine.folder.root, engine.folder.db_path)
        self.workflow_id = workflow_id
        self.base = base.rstrip("/")
        self.path = ""
        self.shown: tuple[str, bool] | None = None
        self.root = ui.column().classes("w-full gap-2").mark("form-links")

    def update(self, config: dict[str, Any], force: bool = False) -> None:
        """Redraw for the form's path and access (only when one of them changed)."""
        path, shared = hook_path(str(config.get("path") or "")), config.get("access") == "link"
        if (path, shared) == self.shown and not force:
            return
        self.path, self.shown = path, (path, shared)
        self.root.clear()
        with self.root:
            ui.label("Shared links").classes("ren-field-title")
            ui.label(LINK_HINT if shared else SIGNED_IN_HINT).classes("ren-hint")
            if not shared:
                return
            if not viewer().can(WORKFLOWS_WRITE):  # read-only editor: the links, no changes
                self._list(changes=False)
                return
            with ui.row().classes("w-full items-center no-wrap gap-2"):
                self.label = ui.input("Name of the link (e.g. newsletter)").props("dense outlined")
                self.label.classes("flex-1").mark("form-link-label")
                ui.button("Create link", on_click=self._create).props("unelevated no-caps").mark(
                    "form-link-create"
                )
            self.error = ui.label("").classes("ren-field-error").mark("form-link-error")
            self._list()

    def _create(self) -> None:
        try:
            link, token = self.links.create(
                self.workflow_id, self.path, str(self.label.value or ""), viewer().name
            )
        except FormLinkError as err:
            self.error.text = str(err)
            return
        ui.clipboard.write(f"{self.base}/f/{token}")
        ui.notify(f"Link “{link.label}” copied", type="positive")
        self.update({"path": self.path, "access": "link"}, force=True)

    def _list(self, changes: bool = True) -> None:
        now = time.time()
        for link in reversed(self.links.of_form(self.workflow_id, self.path)):
            state = link.state(now)
            url = f"{self.base}/f/{self.links.token_of(link)}"
            with ui.row().classes("w-full items-center no-wrap gap-1").mark("form-link"):
                ui.label(f"{link.label} · {state}").classes("text-sm flex-1")
                if state != "open" or not changes:
                    continue
                ui.button(icon="content_copy", on_click=lambda _, u=url: self._copy(u)).props(
                    "flat dense round size=sm"
                ).tooltip("Copy this link")
                ui.button("Revoke", on_click=lambda _, i=link.id: self._revoke(i)).props(
                    "flat dense no-caps"
                ).mark(f"form-link-revoke-{link.id}")

    @staticmethod
    def _copy(url: str) -> None:
        ui.clipboard.write(url)
        ui.notify("Link copied.")

    def _revoke(self, link_id: str) -> None:
        self.links.revoke(link_id)
        self.update({"path": self.path, "access": "link"}, force=True)
