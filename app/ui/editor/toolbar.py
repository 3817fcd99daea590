"""The editor's toolbar: name, version status, save state, undo/redo, layout, problems,
versions, publish and run; plus import/export and the keyboard shortcuts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import events, ui

from app.core.diff import diff_specs
from app.core.dsl import WorkflowFormatError, parse_json_text, parse_workflow
from app.core.problems import Problem
from app.engine.workflows import NotFound, WorkflowInvalid, definition_hash
from app.ui.editor.run_dialog import open_run_dialog
from app.ui.editor.versions import diff_view, spec_of, versions_dialog

if TYPE_CHECKING:
    from app.store.schema import WorkflowVersion
    from app.ui.editor.page import EditorPage

SHORTCUTS = (
    ("Drag from the palette", "add a node (or click it: added after the selected node)"),
    ("Drag from an output to an input", "connect (refused with the reason if types differ)"),
    ("Click / Ctrl+click / Shift+drag", "select / add to the selection / select an area"),
    ("Delete or Backspace", "delete the selection"),
    ("Ctrl+C, Ctrl+V", "copy and paste (pasted nodes get new ids)"),
    ("Ctrl+Z", "undo"),
    ("Ctrl+Shift+Z or Ctrl+Y", "redo"),
    ("Ctrl+A", "select every node"),
    ("Ctrl+S", "save now (the draft also saves itself)"),
    ("Mouse wheel, drag the background", "zoom, pan"),
)


class Toolbar:
    def __init__(self, page: EditorPage) -> None:
        self.page = page
        with ui.row().classes("ren-editor-toolbar w-full items-center no-wrap gap-1"):
            nav = ui.button(icon="menu", on_click=self.toggle_nav, color=None)
            nav.props("flat round dense")
            nav.tooltip("Show or hide the navigation").classes("ren-nav-toggle")
            link = ui.link(target="/workflows").classes("ren-crumb")
            with link:
                ui.label("Workflows")
            ui.icon("chevron_right", size="18px").classes("ren-faint")
            self.name = ui.label(page.spec.name).classes("ren-editor-name")
            self.name.on("click", lambda: page.focus(None, None))
            self.name.tooltip("Workflow settings")
            self.status = ui.label().classes("ren-status ren-version-chip")
            self.saved = ui.label().classes("ren-save-state")
            ui.space()
            self.undo_button = self._button("undo", "Undo (Ctrl+Z)", page.undo).mark("undo")
            self.redo_button = self._button("redo", "Redo (Ctrl+Shift+Z)", page.redo).mark("redo")
            ui.separator().props("vertical").classes("mx-1")
            self._button("account_tree", "Auto-layout", page.auto_layout).classes(
                "ren-layout"
            ).mark("layout")
            self._button("fit_screen", "Fit to screen", page.canvas_fit)
            ui.separator().props("vertical").classes("mx-1")
            self.problems = ui.button(on_click=self.show_problems, color=None)
            self.problems.props("flat dense no-caps")
            self.problems.classes("ren-problems-button").mark("problems")
            self.review = ui.button("Review code", icon="policy", on_click=page.review_code)
            self.review.props("flat dense no-caps color=negative data-testid=review-code")
            self.review.mark("review-code-toolbar")
            self.review.tooltip("This workflow came with code no one trusted yet: read it here")
            self._button("history", "Versions", self.open_versions).classes("ren-versions").mark(
                "versions"
            )
            more = ui.button(icon="more_vert", color=None).props("flat round dense")
            with more, ui.menu():
                ui.menu_item("Import a file into this draft…", self.open_import)
                ui.menu_item("Export JSON", self.export)
                ui.menu_item("Keyboard shortcuts", self.open_shortcuts)
            self.publish_button = ui.button(
                "Publish", icon="publish", on_click=self.open_publish, color=None
            )
            self.publish_button.props("outline no-caps dense").classes("ren-publish px-2").mark(
                "publish"
            )
            self.run_button = ui.button("Run", icon="play_arrow", on_click=self.open_run)
            self.run_button.props("unelevated no-caps dense color=primary").classes("ren-run px-3")
            self.run_button.mark("run")

    def _button(self, icon: str, tip: str, action: object) -> ui.button:
        button = ui.button(icon=icon, on_click=action, color=None)  # type: ignore[arg-type]
        button.props("flat round dense")
        button.tooltip(tip)
        button.props["aria-label"] = tip
        return button

    # ---- state ----------------------------------------------------------------------------
    def refresh(self) -> None:
        page = self.page
        self.name.text = page.spec.name or "Untitled workflow"
        self.undo_button.set_enabled(page.model.history.can_undo)
        self.redo_button.set_enabled(page.model.history.can_redo)
        if page.conflict:  # changed elsewhere: the notice under the toolbar says what to do
            self.saved.text = "Not saved"
        else:
            self.saved.text = "Unsaved changes" if page.dirty else "Saved"
        self.saved.classes(
            add="ren-save-dirty" if page.dirty else "",
            remove="" if page.dirty else "ren-save-dirty",
        )
        self.saved.classes(
            add="ren-save-conflict" if page.conflict else "",
            remove="" if page.conflict else "ren-save-conflict",
        )
        count = len(page.problems)
        self.problems.text = (
            f"{count} problem{'s' if count != 1 else ''}" if count else "No problems"
        )
        self.problems.props(f"icon={'error_outline' if count else 'check_circle'}")
        self.problems.classes(
            add="ren-has-problems" if count else "", remove="" if count else "ren-has-problems"
        )
        self.review.set_visibility(any(p.code == "untrusted_code" for p in page.problems))
        self.refresh_version()

    def refresh_version(self) -> None:
        page = self.page
        try:
            latest = page.engine.workflows.version(page.workflow_id)
        except NotFound:
            latest = None
        if latest is None:
            text, status = "Draft · never published", "draft"
        elif latest.hash == page.saved_hash and not page.dirty:
            text, status = f"Published · v{latest.number}", "published"
        else:
            text, status = f"v{latest.number} · draft has changes", "draft"
        self.status.text = text
        self.status.classes(
            add=f"ren-status--{status}",
            remove="ren-status--published" if status == "draft" else "ren-status--draft",
        )

    def show_saving(self) -> None:
        self.saved.text = "Saving…"

    def show_save_error(self, message: str) -> None:
        self.saved.text = "Not saved"
        ui.notify(f"The draft could not be saved: {message}", type="negative")

    # ---- actions --------------------------------------------------------------------------
    def toggle_nav(self) -> None:
        from app.ui.editor.page import nav_drawer

        drawer = nav_drawer()
        if drawer is not None:
            drawer.toggle()

    def show_problems(self) -> None:
        self.page.tabs.set_value("problems")

    def open_versions(self) -> None:
        page = self.page
        page.save_now()
        versions = page.engine.workflows.versions(page.workflow_id)

        def restore(version: WorkflowVersion) -> None:
            page.replace(spec_of(version))
            ui.notify(f"Version {version.number} restored into the draft")

        versions_dialog(versions, page.spec, restore).open()

    def open_publish(self) -> None:
        page = self.page
        if not page.save_now() and page.conflict:
            ui.notify(
                "The draft was changed elsewhere: choose Reload or Keep mine before publishing",
                type="warning",
            )
            return
        versions = page.engine.workflows.versions(page.workflow_id)
        latest = versions[0] if versions else None
        with ui.dialog() as dialog, ui.card().classes("ren-dialog ren-publish-dialog"):
            ui.label("Publish a version").classes("ren-dialog-title")
            ui.label(
                "A version is frozen: runs started from it keep it even if you edit the draft."
            ).classes("ren-hint")
            if latest is not None:
                if latest.hash == definition_hash(page.spec):
                    ui.label(f"Nothing changed since version {latest.number}.").classes("text-sm")
                else:
                    ui.label(f"Changes since version {latest.number}:").classes("text-sm")
                    diff_view(diff_specs(spec_of(latest), page.spec))
            message = ui.input("What changed?", placeholder="e.g. Skip small orders").props(
                "outlined dense stack-label autofocus"
            )
            message.classes("w-full ren-publish-message").mark("publish-message")
            problems_box = ui.column().classes("w-full gap-1 ren-publish-problems")

            def go_to(problem: Problem) -> None:
                dialog.close()
                page.focus(problem.node_id, problem.edge_id)

            def publish() -> None:
                if not page.save_now() and page.conflict:
                    dialog.close()  # the notice under the toolbar says what to do
                    return
                try:
                    done = page.engine.workflows.publish(page.workflow_id, message.value or "")
                except WorkflowInvalid as err:
                    problems_box.clear()
                    with problems_box:
                        n = len(err.problems)
                        ui.label(
                            f"Not published: {n} problem{'s' if n != 1 else ''} to fix first."
                        ).classes("text-negative text-sm")
                        for problem in err.problems:
                            item = ui.label(f"• {problem}").classes("ren-problem-link text-sm")
                            item.on("click", lambda p=problem: go_to(p))
                    return
                dialog.close()
                if done.created:
                    ui.notify(f"Published version {done.number}", type="positive")
                else:
                    ui.notify(f"Nothing changed: version {done.number} is current")
                self.refresh()

            message.on("keydown.enter", publish)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Publish", icon="publish", on_click=publish).props(
                    "unelevated no-caps color=primary"
                ).classes("ren-publish-go").mark("publish-go")
        dialog.open()

    def open_run(self) -> None:
        open_run_dialog(self.page)

    def open_import(self) -> None:
        page = self.page
        with ui.dialog() as dialog, ui.card().classes("ren-dialog"):
            ui.label("Import into this draft").classes("ren-dialog-title")
            ui.label(
                "Replaces the draft with a workflow file: Ren's own JSON or the seed formats "
                "(seed 001, 002, 004). Undo brings the current draft back."
            ).classes("ren-hint")
            error = ui.label().classes("text-negative text-sm")

            async def received(e: events.UploadEventArguments) -> None:
                text = await e.file.text()
                try:
                    raw = parse_json_text(text, e.file.name)
                    spec = page.engine.workflows.import_document(text)
                except (ValueError, WorkflowFormatError) as err:
                    error.text = str(err)
                    return
                unplaced = isinstance(raw, dict) and any(
                    isinstance(n, dict) and "position" not in n for n in raw.get("nodes") or []
                )
                spec = spec.model_copy(update={"name": spec.name or page.spec.name})
                page.replace(parse_workflow(spec.to_dict()), layout=unplaced)
                dialog.close()
                ui.notify(f"Imported {len(spec.nodes)} nodes from {e.file.name}")

            ui.upload(on_upload=received, auto_upload=True).props(
                'accept=".json,application/json" flat bordered'
            ).classes("w-full ren-import-upload")
            with ui.row().classes("w-full justify-end"):
                ui.button("Close", on_click=dialog.close).props("flat no-caps")
        dialog.open()

    def export(self) -> None:
        page = self.page
        ui.download.content(page.spec.to_json(), f"{page.workflow_id}.json", "application/json")

    def open_shortcuts(self) -> None:
        with ui.dialog() as dialog, ui.card().classes("ren-dialog"):
            ui.label("Keyboard and mouse").classes("ren-dialog-title")
            with ui.element("div").classes("ren-shortcuts"):
                for keys, what in SHORTCUTS:
                    ui.label(keys).classes("ren-kbd-cell")
                    ui.label(what).classes("text-sm")
            ui.label("On a Mac, Cmd works wherever Ctrl is named.").classes("ren-hint")
            with ui.row().classes("w-full justify-end"):
                ui.button("Close", on_click=dialog.close).props("flat no-caps")
        dialog.open()
