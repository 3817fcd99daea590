"""The editor's credential picker: a select of the data folder's credentials of the kinds a
node accepts (a config field named `credential`, or marked `x-ren-kind: credential` with
`x-ren-credential-kinds`), and a link to the Credentials page to add one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from app.credentials.kinds import CredentialError
from app.ui import runtime
from app.ui.editor.schema_form import FieldSpec


def credential_options(kinds: tuple[Any, ...]) -> dict[str, str]:
    """name -> "name (kind)" for the credentials a field accepts (nothing is decrypted)."""
    from app.credentials.vault import folder_vault

    if not runtime.running():
        return {}
    try:
        known = folder_vault(runtime.engine().folder.root).kinds()
    except (CredentialError, OSError):
        return {}
    return {
        name: f"{name} ({kind})"
        for name, kind in sorted(known.items())
        if not kinds or kind in kinds
    }


def credential_field(spec: FieldSpec, value: Any, on_change: Callable[[Any], None]) -> ui.element:
    options = credential_options(spec.choices)
    if value and value not in options:  # keep showing a name that is missing (a problem shows)
        options[str(value)] = f"{value} (missing)"
    label = spec.label + (" *" if spec.required else "")
    with ui.column().classes("w-full gap-0") as box:
        select = ui.select(
            options,
            label=label,
            value=value or None,
            clearable=True,
            on_change=lambda e: on_change(e.value or None),
        ).props("dense outlined stack-label options-dense")
        select.classes("w-full ren-field")
        select.props["data-field"] = spec.name
        select.mark("field-" + spec.name)
        wanted = ", ".join(str(k) for k in spec.choices) or "any kind"
        hint = f"{spec.description} ({wanted})" if spec.description else wanted
        select.props["hint"] = " ".join(hint.split())
        ui.link("Manage credentials", "/credentials", new_tab=True).classes("text-xs")
    return box
