"""Credentials: the named sign-ins nodes use (API keys, tokens, passwords, OAuth2 clients, SMTP).

The list shows each credential's name, kind and the fields that are not secret; a secret is
shown at most as `••••1234`. "New credential" and "Edit" open a form whose secret fields are
password inputs (left empty when editing: the value is kept). Removing asks first. Values are
encrypted at rest (app.credentials.vault); the page never sends a secret back to the browser.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from nicegui import run, ui

from app.credentials.kinds import (
    KINDS,
    CredentialError,
    secret_field_names,
    visible_field_names,
)
from app.credentials.vault import CredentialInfo, Vault, folder_vault
from app.ui.dialogs import confirm
from app.ui.shell import empty_state, frame, page_heading, require_engine

KIND_LABELS = {
    "api_key": "API key",
    "bearer": "Bearer token",
    "basic": "User and password",
    "oauth2_client": "OAuth2 client",
    "smtp": "SMTP (email)",
    "generic": "Other secrets",
}
CHOICES = {"security": ["starttls", "tls", "none"], "placement": ["header", "query"]}


def register() -> None:
    ui.page("/credentials")(credentials_page)


async def credentials_page() -> None:
    with frame("Credentials", "credentials"):
        engine = require_engine()
        if engine is None:
            return
        vault = folder_vault(engine.folder.root)
        # the first look opens the vault (the keyring, the database): off the loop; a
        # problem (a key file others can read) is shown by the listing
        with contextlib.suppress(CredentialError):
            await run.io_bound(vault.key_store)
        CredentialsPage(vault)


class CredentialsPage:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.root = ui.column().classes("w-full gap-5")
        with self.root:
            actions = page_heading(
                "Credentials", "Sign-ins your workflows use, kept encrypted on this computer."
            )
            with actions:
                ui.button("New credential", icon="add", on_click=lambda: self.open_form()).props(
                    'unelevated color=primary data-testid="new-credential"'
                ).mark("new-credential")
            self.listing()

    @ui.refreshable_method
    def listing(self) -> None:
        try:
            found = self.vault.list()
            where = self.vault.key_store()
        except CredentialError as err:
            ui.label(str(err)).classes("ren-error").mark("credentials-error")
            return
        if not found:
            with ui.column().classes("ren-card w-full"):
                empty_state(
                    "key",
                    "No credentials yet",
                    "A credential is an API key, a token, a user and password or an OAuth2 "
                    "client that HTTP and email steps sign in with. Nodes refer to it by name; "
                    "its secret never shows in runs, logs or exports.",
                )
        else:
            with ui.column().classes("ren-card ren-list gap-0 w-full"):
                for info in found:
                    self._row(info)
        store = "the OS keyring" if where == "keyring" else f"the key file {where}"
        ui.label(f"The encryption key is kept in {store}.").classes("ren-muted").mark("key-store")

    def _row(self, info: CredentialInfo) -> None:
        with ui.row().classes("w-full items-center gap-4 py-2").mark(f"credential-{info.name}"):
            with ui.column().classes("gap-0 grow"):
                ui.label(info.name).classes("font-medium")
                shown = [f"{k}: {v}" for k, v in info.fields.items() if v not in ("", None)]
                shown += [f"{k}: {v}" for k, v in info.masks.items()]
                kind = KIND_LABELS.get(info.kind, info.kind)
                ui.label(" · ".join([kind, *shown])).classes("ren-muted")
            ui.label(time.strftime("%Y-%m-%d %H:%M", time.localtime(info.updated_at))).classes(
                "ren-muted"
            )
            ui.button("Edit", on_click=lambda i=info: self.open_form(i)).props("flat").mark(
                f"edit-{info.name}"
            )
            ui.button("Remove", on_click=lambda i=info: self.remove(i)).props(
                "flat color=negative"
            ).mark(f"remove-{info.name}")

    async def remove(self, info: CredentialInfo) -> None:
        text = [f"Steps that use '{info.name}' will fail until a credential of that name exists."]
        if await confirm(
            self.root,
            f"Remove the credential '{info.name}'?",
            text,
            decline="Keep it",
            decline_marker="keep-credential",
            accept="Remove",
            accept_marker="confirm-remove-credential",
        ):
            await run.io_bound(self.vault.remove, info.name)
            ui.notify(f"Credential '{info.name}' removed")
            self.listing.refresh()

    def open_form(self, info: CredentialInfo | None = None) -> None:
        with self.root:
            CredentialForm(self.vault, info, on_saved=self.listing.refresh)


class CredentialForm:
    """The add / edit dialog. Secret inputs start empty; empty when editing keeps the value."""

    def __init__(self, vault: Vault, info: CredentialInfo | None, on_saved: Any) -> None:
        self.vault = vault
        self.info = info
        self.on_saved = on_saved
        self.inputs: dict[str, ui.input | ui.number | ui.select] = {}
        self.generic_rows: list[tuple[ui.input, ui.input]] = []
        with ui.dialog() as self.dialog, ui.card().classes("ren-dialog w-[32rem]"):
            ui.label("Edit credential" if info else "New credential").classes("ren-dialog-title")
            self.name = ui.input("Name", value=info.name if info else "").mark("credential-name")
            self.kind = ui.select(
                KIND_LABELS,
                label="Kind",
                value=info.kind if info else "bearer",
                on_change=lambda: self.fields.refresh(),
            ).mark("credential-kind")
            if info:
                self.name.disable()
            self.fields()
            self.error = ui.label("").classes("ren-error").mark("credential-error")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat")
                ui.button("Save", on_click=self.save).props(
                    'unelevated color=primary data-testid="save-credential"'
                ).mark("save-credential")
        self.dialog.on_value_change(lambda e: None if e.value else self.dialog.delete())
        self.dialog.open()

    @ui.refreshable_method
    def fields(self) -> None:
        kind = str(self.kind.value)
        self.inputs, self.generic_rows = {}, []
        model = KINDS[kind]
        same_kind = self.info is not None and self.info.kind == kind
        known = self.info.fields if same_kind and self.info else {}
        for name in visible_field_names(kind):
            info = model.model_fields.get(name) or model.model_fields.get(f"{name}_address")
            help_text = (info.description if info else "") or ""
            value = known.get(name, info.default if info and info.default is not None else "")
            if name in CHOICES:
                field: ui.input | ui.number | ui.select = ui.select(
                    CHOICES[name], label=name, value=value or CHOICES[name][0]
                )
            elif name == "port":
                field = ui.number(name, value=value or 587, format="%d")
            else:
                field = ui.input(name, value=str(value or "")).props(f'hint="{help_text}"')
            self.inputs[name] = field.mark(f"field-{name}")
        masks = self.info.masks if same_kind and self.info else {}
        for name in secret_field_names(kind):
            self.inputs[name] = self._secret_input(name, masks.get(name))
        if kind == "generic":
            for name, mask in masks.items():
                self._generic_row(name, mask)
            ui.button("Add a field", icon="add", on_click=lambda: self._generic_row("", None))
            ui.column().classes("gap-0").mark("generic-rows")

    def _secret_input(self, name: str, mask: str | None) -> ui.input:
        hint = f"now {mask}; leave empty to keep it" if mask else ""
        return (
            ui.input(name, password=True, password_toggle_button=True)
            .props(f'hint="{hint}" autocomplete="new-password"')
            .mark(f"field-{name}")
        )

    def _generic_row(self, name: str, mask: str | None) -> None:
        with ui.row().classes("w-full gap-2"):
            key = ui.input("field name", value=name).mark("generic-name")
            value = self._secret_input("value", mask).mark("generic-value")
        self.generic_rows.append((key, value))

    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, field in self.inputs.items():
            value = field.value
            if name == "port" and value is not None:
                value = int(value)
            found[name] = value if value is not None else ""
        for key, value in self.generic_rows:
            if str(key.value).strip():
                found[str(key.value).strip()] = value.value or ""
        return found

    async def save(self) -> None:
        name, kind = str(self.name.value or "").strip(), str(self.kind.value)
        try:
            await run.io_bound(self.vault.put, name, kind, self.values())
        except CredentialError as err:
            self.error.set_text(str(err))
            return
        self.dialog.close()
        ui.notify(f"Credential '{name}' saved")
        self.on_saved()
