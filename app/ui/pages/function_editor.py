"""The code editor for one library file: `/functions/new` and `/functions/edit/{file}`.

`/functions/new?name=approve&args=a,b` starts from a stub that registers `approve(state, a, b)`
(what the editor's "Create function" opens for a function that is not registered; `back`
names the page to return to after saving). Every change is compiled at once and a syntax error
is marked at its line; Check and Save also import the text as a scratch module, so an import
error or a name another file registers is shown at its line before anything is written. A
syntax error is never saved; a file that compiles but fails to import can be saved on purpose
("Save anyway"), e.g. before installing a package it needs. Saving reloads the library.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from nicegui import ui

from app.engine.service import Engine
from app.nodes.library import FileProblem
from app.nodes.library_edit import check_source, file_name_problem, write_file
from app.ui.dialogs import confirm
from app.ui.shell import frame, page_heading, require_engine

ERROR_LINE = "ren-code-error"
CSS = f".{ERROR_LINE} {{ background: rgba(220, 38, 38, 0.14); }}"


def register() -> None:
    ui.page("/functions/new")(new_page)
    ui.page("/functions/edit/{file}")(edit_page)


def _identifier(text: str, fallback: str) -> str:
    name = re.sub(r"\W", "_", text).strip("_") or fallback
    if name[0].isdigit() or keyword.iskeyword(name):
        name = f"{fallback}_{name}"
    return name


def stub(name: str, args: list[str]) -> str:
    """A file registering `name` as a function of `state` and `args`, returning `{}`."""
    params = ", ".join(["state", *(a for a in args if a.isidentifier() and a != "state")])
    return (
        f'"""{name}: called by a function node with its input as `state`."""\n\n'
        "from app import register_function\n\n\n"
        f'@register_function("{name}")\n'
        f"def {_identifier(name.split('.')[-1], 'function')}({params}):\n"
        f'    """What {name} does, in one line (shown in the editor)."""\n'
        "    return {}\n"
    )


def free_file_name(folder: Path, name: str) -> str:
    base = _identifier(name.replace(".", "_"), "functions") if name else "my_functions"
    candidate, n = f"{base}.py", 2
    while (folder / candidate).exists():
        candidate, n = f"{base}_{n}.py", n + 1
    return candidate


def new_page(name: str = "", args: str = "", back: str = "") -> None:
    with frame("New function", "functions"):
        engine = require_engine()
        if engine is not None:
            arg_names = [a.strip() for a in args.split(",") if a.strip()]
            text = stub(name or "my.function", arg_names)
            file = free_file_name(engine.functions.folder, name)
            CodeEditor(engine, file, text, new=True, back=back)


def edit_page(file: str, line: int = 0, back: str = "") -> None:
    with frame(f"Edit {file}", "functions"):
        engine = require_engine()
        if engine is None:
            return
        path = engine.functions.folder / file
        if file_name_problem(file) or not path.is_file():
            ui.label(f"There is no function file {file} in the library.").classes("ren-muted")
            ui.button("All functions", on_click=lambda: ui.navigate.to("/functions"))
            return
        editor = CodeEditor(engine, file, path.read_text(encoding="utf-8"), new=False, back=back)
        if line:
            editor.code.reveal_line(line)


class CodeEditor:
    def __init__(self, engine: Engine, file: str, text: str, *, new: bool, back: str) -> None:
        self.engine = engine
        self.folder = engine.functions.folder
        self.new = new
        # a page of this app only: "//host" (or a backslash in its place) would leave it
        self.back = back if back.startswith("/") and back[1:2] not in ("/", "\\") else ""
        ui.add_css(CSS)
        with ui.column().classes("w-full gap-3"):
            actions = page_heading(
                "New function file" if new else f"functions/{file}",
                'Register functions with @register_function("name"); each gets the node\'s '
                "input as “state” and returns a dict.",
            )
            with actions:
                if self.back:  # came from a workflow's problem list: the way back, unsaved
                    ui.button("Back to workflow", icon="arrow_back", on_click=self.go_back).props(
                        'flat data-testid="back-to-workflow"'
                    ).mark("back-to-workflow")
                ui.button("All functions", on_click=lambda: ui.navigate.to("/functions")).props(
                    "flat"
                )
                if not new:
                    ui.button("Delete file", icon="delete", on_click=self.delete).props(
                        'flat color=negative data-testid="delete-file"'
                    ).mark("delete-file")
            self.file = ui.input("File name", value=file, validation=file_name_problem)
            self.file.props("outlined dense").classes("w-80").mark("file-name")
            if not new:
                self.file.disable()
            self.code = ui.codemirror(text, language="Python", on_change=self.changed)
            self.code.classes("w-full h-[28rem] border rounded").mark("code")
            self.problem_list = ui.column().classes("w-full gap-1").mark("code-problems")
            with ui.row().classes("gap-2 items-center"):
                ui.button("Check", icon="fact_check", on_click=self.check).props(
                    'outline data-testid="check-code"'
                ).mark("check-code")
                self.save_button = ui.button("Save", icon="save", on_click=self.save)
                self.save_button.props('unelevated color=primary data-testid="save-code"')
                self.save_button.mark("save-code")
                self.anyway = ui.button("Save anyway", on_click=lambda: self.save(anyway=True))
                self.anyway.props('flat color=warning data-testid="save-anyway"')
                self.anyway.mark("save-anyway")
                self.anyway.set_visibility(False)
                self.status = ui.label("").classes("ren-muted text-sm").mark("code-status")
        self.changed()

    def go_back(self) -> None:
        ui.navigate.to(self.back)

    # -- checking ----------------------------------------------------------------------------

    def syntax_problem(self) -> FileProblem | None:
        try:
            compile(self.code.value, self.file.value or "file.py", "exec")
        except SyntaxError as err:
            return FileProblem(self.file.value, err.lineno, f"syntax error: {err.msg}")
        except ValueError as err:
            return FileProblem(self.file.value, None, f"cannot compile: {err}")
        return None

    def changed(self) -> None:
        """Compile on every change: a syntax error shows at its line as it is typed."""
        problem = self.syntax_problem()
        self.show([problem] if problem else [])
        self.anyway.set_visibility(False)
        self.status.text = ""

    def show(self, problems: list[FileProblem]) -> None:
        self.code.decorations = [
            {"kind": "line", "line": p.line, "class": ERROR_LINE} for p in problems if p.line
        ]
        self.code.line_tooltips = {p.line: p.message for p in problems if p.line}
        self.problem_list.clear()
        with self.problem_list:
            for problem in problems:
                where = f"Line {problem.line}" if problem.line else "File"
                row = ui.row().classes("items-center gap-2 cursor-pointer ren-code-problem")
                if problem.line:
                    row.on("click", lambda line=problem.line: self.code.reveal_line(line))
                with row:
                    ui.icon("error_outline", size="18px").classes("text-negative")
                    ui.label(f"{where}: {problem.message}").classes("text-sm")

    def full_check(self) -> list[FileProblem]:
        name = self.file.value or ""
        checked = check_source(self.folder, name, self.code.value)
        self.show(checked.problems)
        return checked.problems

    def check(self) -> None:
        problems = self.full_check()
        self.status.text = "No problems: it loads." if not problems else ""

    # -- saving ------------------------------------------------------------------------------

    async def save(self, anyway: bool = False) -> None:
        name = self.file.value or ""
        if bad_name := file_name_problem(name):
            self.show([FileProblem(name, None, bad_name)])
            return
        if self.new and (self.folder / name).exists():
            self.show([FileProblem(name, None, f"a file {name} already exists; pick another")])
            return
        if syntax := self.syntax_problem():
            self.show([syntax])  # never saved: the library could not load it
            ui.notify("Not saved: fix the syntax error first", type="negative")
            return
        if not anyway and self.full_check():
            self.anyway.set_visibility(True)
            self.status.text = "Not saved: this file would not load."
            return
        write_file(self.folder, name, self.code.value)
        snapshot = self.engine.functions.reload()
        kept = [fn for f in snapshot.files if f.name == name for fn in f.functions]
        self.anyway.set_visibility(False)
        self.status.text = f"Saved functions/{name}" + (f": {', '.join(kept)}" if kept else "")
        ui.notify(self.status.text, type="positive")
        if self.back:
            ui.navigate.to(self.back)
        elif self.new:
            self.new = False
            self.file.disable()
            ui.navigate.history.replace(f"/functions/edit/{name}")

    async def delete(self) -> None:
        name = self.file.value or ""
        sure = await confirm(
            self.problem_list,
            f"Delete functions/{name}?",
            ["Its functions stop being available; workflows that call them show a problem."],
            decline="Keep it",
            decline_marker="keep-file",
            accept="Delete",
            accept_marker="confirm-delete-file",
        )
        if not sure:
            return
        (self.folder / name).unlink(missing_ok=True)
        self.engine.functions.reload()
        ui.navigate.to("/functions")
