"""Changing a function library: check a file's text, save it, add a file, remove one.

Shared by `ren functions` and the app's Functions page. A file is checked before it is written
(compiled and imported as a scratch module, and its names compared with the other files'), so
the library never holds a file that a person was told is fine and then fails to load. Writes
go to a temporary file that is renamed into place: a watcher never reads half a file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.nodes.functions import FunctionInfo
from app.nodes.library import FileProblem, import_source, load_folder

FILE_MODE = 0o600
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")


class LibraryError(Exception):
    """A change to the library that cannot be made; the message says why."""


@dataclass(frozen=True)
class Checked:
    """What a file's text would add to the library, or what is wrong with it."""

    functions: dict[str, FunctionInfo]
    problems: list[FileProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def file_name_problem(name: str) -> str | None:
    """Why `name` cannot be a library file's name (None when it can)."""
    if not _NAME.match(name):
        return (
            f"'{name}' is not a file name Ren can use: letters, digits and _ only, "
            "not starting with a digit, ending in .py (e.g. my_functions.py)"
        )
    return None


def check_source(folder: Path, name: str, text: str) -> Checked:
    """Would `text`, saved as `folder/name`, load and register at least one function whose
    name no other file of the library uses?"""
    bad_name = file_name_problem(name)
    if bad_name:
        return Checked({}, [FileProblem(name, None, bad_name)])
    functions, problem = import_source(text, folder / name, name, scratch=True)
    if problem is not None:
        return Checked({}, [problem])
    if not functions:
        message = 'registers no function (decorate one with @register_function("name"))'
        return Checked({}, [FileProblem(name, None, message)])
    problems = []
    others = {
        fn: file.name
        for file in load_folder(folder).files
        if file.name != name
        for fn in file.functions
    }
    for fn, info in functions.items():
        if fn in others:
            line = getattr(getattr(info.fn, "__code__", None), "co_firstlineno", None)
            message = f"function '{fn}' is already registered by {others[fn]}"
            problems.append(FileProblem(name, line, message))
    return Checked(functions, problems)


def write_file(folder: Path, name: str, text: str) -> Path:
    """Write `text` to `folder/name` in one step (temporary file, then rename)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / name
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def save_source(folder: Path, name: str, text: str) -> Checked:
    """Check `text` and write it as `folder/name` when it is fine; raises LibraryError when not."""
    checked = check_source(folder, name, text)
    if not checked.ok:
        raise LibraryError("; ".join(str(p) for p in checked.problems))
    write_file(folder, name, text)
    return checked


def add_file(folder: Path, source: Path, *, replace: bool = False) -> Checked:
    """Copy a `.py` file into the library after checking it."""
    if source.suffix != ".py":
        raise LibraryError(f"{source}: not a Python file (the name must end in .py)")
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LibraryError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise LibraryError(f"{source}: cannot read it: {err}") from None
    if (folder / source.name).exists() and not replace:
        raise LibraryError(
            f"the library already has a file {source.name}; remove it first "
            f"(ren functions remove {source.name}) or add with --replace"
        )
    checked = check_source(folder, source.name, text)
    if not checked.ok:  # named as the person typed it: that is the file they will fix
        shown = [dataclasses.replace(p, file=str(source)) for p in checked.problems]
        raise LibraryError("; ".join(str(p) for p in shown))
    write_file(folder, source.name, text)
    return checked


def remove(folder: Path, target: str) -> tuple[str, tuple[str, ...]]:
    """Remove a library file, given its name or the name of the one function it holds;
    returns the file's name and the functions that went with it."""
    snapshot = load_folder(folder)
    by_file = {f.name: f for f in snapshot.files}
    file = by_file.get(target) or by_file.get(f"{target}.py")
    if file is None:
        holders = [f for f in snapshot.files if target in f.functions]
        if not holders:
            raise LibraryError(f"no library file or function is named '{target}'")
        file = holders[0]
        others = [fn for fn in file.functions if fn != target]
        if others:
            raise LibraryError(
                f"function '{target}' is in {file.name} with {', '.join(others)}; "
                f"remove the whole file (ren functions remove {file.name}) or edit it"
            )
    file.path.unlink()
    return file.name, file.functions
