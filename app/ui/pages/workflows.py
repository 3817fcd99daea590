"""The workflows page: search, the list with each workflow's version and last run, and the
create / import / export / duplicate / delete actions. The editor lives at /workflows/{id}."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nicegui import events, ui

from app.core.dsl import WorkflowFormatError, WorkflowSpec, parse_json_text
from app.core.importers import import_workflow
from app.engine.service import Engine
from app.engine.workflows import WorkflowSummary
from app.ui.dialogs import confirm
from app.ui.fmt import ago, stamp
from app.ui.pages.settings_retention import retention_of
from app.ui.shell import empty_state, frame, page_heading, require_engine, status_chip

Action = Callable[[], Any]
PAGE_SIZE = 100
UNTITLED = WorkflowSpec.model_fields["name"].default
MAX_UPLOAD_BYTES = 10 * 2**20


def register() -> None:
    ui.page("/")(workflows_page)
    ui.page("/workflows")(workflows_page)


def workflows_page() -> None:
    with frame("Workflows", "workflows"):
        engine = require_engine()
        if engine is not None:
            WorkflowsPage(engine)


def editor_url(workflow_id: str) -> str:
    return f"/workflows/{workflow_id}"


# -- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    workflow_id: str
    name: str
    version: int | None  # the version published on import; None when it has problems
    problems: list[str] = field(default_factory=list)


def read_import(filename: str, data: bytes) -> WorkflowSpec:
    """A workflow file in any supported format, read (nothing written). A file that cannot be
    read raises WorkflowFormatError."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WorkflowFormatError(filename, ["the file is not UTF-8 text"]) from None
    doc = parse_json_text(text, filename)  # a syntax error or too deep a nesting is refused
    spec = import_workflow(doc, filename)
    if spec.name == UNTITLED:  # the document has no name: the file's is better than none
        spec.name = Path(filename).stem.replace("_", " ").replace("-", " ").strip().capitalize()
    return spec


def same_workflow(engine: Engine, spec: WorkflowSpec, filename: str) -> WorkflowSummary | None:
    """An existing workflow the file would be taken for: the same id, else the same name."""
    wanted_id = spec.id or Path(filename).stem
    summaries = engine.workflows.summaries()
    by_id = next((s for s in summaries if s.id == wanted_id), None)
    name = spec.name.strip().casefold()
    return by_id or next((s for s in summaries if s.name.strip().casefold() == name), None)


def import_spec(
    engine: Engine, spec: WorkflowSpec, filename: str, replace: str | None = None
) -> Imported:
    """Add `spec` as a new workflow (or, with `replace`, as that workflow's new draft),
    published when it is valid."""
    if replace is not None:
        workflow_id = engine.workflows.save(spec.model_copy(update={"id": replace}), replace)
    else:
        workflow_id = engine.workflows.add_imported(spec, Path(filename).stem)
    problems = [str(p) for p in engine.workflows.validate(spec, workflow_id)]  # code: untrusted
    if problems:
        return Imported(workflow_id, spec.name, None, problems)
    published = engine.workflows.publish(workflow_id, f"Imported from {filename}")
    return Imported(workflow_id, spec.name, published.number)


def import_file(engine: Engine, filename: str, data: bytes) -> Imported:
    """Read a workflow file and add it as a new workflow, published when it is valid."""
    return import_spec(engine, read_import(filename, data), filename)


def as_copy(spec: WorkflowSpec, existing: WorkflowSummary) -> WorkflowSpec:
    """The document under a name that tells it apart from the workflow it resembles."""
    if spec.name.strip().casefold() != existing.name.strip().casefold():
        return spec
    return spec.model_copy(update={"name": f"{spec.name} (copy)"})


# -- the page -------------------------------------------------------------------------------


class WorkflowsPage:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.search = ""
        self.limit = PAGE_SIZE
        self.root = ui.column().classes("w-full gap-5")
        with self.root:
            actions = page_heading("Workflows", "Draw, publish and run your automations.")
            with actions:
                self.search_input = (
                    ui.input(placeholder="Search workflows", on_change=self._on_search)
                    .props('outlined dense clearable debounce=150 aria-label="Search workflows"')
                    .classes("w-64")
                    .mark("search")
                )
                with self.search_input.add_slot("prepend"):
                    ui.icon("search", size="20px").classes("ren-faint")
                with self.search_input.add_slot("append"):
                    ui.html('<span class="ren-kbd">/</span>', sanitize=False)
                ui.button("Import", icon="upload_file", on_click=self.open_import).props(
                    "outline color=primary"
                ).props('data-testid="import"').mark("import")
                ui.button("New workflow", icon="add", on_click=self.open_create).props(
                    "unelevated color=primary"
                ).props('data-testid="new-workflow"').mark("new-workflow").tooltip(
                    "New workflow (N)"
                )
            self.listing()
        ui.keyboard(on_key=self._on_key)

    # -- list -----------------------------------------------------------------------------

    @ui.refreshable_method
    def listing(self) -> None:
        summaries = self.engine.workflows.summaries(self.search)
        if not summaries:
            with ui.column().classes("ren-card w-full"):
                if self.search:
                    actions = empty_state(
                        "search_off",
                        f"No workflows match “{self.search}”",
                        "Try another name, or clear the search to see every workflow.",
                    )
                    with actions:
                        ui.button("Clear search", on_click=self.clear_search).props("flat")
                else:
                    actions = empty_state(
                        "account_tree",
                        "No workflows yet",
                        "Create one or import a file. A workflow is a graph of steps Ren runs "
                        "for you — it can call your Python functions, branch, loop, and pick "
                        "up where it left off after a restart.",
                    )
                    with actions:
                        ui.button(
                            "Import a file", icon="upload_file", on_click=self.open_import
                        ).props("outline color=primary")
                        ui.button("New workflow", icon="add", on_click=self.open_create).props(
                            "unelevated color=primary"
                        )
            return
        with ui.column().classes("ren-card ren-list gap-0"):
            with ui.element("div").classes("ren-list-row ren-list-head"):
                ui.label("Name")
                ui.label("Status")
                ui.label("Last run").classes("ren-col-optional")
                ui.label("Updated").classes("ren-col-optional")
                ui.label("")
            for summary in summaries[: self.limit]:
                self._row(summary)
            if len(summaries) > self.limit:
                with ui.row().classes("ren-list-more w-full items-center justify-between"):
                    ui.label(f"Showing {self.limit} of {len(summaries)}").classes("ren-muted")
                    ui.button(f"Show all {len(summaries)}", on_click=self.show_all).props("flat")

    def _row(self, s: WorkflowSummary) -> None:
        with ui.element("div").classes("ren-list-row").props(f'data-workflow="{s.id}"'):
            with ui.column().classes("gap-0 min-w-0"):
                ui.link(s.name, editor_url(s.id)).classes("ren-row-link truncate max-w-full")
                nodes = f"{s.nodes} node" + ("" if s.nodes == 1 else "s")
                ui.label(f"{s.id} · {nodes}").classes("ren-small ren-faint truncate max-w-full")
            with ui.column().classes("gap-1 items-start"):
                if s.version is None:
                    status_chip("draft", "Draft only")
                else:
                    status_chip("published", f"Published v{s.version}")
                    if s.draft_changed:
                        ui.label(f"Draft changed since v{s.version}").classes("ren-note-changed")
            with ui.element("div").classes("ren-col-optional min-w-0"):
                run = s.last_run
                if run is None:
                    ui.label("Never run").classes("ren-faint")
                else:
                    title = f"Run {run.id}, started {stamp(run.created_at)}"
                    with (
                        ui.link(target=f"/runs/{run.id}")
                        .classes("ren-link flex items-center gap-2 flex-nowrap")
                        .props(f'title="{title}"')
                    ):
                        status_chip(run.status)
                        ui.label(ago(run.created_at)).classes("ren-muted ren-small")
            ui.label(ago(s.updated_at)).classes("ren-muted ren-col-optional").props(
                f'title="{stamp(s.updated_at)}"'
            )
            with ui.row().classes("justify-end gap-0 flex-nowrap"):
                edit = ui.button(
                    icon="edit", color=None, on_click=lambda s=s: ui.navigate.to(editor_url(s.id))
                ).props('flat round dense title="Open in the editor"')
                edit.classes("ren-icon-btn").props["aria-label"] = f"Open {s.name} in the editor"
                more = ui.button(icon="more_horiz", color=None).props(
                    'flat round dense aria-haspopup="menu" data-testid="more"'
                )
                more.classes("ren-icon-btn").mark("more")
                more.props["aria-label"] = f"More actions for {s.name}"
                more.on_click(lambda _, s=s, more=more: self.open_menu(more, s))

    def open_menu(self, anchor: ui.button, s: WorkflowSummary) -> None:
        """A row's actions, built when asked for (a list of many rows stays light)."""
        with anchor, ui.menu().props("anchor='bottom right' self='top right'") as menu:
            self._menu_item("history", "Runs", lambda: self.show_runs(s), "runs")
            self._menu_item("download", "Export JSON", lambda: self.export(s), "export")
            self._menu_item("content_copy", "Duplicate", lambda: self.duplicate(s), "duplicate")
            self._menu_item("auto_delete", "Retention…", lambda: retention_of(s.id), "retention")
            ui.separator()
            self._menu_item("delete", "Delete…", lambda: self.confirm_delete(s), "delete", True)
        menu.on("hide", menu.delete)
        menu.open()

    @staticmethod
    def _menu_item(
        icon: str,
        label: str,
        action: events.Handler[events.ClickEventArguments],
        marker: str,
        danger: bool = False,
    ) -> None:
        item = ui.menu_item(on_click=action).classes("min-h-0 py-2 pr-6").mark(marker)
        item.props(f'data-testid="{marker}"')
        with item, ui.row().classes("items-center gap-3 flex-nowrap"):
            ui.icon(icon, size="18px").classes("text-negative" if danger else "ren-muted")
            ui.label(label).classes("text-negative" if danger else "")

    # -- search and keys ------------------------------------------------------------------

    def _on_search(self, e: events.ValueChangeEventArguments[str | None]) -> None:
        self.search = str(e.value or "").strip()
        self.limit = PAGE_SIZE
        self.listing.refresh()

    def clear_search(self) -> None:
        self.search_input.value = ""

    def show_all(self) -> None:
        self.limit = 10**9
        self.listing.refresh()

    def _on_key(self, e: events.KeyEventArguments) -> None:
        if not e.action.keyup or e.modifiers.ctrl or e.modifiers.meta or e.modifiers.alt:
            return
        if e.key == "/":
            self.search_input.run_method("focus")
        elif e.key.name in ("n", "N"):
            self.open_create()

    # -- actions --------------------------------------------------------------------------

    def open_create(self) -> None:
        with self.root, ui.dialog() as dialog, ui.card().classes("ren-dialog"):
            ui.label("New workflow").classes("ren-dialog-title")
            name = (
                ui.input("Name", placeholder="e.g. Nightly product import")
                .props("outlined autofocus stack-label")
                .classes("w-full")
            )
            ui.label("It starts with a Start node; you draw the rest in the editor.").classes(
                "ren-muted ren-small -mt-2"
            )

            def create() -> None:
                workflow_id = self.engine.workflows.create(name.value or "")
                dialog.close()
                ui.navigate.to(editor_url(workflow_id))

            name.on("keydown.enter", create)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Create", on_click=create).props(
                    'unelevated color=primary data-testid="create"'
                ).mark("create")
        dialog.on("hide", dialog.delete)
        dialog.open()

    def open_import(self) -> None:
        with self.root, ui.dialog() as dialog, ui.card().classes("ren-dialog"):
            ui.label("Import a workflow").classes("ren-dialog-title")
            ui.label(
                "Ren's own format (ren.workflow/1) and the seed formats (seed 001, 002 and "
                "004) are accepted. A valid workflow is published as v1; one with problems is "
                "kept as a draft for you to fix. A file Ren cannot read changes nothing."
            ).classes("ren-muted text-sm")
            errors = ui.column().classes("w-full gap-0")

            def finish(spec: WorkflowSpec, filename: str, replace: str | None) -> None:
                dialog.close()
                self.imported(import_spec(self.engine, spec, filename, replace))

            def ask(spec: WorkflowSpec, filename: str, existing: WorkflowSummary) -> None:
                """The file looks like a workflow Ren has: replace it, add a copy, or stop."""
                with (
                    errors,
                    ui.element("div")
                    .classes("ren-card w-full")
                    .props('role="alert" data-testid="import-exists"')
                    .mark("import-exists"),
                ):
                    ui.label(f"“{existing.name}” ({existing.id}) is already here.").classes(
                        "font-semibold"
                    )
                    ui.label(
                        "Replace it: the file becomes its draft and, when valid, its next "
                        "version (its runs and earlier versions are kept). Import as a copy: a "
                        "new workflow next to it."
                    ).classes("ren-muted text-sm")
                    with ui.row().classes("w-full justify-end gap-2"):
                        ui.button("Cancel", on_click=dialog.close).props("flat").mark(
                            "import-cancel"
                        )
                        ui.button(
                            "Import as a copy",
                            on_click=lambda: finish(as_copy(spec, existing), filename, None),
                        ).props("outline color=primary").mark("import-copy")
                        ui.button(
                            "Replace",
                            on_click=lambda: finish(spec, filename, existing.id),
                        ).props("unelevated color=primary").mark("import-replace")

            async def received(e: events.UploadEventArguments) -> None:
                errors.clear()
                data = await e.file.read()
                try:
                    spec = read_import(e.file.name, data)
                    existing = same_workflow(self.engine, spec, e.file.name)
                    if existing is not None:
                        upload.reset()
                        ask(spec, e.file.name, existing)
                        return
                    result = import_spec(self.engine, spec, e.file.name)
                except WorkflowFormatError as err:
                    upload.reset()
                    with (
                        errors,
                        ui.element("div")
                        .classes("ren-error-box")
                        .props('role="alert" data-testid="import-error"')
                        .mark("import-error"),
                    ):
                        ui.label(f"Couldn't import {e.file.name}").classes("font-semibold")
                        with ui.element("ul"):
                            for problem in err.problems:
                                with ui.element("li"):
                                    ui.label(problem)
                    return
                dialog.close()
                self.imported(result)

            upload = (
                ui.upload(
                    on_upload=received,
                    auto_upload=True,
                    max_files=1,
                    max_file_size=MAX_UPLOAD_BYTES,
                    on_rejected=lambda: ui.notify("That file is over 10 MB.", type="warning"),
                )
                .props('accept=".json,application/json" flat bordered')
                .classes("w-full ren-uploader")
            )
            with (
                upload.add_slot("header"),
                ui.row().classes("w-full items-center gap-3 px-4 py-3 no-wrap"),
            ):
                ui.icon("upload_file", size="26px").classes("ren-muted")
                with ui.column().classes("gap-0 min-w-0"):
                    ui.label("Drop a workflow file here").classes("font-medium")
                    ui.label("JSON, up to 10 MB").classes("ren-small ren-muted")
                ui.space()
                with ui.button("Choose file", icon="folder_open").props(
                    'unelevated color=primary data-testid="choose-file"'
                ):
                    ui.element("q-uploader-add-trigger")
            with upload.add_slot("list"):
                ui.element("div").classes("hidden")
            with ui.row().classes("w-full justify-end"):
                ui.button("Close", on_click=dialog.close).props("flat")
        dialog.on("hide", dialog.delete)
        dialog.open()

    def imported(self, result: Imported) -> None:
        self.listing.refresh()
        if result.version is not None:
            ui.notify(
                f"Imported “{result.name}” and published it as v{result.version}.", type="positive"
            )
        else:
            count = len(result.problems)
            ui.notify(
                f"Imported “{result.name}” as a draft: {count} problem"
                f"{'' if count == 1 else 's'} to fix in the editor before it can run "
                f"(first: {result.problems[0]}).",
                type="warning",
                multi_line=True,
                timeout=8000,
            )

    def export(self, s: WorkflowSummary) -> None:
        text = self.engine.workflows.export_json(s.id)
        ui.download.content(text.encode(), f"{s.id}.json", "application/json")

    def duplicate(self, s: WorkflowSummary) -> None:
        new_id = self.engine.workflows.duplicate(s.id)
        self.listing.refresh()
        ui.notify(f"Duplicated “{s.name}” as {new_id}.", type="positive")

    def show_runs(self, s: WorkflowSummary) -> None:
        ui.navigate.to(f"/runs?workflow={s.id}")

    async def confirm_delete(self, s: WorkflowSummary) -> None:
        runs = self.engine.workflows.run_count(s.id)
        kept = (
            "It has no runs."
            if runs == 0
            else f"Its {runs} past run{'' if runs == 1 else 's'} "
            f"{'is' if runs == 1 else 'are'} kept and stay{'s' if runs == 1 else ''} under Runs."
        )
        text = [f"The workflow and its versions leave this list. {kept}"]
        schedules = len(self.engine.schedules.of_workflow(s.id))
        if schedules:
            plural = "s" if schedules > 1 else ""
            text.append(f"Its {schedules} schedule{plural} will be removed, so no new runs start.")
        if await confirm(
            self.root,
            f"Delete “{s.name}”?",
            text,
            decline="Cancel",
            decline_marker="cancel-delete",
            accept="Delete",
            accept_marker="confirm-delete",
        ):
            self.engine.delete_workflow(s.id)
            self.listing.refresh()
            ui.notify(f"Deleted “{s.name}”.")
