"""Functions: the Python functions workflows may call, and the data folder's library.

`/functions` lists every function with its signature, summary and file (library files can be
edited; functions from `--functions` or the caller's own code are shown as such), the library's
problems (each with its file and line, and a button to fix it), "New function", "Upload .py"
and, per function, **Try it** (app.ui.pages.function_try). The code editor is
app.ui.pages.function_editor.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from nicegui import events, ui

from app.engine.service import Engine
from app.nodes.functions import FunctionInfo
from app.nodes.library import Snapshot
from app.nodes.library_edit import LibraryError, check_source, write_file
from app.ui.pages import function_editor
from app.ui.pages.function_packages import PackagesCard
from app.ui.pages.function_try import TryDialog
from app.ui.shell import empty_state, frame, page_heading, require_engine

MAX_UPLOAD = 1_000_000  # bytes: a function file, not a data set
UPLOAD_CSS = """
.ren-upload { width: auto; min-height: 0; max-height: none; background: transparent;
  box-shadow: none; }
.ren-upload .q-uploader__header { background: transparent; }
.ren-upload .q-uploader__list { display: none; }
"""


def register() -> None:
    ui.page("/functions")(functions_page)
    function_editor.register()


def functions_page() -> None:
    with frame("Functions", "functions"):
        engine = require_engine()
        if engine is not None:
            FunctionsPage(engine)


def edit_link(file: str, line: int | None = None) -> str:
    return f"/functions/edit/{quote(file)}" + (f"?line={line}" if line else "")


class FunctionsPage:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.library = engine.functions
        ui.add_css(UPLOAD_CSS)
        with ui.column().classes("w-full gap-5"):
            actions = page_heading(
                "Functions",
                "Python functions your workflows call. Files in the data folder's functions/ "
                "are loaded by the app, ren worker and every ren command.",
            )
            with actions:
                upload = (
                    ui.upload(
                        auto_upload=True,
                        max_file_size=MAX_UPLOAD,
                        on_upload=self.upload,
                        on_rejected=lambda: ui.notify("That file is too large for a function file"),
                    )
                    .props('accept=".py" flat data-testid="upload-functions"')
                    .classes("ren-upload")
                )
                upload.mark("upload-functions")
                # shown as one button (the uploader's own header and file list are hidden)
                with upload.add_slot("header"):
                    button = ui.button("Upload .py", icon="upload_file")
                    with button.props("outline color=primary"):
                        ui.element("q-uploader-add-trigger")
                with upload.add_slot("list"):
                    ui.element("div").classes("hidden")
                ui.button(
                    "New function",
                    icon="add",
                    on_click=lambda: ui.navigate.to("/functions/new"),
                ).props('unelevated color=primary data-testid="new-function"').mark("new-function")
            self.listing()
        # Try it's dialog lives outside the listing: a library reload redraws the listing,
        # which must not delete a dialog someone is using
        self.dialog_slot = ui.element("div")
        # the watcher reloads in a thread; redraw on the page's own loop
        self.changed = False
        stop = self.library.on_reload(lambda snapshot: setattr(self, "changed", True))
        ui.context.client.on_delete(stop)
        ui.timer(0.5, self.refresh_if_changed)

    def refresh_if_changed(self) -> None:
        if self.changed:
            self.changed = False
            self.listing.refresh()

    @ui.refreshable_method
    def listing(self) -> None:
        snapshot = self.library.snapshot
        self.problems(snapshot)
        PackagesCard(self.library.folder, self.library.reload)  # the reload redraws the page
        functions = list(self.library)
        if not functions:
            with ui.column().classes("ren-card w-full"):
                actions = empty_state(
                    "functions",
                    "No functions yet",
                    "A function node runs a Python function you write: it gets the node's "
                    "input as “state” and returns a dict, its output. Write one here, or upload "
                    "a .py file; it is saved in the data folder's functions/ folder.",
                )
                with actions:
                    ui.button(
                        "New function", on_click=lambda: ui.navigate.to("/functions/new")
                    ).props("unelevated color=primary")
            return
        with ui.column().classes("w-full gap-2").props('data-testid="function-list"'):
            for info in functions:
                self.row(info)

    def problems(self, snapshot: Snapshot) -> None:
        if not snapshot.problems:
            return
        with ui.column().classes("ren-card w-full gap-1").props('data-testid="library-problems"'):
            ui.label("These files have problems; their functions are not available").classes(
                "font-semibold text-negative"
            )
            for problem in snapshot.problems:
                with ui.row().classes("items-center gap-2 w-full"):
                    ui.icon("error_outline", size="18px").classes("text-negative")
                    ui.label(f"functions/{problem}").classes("ren-mono text-sm")
                    ui.space()
                    ui.button(
                        "Fix",
                        on_click=lambda p=problem: ui.navigate.to(edit_link(p.file, p.line)),
                    ).props("flat dense no-caps")

    def row(self, info: FunctionInfo) -> None:
        in_library = self.library.origin(info.name) is not None
        with ui.row().classes("ren-card w-full items-start gap-4 no-wrap ren-function"):
            with ui.column().classes("gap-1 min-w-0 grow"):
                with ui.row().classes("items-baseline gap-1"):
                    ui.label(info.name).classes("font-semibold ren-mono")
                    ui.label(info.signature()).classes("ren-mono ren-muted text-sm")
                    if info.is_async:
                        ui.label("async").classes("ren-chip text-xs")
                if info.description:
                    ui.label(info.description).classes("text-sm")
                where = (
                    f"functions/{Path(info.file).name}"
                    if in_library
                    else f"{info.module or 'this process'} (loaded with --functions or by code; "
                    "read-only here)"
                )
                ui.label(where).classes("ren-muted text-xs ren-mono")
            with ui.row().classes("gap-1 shrink-0"):
                ui.button(
                    "Try it", icon="play_arrow", on_click=lambda i=info: self.try_it(i)
                ).props(f'flat dense no-caps data-testid="try-{info.name}"').mark(
                    f"try-{info.name}"
                )
                if in_library:
                    ui.button(
                        "Edit",
                        icon="edit",
                        on_click=lambda i=info: ui.navigate.to(edit_link(Path(i.file).name)),
                    ).props(f'flat dense no-caps data-testid="edit-{info.name}"').mark(
                        f"edit-{info.name}"
                    )

    def try_it(self, info: FunctionInfo) -> None:
        self.dialog_slot.clear()  # the previous Try it dialog, closed by now
        with self.dialog_slot:
            TryDialog(info).open()

    async def upload(self, event: events.UploadEventArguments) -> None:
        name = event.file.name
        try:
            text = (await event.file.read()).decode("utf-8")
        except UnicodeDecodeError:
            ui.notify(f"{name} is not a UTF-8 text file", type="negative")
            return
        folder = self.library.folder
        checked = check_source(folder, name, text)
        if not checked.ok:
            message = "; ".join(str(p) for p in checked.problems)
            ui.notify(f"{name} was not added: {message}", type="negative", multi_line=True)
            return
        if (folder / name).exists():
            ui.notify(f"A file {name} is already in the library: edit it instead", type="warning")
            return
        try:
            write_file(folder, name, text)
        except (OSError, LibraryError) as err:
            ui.notify(f"{name} was not added: {err}", type="negative")
            return
        self.library.reload()
        ui.notify(f"Added {name}: {', '.join(sorted(checked.functions))}", type="positive")
        self.listing.refresh()
