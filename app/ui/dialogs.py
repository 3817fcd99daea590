"""Dialogs the pages share: `confirm`, asking before something that cannot be undone.

if await confirm(
    self.root,
    "Remove this schedule?",
    ["Runs it already started are kept."],
    decline="Keep it",
    decline_marker="keep-schedule",
    accept="Remove",
    accept_marker="confirm-remove",
):
    ...
"""

from __future__ import annotations

from collections.abc import Sequence

from nicegui import ui


async def confirm(
    parent: ui.element,
    title: str,
    text: Sequence[str],
    *,
    decline: str,
    decline_marker: str,
    accept: str,
    accept_marker: str,
) -> bool:
    """Ask in a dialog; True when the user presses `accept`, False on `decline` or dismissal.

    The dialog is built in `parent` and deleted once answered. It shows `title`, then each of
    `text` as a muted paragraph, then the two buttons: `decline` (focused, so Enter keeps things
    as they are) and `accept` in red. The buttons carry the markers given (tests find them by
    these); the accepting button also carries its marker as `data-testid`, for browser tests.
    """
    with parent, ui.dialog() as dialog, ui.card().classes("ren-dialog"):
        ui.label(title).classes("ren-dialog-title")
        for paragraph in text:
            ui.label(paragraph).classes("ren-muted")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button(decline, on_click=lambda: dialog.submit(False)).props("flat autofocus").mark(
                decline_marker
            )
            ui.button(accept, on_click=lambda: dialog.submit(True)).props(
                f'unelevated color=negative data-testid="{accept_marker}"'
            ).mark(accept_marker)
    confirmed = bool(await dialog)
    dialog.delete()
    return confirmed
