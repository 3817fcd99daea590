"""The notice the editor shows when its draft was changed elsewhere.

The editor saves compare-and-set on the draft's revision (`Workflows.save_draft`). When a save
finds another revision (another tab or window saved, an import, `ren`), or the editor's periodic
look finds one, autosave stops and this banner stays under the toolbar until the user chooses:
Reload (drop this tab's unsaved edits, show the current draft) or Keep mine (overwrite the
current draft with this tab's, after asking).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from app.ui.dialogs import confirm

if TYPE_CHECKING:
    from app.ui.editor.page import EditorPage

TITLE = "This draft was changed elsewhere"
TEXT = (
    "Another tab or window, an import or the command line saved this workflow after this tab "
    "loaded it, so this tab has stopped saving: nothing is overwritten until you choose. "
    "Reload shows the current draft (this tab's unsaved edits are discarded); Keep mine "
    "replaces it with this tab's draft."
)


class ConflictNotice:
    def __init__(self, page: EditorPage) -> None:
        self.page = page
        self.root = ui.row().classes("ren-conflict w-full items-center no-wrap gap-3")
        self.root.props('role=alert data-testid="draft-conflict"').mark("draft-conflict")
        with self.root:
            ui.icon("sync_problem", size="22px").classes("ren-conflict-icon")
            with ui.column().classes("gap-0 flex-1 min-w-0"):
                ui.label(TITLE).classes("ren-conflict-title")
                ui.label(TEXT).classes("ren-conflict-text")
            ui.button("Reload", icon="refresh", on_click=self.reload).props(
                'unelevated no-caps color=primary data-testid="conflict-reload"'
            ).mark("conflict-reload")
            ui.button("Keep mine", icon="save", on_click=self.keep_mine).props(
                'outline no-caps data-testid="conflict-keep-mine"'
            ).classes("ren-conflict-keep").mark("conflict-keep-mine")
        self.root.set_visibility(False)

    @property
    def shown(self) -> bool:
        return bool(self.root.visible)

    def show(self) -> None:
        self.root.set_visibility(True)

    def hide(self) -> None:
        self.root.set_visibility(False)

    def reload(self) -> None:
        self.page.reload_draft()

    async def keep_mine(self) -> None:
        if await confirm(
            self.root,
            "Overwrite the draft with this tab's?",
            [
                "The changes saved elsewhere are replaced by the draft this tab shows. "
                "Published versions and runs are not affected.",
            ],
            decline="Cancel",
            decline_marker="keep-mine-cancel",
            accept="Overwrite",
            accept_marker="confirm-keep-mine",
        ):
            self.page.keep_mine()
