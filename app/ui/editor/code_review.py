"""The review dialog: what every guarded node runs, read before the person trusts it.

A workflow imported with Code nodes, command nodes or file nodes that move, overwrite or
delete does not run until a person trusted what they run (app.engine.code_trust). The dialog
shows that text for every such node of the draft (code, or the command as JSON), the untrusted
ones marked, and "Trust this code" trusts exactly what it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

if TYPE_CHECKING:
    from app.ui.editor.page import EditorPage

HINT = (
    "This workflow came with code, commands or file changes. They run with your rights on "
    "this computer: they can read and change your files and send data anywhere. Trust them "
    "only if you understand them or know where they come from."
)


def open_code_review(page: EditorPage) -> None:
    if not page.save_now():  # trust what is stored: the draft must be this tab's
        ui.notify("Save the draft first (see the notice above the canvas)", type="warning")
        return
    spec = page.spec
    trust = page.engine.workflows.trust
    untrusted = {g.node.id for g in trust.untrusted(page.workflow_id, spec)}
    guarded = trust.guarded(spec)
    with ui.dialog() as dialog, ui.card().classes("ren-dialog w-[48rem] max-w-full"):
        dialog.mark("code-review")
        ui.label("Review code").classes("ren-dialog-title")
        ui.label(HINT).classes("ren-hint")
        for item in guarded:
            node = item.node
            with ui.row().classes("items-center gap-2"):
                ui.label(f"{node.label} ({node.id}, {node.type})").classes("ren-field-title")
                if node.id in untrusted:
                    ui.badge("not trusted", color="negative")
            if node.id in untrusted and item.node.type != "code":
                ui.label(item.message).classes("ren-hint")
            ui.code(item.text, language=item.language).classes("w-full").mark(
                f"review-code-{node.id}"
            )

        shown = [g.text for g in guarded]  # trusted as shown, even if edited meanwhile

        def approve() -> None:
            trust.trust(page.workflow_id, shown, "review")
            dialog.close()
            page.validate()
            ui.notify(f"Trusted the code of {len(untrusted)} node(s)", type="positive")

        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
            button = ui.button("Trust this code", icon="verified_user", on_click=approve)
            button.props("unelevated no-caps color=primary data-testid=trust-code")
            button.mark("trust-code")
            button.set_enabled(bool(untrusted))
    dialog.open()
