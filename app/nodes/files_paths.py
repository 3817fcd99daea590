"""What the file nodes share: paths from templates, errors that name the node and the path,
globs that stay in their folder, and putting a finished file in place by the `on_exists` rule.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, BinaryIO, Literal

from app.core.atomic_write import sync_folder
from app.core.templates import has_template, render_config
from app.nodes.checks import template_fields

OnExists = Literal["replace", "append", "new_name", "fail"]
NEW_NAME_LIMIT = 10_000  # "name (N).ext" tried before giving up


class FileNodeError(RuntimeError):
    """A file node failed; the message names the node, the path and the cause."""


def os_error(node: str, path: Path | str, err: OSError) -> FileNodeError:
    """`read_file: /x/y.csv: No such file or directory`."""
    why = err.strerror or str(err)
    return FileNodeError(f"{node}: {path}: {why}")


def render_path(value: str, scope: dict[str, Any], node: str, field: str = "path") -> Path:
    """A path config rendered over the run's data; `~` expands; an empty result is an error."""
    rendered = render_config(value, scope)
    if not isinstance(rendered, str | int | float) or isinstance(rendered, bool):
        raise FileNodeError(f"{node}: {field} gave {type(rendered).__name__}, not a path")
    text = str(rendered).strip()
    if not text:
        raise FileNodeError(f"{node}: {field} is empty once filled in ('{value}')")
    return Path(text).expanduser()


def path_problems(field: str, value: str | None, required: bool = True) -> list[tuple[str, str]]:
    """Problems of a path config that can be known before a run."""
    if value is None or not value.strip():
        return [(field, f"give the {field.replace('_', ' ')}")] if required else []
    problems = template_fields(field, value)
    if "\x00" in value:
        problems.append((field, "a path cannot contain a NUL character"))
    return problems


def glob_problem(pattern: str) -> str | None:
    """Why a glob pattern would reach outside its folder (None when it stays inside)."""
    if not pattern.strip():
        return "give a pattern, e.g. *.csv (or * for everything)"
    if has_template(pattern):
        return None  # checked once rendered
    if PurePosixPath(pattern).is_absolute() or PureWindowsPath(pattern).is_absolute():
        return f"the pattern '{pattern}' is an absolute path; give one relative to the folder"
    if pattern.startswith("~") or PureWindowsPath(pattern).drive:
        return f"the pattern '{pattern}' leaves the folder; give one relative to it"
    parts = re.split(r"[\\/]", pattern)
    if ".." in parts:
        return f"the pattern '{pattern}' goes up with '..'; it must stay inside the folder"
    return None


def new_name(target: Path, taken: int) -> Path:
    """`report.csv` → `report (1).csv`, `report (2).csv`, …"""
    suffix = "".join(target.suffixes[-1:])
    stem = target.name[: len(target.name) - len(suffix)] if suffix else target.name
    return target.with_name(f"{stem} ({taken}){suffix}")


def link_no_clobber(source: Path, target: Path) -> bool:
    """Give `source` the name `target` only if no file has it (atomic: a hard link). False
    when `target` exists; raises OSError(EXDEV / EPERM / ENOTSUP) where links are impossible."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    return True


def place(temp: Path, target: Path, on_exists: OnExists, node: str) -> Path:
    """Move a finished temporary file (in the target's folder) to its name, by `on_exists`:
    replace (atomic os.replace), fail or new_name (never over an existing file). Returns the
    path it got. `append` was handled by the caller (it replaces with old + new content)."""
    if on_exists in ("replace", "append"):
        os.replace(temp, target)
        return target
    candidates = [target]
    if on_exists == "new_name":
        candidates += (new_name(target, n) for n in range(1, NEW_NAME_LIMIT))
    for candidate in candidates:
        try:
            placed = link_no_clobber(temp, candidate)
        except OSError as err:
            if err.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
                raise
            placed = _place_without_links(temp, candidate)
        if placed:
            with contextlib.suppress(OSError):
                temp.unlink()
            return candidate
        if on_exists == "fail":
            raise FileNodeError(f"{node}: {target}: the file exists (on_exists is fail)")
    raise FileNodeError(f"{node}: {target}: no free name after {NEW_NAME_LIMIT} tries")


def write_and_place(
    target: Path,
    write: Callable[[BinaryIO], object],
    finish: Callable[[Path], None],
    on_exists: OnExists,
    node: str,
) -> Path:
    """Write a temporary file next to `target` with `write`, fsync it, `finish` it (its mode
    or times) and `place` it: the target is never half a file. Returns the path it got."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        finish(temp)
        final = place(temp, target, on_exists, node)
    finally:
        temp.unlink(missing_ok=True)
    sync_folder(target.parent)
    return final


def _place_without_links(temp: Path, candidate: Path) -> bool:
    """Where hard links are impossible (some network or FAT disks): check, then rename."""
    if candidate.exists():
        return False
    os.replace(temp, candidate)
    return True


def check_folder(folder: Path, node: str, create: bool) -> None:
    """The folder a file goes into: created (with parents) when asked, else it must exist."""
    if folder.is_dir():
        return
    if folder.exists():
        raise FileNodeError(f"{node}: {folder}: Not a directory")
    if not create:
        raise FileNodeError(
            f"{node}: {folder}: the folder does not exist (turn on create_folders to make it)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise os_error(node, folder, err) from None
