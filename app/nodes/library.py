"""The data folder's function library: the Python files in `<data folder>/functions/`.

Every process that runs an engine on a folder loads its library (the app, `ren worker`, a CLI
command on its own engine, the notebook and the Python API). Loading a folder imports each
`.py` file on its own, so a file that fails to import is reported with its file and line and
does not take the other files down. The result is an immutable `Snapshot`; a reload builds a
new one and swaps it in with one assignment, so a step that looked its function up keeps that
version from start to end, and the next step sees the new code.

`FunctionLibrary` is what one engine sees: its folder's snapshot layered over the process-wide
registry (`--functions`, `@register_function` in the caller's own code). The library wins on a
name both define, so editing a library file always takes effect.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import traceback
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.nodes.functions import CAPTURE, REGISTRY, F, FunctionInfo, FunctionRegistry

FOLDER_NAME = "functions"


@dataclass(frozen=True)
class FileProblem:
    """What is wrong with one library file, at a line when one is known."""

    file: str  # the file's name inside the library folder
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class LibraryFile:
    name: str
    path: Path
    functions: tuple[str, ...]
    problem: FileProblem | None = None


@dataclass(frozen=True)
class Snapshot:
    """One consistent version of the library: every function and what each file holds."""

    functions: Mapping[str, FunctionInfo] = field(default_factory=dict)
    files: tuple[LibraryFile, ...] = ()
    problems: tuple[FileProblem, ...] = ()


def library_folder(root: Path) -> Path:
    return root / FOLDER_NAME


def _module_name(path: Path) -> str:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    return f"ren_library_{stem}_{digest}"


def _error_line(err: BaseException, filename: str) -> int | None:
    """The line of `filename` where `err` was raised (or passed through last)."""
    if isinstance(err, SyntaxError) and err.filename == filename:
        return err.lineno
    line = None
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        if frame.f_code.co_filename == filename:
            line = lineno
    return line


def import_source(
    text: str, path: Path, name: str | None = None, *, scratch: bool = False
) -> tuple[dict[str, FunctionInfo], FileProblem | None]:
    """Compile and run one file's text as its own module; the functions it registers, or what
    is wrong with it. Nothing is registered anywhere else. A `scratch` import (a check before
    saving) leaves the module of the file's current version in place."""
    shown = name or path.name
    filename = str(path)
    try:
        code = compile(text, filename, "exec")
    except SyntaxError as err:
        return {}, FileProblem(shown, err.lineno, f"syntax error: {err.msg}")
    except ValueError as err:  # e.g. a NUL byte in the text
        return {}, FileProblem(shown, None, f"cannot compile: {err}")
    module_name = _module_name(path) + ("_scratch" if scratch else "")
    module = types.ModuleType(module_name)
    module.__file__ = filename
    captured = FunctionRegistry()
    token = CAPTURE.set(captured)
    previous = sys.modules.get(module_name)
    sys.modules[module_name] = module  # dataclasses and typing look a module up by name
    try:
        exec(code, module.__dict__)
    except (Exception, SystemExit) as err:  # a file's `sys.exit()` is its own error too
        if previous is not None:
            sys.modules[module_name] = previous
        else:
            sys.modules.pop(module_name, None)
        message = f"{type(err).__name__}: {err}".rstrip(": ")
        return {}, FileProblem(shown, _error_line(err, filename), message)
    finally:
        CAPTURE.reset(token)
        if scratch:
            sys.modules.pop(module_name, None)
    functions = {info.name: replace(info, file=filename) for info in captured}
    return functions, None


def _definition_line(info: FunctionInfo) -> int | None:
    code = getattr(info.fn, "__code__", None)
    return getattr(code, "co_firstlineno", None)


def library_files(folder: Path) -> list[Path]:
    """The folder's `.py` files that are loaded (hidden files, e.g. editors' backups, are not)."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.glob("*.py") if p.is_file() and not p.name.startswith((".", "#"))
    )


def load_folder(folder: Path) -> Snapshot:
    """Import every file of the library folder, each on its own."""
    functions: dict[str, FunctionInfo] = {}
    files: list[LibraryFile] = []
    problems: list[FileProblem] = []
    for path in library_files(folder):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            unreadable = FileProblem(path.name, None, f"cannot read: {err}")
            problems.append(unreadable)
            files.append(LibraryFile(path.name, path, (), unreadable))
            continue
        found, problem = import_source(text, path)
        kept: list[str] = []
        for name, info in found.items():
            first = functions.get(name)
            if first is not None:
                clash = FileProblem(
                    path.name,
                    _definition_line(info),
                    f"function '{name}' is also registered by {Path(first.file).name} "
                    f"(line {_definition_line(first)}); this one is not used",
                )
                problems.append(clash)
                problem = problem or clash
                continue
            functions[name] = info
            kept.append(name)
        if problem is not None and problem not in problems:
            problems.append(problem)
        files.append(LibraryFile(path.name, path, tuple(kept), problem))
    return Snapshot(functions, tuple(files), tuple(problems))


Listener = Callable[[Snapshot], None]


class FunctionLibrary(FunctionRegistry):
    """The functions one engine sees: its folder's library over the process-wide registry.

    A drop-in `FunctionRegistry` for validation and the function node; `reload()` swaps in a
    fresh snapshot of the folder.
    """

    def __init__(self, folder: Path, base: FunctionRegistry = REGISTRY) -> None:
        super().__init__()
        self.folder = folder
        self.base = base
        self.snapshot = Snapshot()
        self._listeners: list[Listener] = []
        self._reload_lock = threading.Lock()  # two reloads at once would race on the swap

    def reload(self) -> Snapshot:
        """Import the folder again and make the result current; returns it."""
        with self._reload_lock:
            snapshot = load_folder(self.folder)
            self.snapshot = snapshot  # one assignment: readers see the old or the new whole
        for listener in list(self._listeners):
            listener(snapshot)
        return snapshot

    def on_reload(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every reload; returns a function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- the FunctionRegistry interface -----------------------------------------------------

    def register(self, name: str, *, title: str = "", description: str = "") -> Callable[[F], F]:
        return self.base.register(name, title=title, description=description)

    def get(self, name: str) -> FunctionInfo | None:
        info = self.snapshot.functions.get(name)
        return info if info is not None else self.base.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.snapshot.functions or name in self.base

    def __iter__(self) -> Iterator[FunctionInfo]:
        merged = {info.name: info for info in self.base}
        merged.update(self.snapshot.functions)
        return iter(sorted(merged.values(), key=lambda f: f.name))

    def arg_problems(self, name: str, args: dict[str, Any]) -> list[tuple[str, str]]:
        info = self.get(name)
        return [] if info is None else info.arg_problems(args)

    def origin(self, name: str) -> Path | None:
        """The library file that defines `name` (None for a function from elsewhere)."""
        info = self.snapshot.functions.get(name)
        return Path(info.file) if info is not None else None
