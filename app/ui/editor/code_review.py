"""The review dialog: every Code node's code, read before the person trusts it.

A workflow imported with Code nodes does not run until a person trusted their code
(app.engine.code_trust). The dialog shows the code of every Code node of the draft, the
untrusted ones marked, and "Trust this code" trusts exactly what it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from app.engine.code_trust import code_nodes, code_of

if TYPE_CHECKING:
    from app.ui.editor.page import EditorPage


def open_code_review(page: EditorPage) -> None:
    if not page.save_now():  # trust what is stored: the draft must be this tab's
        ui.notify("Save the draft first (see the notice above the canvas)", type="warning")
        return
    spec = page.spec
    trust = page.engine.workflows.trust
    untrusted = {n.id for n in trust.untrusted_nodes(page.workflow_id, spec)}
    nodes = code_nodes(spec)
    with ui.dialog() as dialog, ui.card().classes("ren-dialog w-[48rem] max-w-full"):
        dialog.mark("code-review")
        ui.label("Review code").classes("ren-dialog-title")
        ui.label(
            "This workflow came with Python code. It runs with your rights on this computer: "
            "it can read and change your files and send data anywhere. Trust it only if you "
            "understand it or know where it comes from."
        ).classes("ren-hint")
        for node in nodes:
            with ui.row().classes("items-center gap-2"):
                ui.label(f"{node.label} ({node.id})").classes("ren-field-title")
                if node.id in untrusted:
                    ui.badge("not trusted", color="negative")
            ui.code(code_of(node), language="python").classes("w-full").mark(
                f"review-code-{node.id}"
            )

        shown = [code_of(n) for n in nodes]  # trusted as shown, even if edited meanwhile

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
