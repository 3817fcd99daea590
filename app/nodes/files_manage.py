"""File nodes that manage files: `list_files`, `move_file`, `copy_file` and `delete_file`.

Moving within a disk is one atomic rename; across disks, and for copies, the file is copied to
a temporary name next to its target, fsync'd and renamed, so the target is never half a file.
Deleting moves to the OS trash (send2trash) unless `permanent` is on. Moving, overwriting and
deleting need a person's trust in a workflow imported from elsewhere (`trust_text`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import errno
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import Field

from app.core.atomic_write import sync_folder
from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.files import CHANGES_FILES, INTEGER, STRING
from app.nodes.files_paths import (
    FileNodeError,
    check_folder,
    glob_problem,
    os_error,
    path_problems,
    place,
    render_path,
    write_and_place,
)
from app.nodes.output_schemas import object_schema

CHECK_EVERY = 500  # entries listed between two checks for pause / cancel
Placing = Literal["replace", "new_name", "fail"]


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat()


def _trust_json(node: str, **fields: Any) -> str:
    return json.dumps({"node": node, **fields}, sort_keys=True, indent=2, ensure_ascii=False)


# -- list_files --------------------------------------------------------------------------------


class ListFilesConfig(NodeConfig):
    folder: str = Field("", description="The folder; may use {{ expressions }}; ~ is your home")
    pattern: str = Field("*", description="Glob inside the folder, e.g. *.csv or invoices/*.pdf")
    recursive: bool = Field(False, description="Also look in every subfolder")
    include: Literal["files", "folders", "both"] = Field("files", description="What to list")
    hidden: bool = Field(False, description="Include names that start with a dot")
    limit: int = Field(10_000, ge=1, description="List at most this many entries")


class ListFilesNode(NodeType[ListFilesConfig]):
    type_name = "list_files"
    title = "List files"
    category = "Files"
    description = (
        "Lists the files (or folders) in a folder that match a glob pattern, optionally in "
        "every subfolder: `files` is a list of {name, path, size, modified, created, is_dir} "
        "(times as ISO text, UTC), sorted by path, and `count`. E.g. folder `~/Downloads`, "
        "pattern `*.pdf`."
    )
    icon = "folder_open"
    config_model = ListFilesConfig

    def output_ports(self, config: ListFilesConfig) -> Sequence[Port]:
        return (Port("out", "object", "{files, count, folder}"),)

    def output_schema(self, config: ListFilesConfig) -> dict[str, Any] | None:
        entry = object_schema(
            {
                "name": STRING,
                "path": STRING,
                "size": INTEGER,
                "modified": {"type": "string", "format": "date-time"},
                "created": {"type": "string", "format": "date-time"},
                "is_dir": {"type": "boolean"},
            }
        )
        files = {"type": "array", "items": entry}
        return object_schema({"files": files, "count": INTEGER, "folder": STRING})

    def config_problems(
        self, config: ListFilesConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = path_problems("folder", config.folder)
        problems += template_fields("pattern", config.pattern)
        why = glob_problem(config.pattern)
        if why:
            problems.append(("pattern", why))
        return problems

    async def execute(self, ctx: StepContext, config: ListFilesConfig, input: Any) -> NodeResult:
        scope = ctx.scope(input)
        folder = render_path(config.folder, scope, self.type_name, "folder")
        pattern = str(render_config(config.pattern, scope))
        why = glob_problem(pattern)
        if why:
            raise FileNodeError(f"{self.type_name}: {why}")
        files = await asyncio.to_thread(self.list, ctx, folder, pattern, config)
        return NodeResult({"files": files, "count": len(files), "folder": str(folder)})

    def list(
        self, ctx: StepContext, folder: Path, pattern: str, config: ListFilesConfig
    ) -> list[dict[str, Any]]:
        node = self.type_name
        if not folder.is_dir():
            why = "Not a directory" if folder.exists() else "No such file or directory"
            raise FileNodeError(f"{node}: {folder}: {why}")
        found = folder.rglob(pattern) if config.recursive else folder.glob(pattern)
        entries = []
        try:
            for seen, path in enumerate(found, 1):
                if seen % CHECK_EVERY == 0:
                    ctx.checkpoint()
                relative = path.relative_to(folder)
                if not config.hidden and any(p.startswith(".") for p in relative.parts):
                    continue
                entry = _entry(path)
                if entry is None or not _wanted(entry, config.include):
                    continue
                entries.append(entry)
                if len(entries) >= config.limit:
                    break
        except OSError as err:
            raise os_error(node, folder, err) from None
        return sorted(entries, key=lambda e: str(e["path"]))


def _entry(path: Path) -> dict[str, Any] | None:
    try:
        info = path.stat()
    except OSError:  # vanished while listing, or a broken link
        return None
    is_dir = path.is_dir()
    created = getattr(info, "st_birthtime", None) or info.st_ctime
    return {
        "name": path.name,
        "path": str(path),
        "size": 0 if is_dir else info.st_size,
        "modified": _iso(info.st_mtime),
        "created": _iso(created),
        "is_dir": is_dir,
    }


def _wanted(entry: dict[str, Any], include: str) -> bool:
    return include == "both" or entry["is_dir"] == (include == "folders")


# -- move_file / copy_file ---------------------------------------------------------------------


class TransferConfig(NodeConfig):
    source: str = Field("", description="The file; may use {{ expressions }}; ~ is your home")
    destination: str = Field(
        "",
        description="The new path, or a folder to put the file in: an existing one, or any "
        "path ending in / (created as needed)",
    )
    on_exists: Placing = Field(
        "fail",
        description="When the destination exists: replace it, use a new name (a (1).pdf), or fail",
    )
    create_folders: bool = Field(True, description="Create missing folders on the way")


class _TransferNode(NodeType[TransferConfig]):
    category = "Files"
    config_model = TransferConfig
    trust_what = CHANGES_FILES
    moves = False

    def output_ports(self, config: TransferConfig) -> Sequence[Port]:
        return (Port("out", "object", "{source, path, bytes}"),)

    def output_schema(self, config: TransferConfig) -> dict[str, Any] | None:
        return object_schema({"source": STRING, "path": STRING, "bytes": INTEGER})

    def config_problems(
        self, config: TransferConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return path_problems("source", config.source) + path_problems(
            "destination", config.destination
        )

    async def execute(self, ctx: StepContext, config: TransferConfig, input: Any) -> NodeResult:
        self.require_trust(ctx, config)
        scope = ctx.scope(input)
        source = render_path(config.source, scope, self.type_name, "source")
        target = render_path(config.destination, scope, self.type_name, "destination")
        # "~/Invoices/2026/" names a folder even before it exists
        into = str(render_config(config.destination, scope)).rstrip().endswith(("/", os.sep))
        return NodeResult(await asyncio.to_thread(self.transfer, source, target, config, into))

    def transfer(
        self, source: Path, target: Path, config: TransferConfig, into_folder: bool = False
    ) -> dict[str, Any]:
        node = self.type_name
        if not source.exists() and not source.is_symlink():
            raise FileNodeError(f"{node}: {source}: No such file or directory")
        if source.is_dir():
            raise FileNodeError(f"{node}: {source}: Is a directory (only files are {self.verb})")
        if into_folder or target.is_dir():
            target = target / source.name
        check_folder(target.parent, node, config.create_folders)
        if target.exists() and target.samefile(source):
            raise FileNodeError(f"{node}: {source}: source and destination are the same file")
        try:
            size = source.stat().st_size
            final = (
                self.move(source, target, config)
                if self.moves
                else self.copy(source, target, config)
            )
        except OSError as err:
            raise os_error(node, f"{source} -> {target}", err) from None
        return {"source": str(source), "path": str(final), "bytes": size}

    @property
    def verb(self) -> str:
        return "moved" if self.moves else "copied"

    def copy(self, source: Path, target: Path, config: TransferConfig) -> Path:
        """Copy to a temporary file next to the target, fsync, then put it in place."""

        def copy_content(out: BinaryIO) -> None:
            with source.open("rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)

        def keep_stat(temp: Path) -> None:  # times and mode, as a copy keeps them
            shutil.copystat(source, temp)

        return write_and_place(target, copy_content, keep_stat, config.on_exists, self.type_name)

    def move(self, source: Path, target: Path, config: TransferConfig) -> Path:
        """One rename on the same disk (a hard link first when it must not overwrite); across
        disks a copy, then the source is removed."""
        try:
            if config.on_exists == "replace":
                os.replace(source, target)
                final = target
            else:
                final = place(source, target, config.on_exists, self.type_name)
        except OSError as err:
            if err.errno != errno.EXDEV:
                raise
            final = self.copy(source, target, config)
            source.unlink()
        sync_folder(target.parent)
        sync_folder(source.parent)
        return final


class MoveFileNode(_TransferNode):
    type_name = "move_file"
    title = "Move file"
    description = (
        "Moves (or renames) a file, to a new path or into a folder; when the destination "
        "exists it replaces it, picks a new name, or fails. Outputs the new `path`. E.g. "
        "source `{{ input.path }}`, destination `~/Invoices/{{ input.year }}/`."
    )
    icon = "drive_file_move"
    moves = True

    def trust_text(self, config: TransferConfig) -> str | None:
        return _trust_json(
            self.type_name,
            source=config.source,
            destination=config.destination,
            on_exists=config.on_exists,
        )


class CopyFileNode(_TransferNode):
    type_name = "copy_file"
    title = "Copy file"
    description = (
        "Copies a file to a new path or into a folder (written atomically); when the "
        "destination exists it replaces it, picks a new name, or fails. Outputs the copy's "
        "`path` and `bytes`. E.g. source `~/report.xlsx`, destination `~/Backup/`."
    )
    icon = "file_copy"

    def trust_text(self, config: TransferConfig) -> str | None:
        """Only a copy that may overwrite a file needs trust."""
        if config.on_exists != "replace":
            return None
        return _trust_json(
            self.type_name,
            source=config.source,
            destination=config.destination,
            on_exists="replace",
        )


# -- delete_file -------------------------------------------------------------------------------


class DeleteFileConfig(NodeConfig):
    path: str = Field("", description="The file (or folder); may use {{ expressions }}")
    permanent: bool = Field(
        False, description="Delete for good instead of moving to the trash (folders: only empty)"
    )
    if_missing: Literal["fail", "ignore"] = Field(
        "fail", description="When there is nothing at the path: fail the step, or go on"
    )


class DeleteFileNode(NodeType[DeleteFileConfig]):
    type_name = "delete_file"
    title = "Delete file"
    category = "Files"
    description = (
        "Moves a file or folder to the trash (or deletes it for good with `permanent`). A "
        "missing file fails the step unless `if_missing` is ignore. Outputs `path`, `deleted` "
        "and `trashed`. E.g. path `{{ input.path }}`."
    )
    icon = "delete"
    config_model = DeleteFileConfig
    trust_what = CHANGES_FILES

    def trust_text(self, config: DeleteFileConfig) -> str | None:
        return _trust_json(self.type_name, path=config.path, permanent=config.permanent)

    def output_ports(self, config: DeleteFileConfig) -> Sequence[Port]:
        return (Port("out", "object", "{path, deleted, trashed}"),)

    def output_schema(self, config: DeleteFileConfig) -> dict[str, Any] | None:
        flag = {"type": "boolean"}
        return object_schema({"path": STRING, "deleted": flag, "trashed": flag})

    def config_problems(
        self, config: DeleteFileConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return path_problems("path", config.path)

    async def execute(self, ctx: StepContext, config: DeleteFileConfig, input: Any) -> NodeResult:
        self.require_trust(ctx, config)
        path = render_path(config.path, ctx.scope(input), self.type_name)
        return NodeResult(await asyncio.to_thread(self.delete, path, config))

    def delete(self, path: Path, config: DeleteFileConfig) -> dict[str, Any]:
        node = self.type_name
        if not path.exists() and not path.is_symlink():
            if config.if_missing == "ignore":
                return {"path": str(path), "deleted": False, "trashed": False}
            raise FileNodeError(f"{node}: {path}: No such file or directory")
        try:
            if not config.permanent:
                from send2trash import send2trash
                from send2trash.exceptions import TrashPermissionError

                try:
                    send2trash(path)
                except TrashPermissionError as err:
                    raise FileNodeError(
                        f"{node}: {path}: cannot move it to the trash ({err}); turn on "
                        "permanent to delete it for good"
                    ) from None
                return {"path": str(path), "deleted": True, "trashed": True}
            if path.is_dir() and not path.is_symlink():
                path.rmdir()  # only an empty folder: nothing is deleted for good unseen
            else:
                path.unlink()
        except OSError as err:
            raise os_error(node, path, err) from None
        return {"path": str(path), "deleted": True, "trashed": False}


__all__ = ["CopyFileNode", "DeleteFileNode", "ListFilesNode", "MoveFileNode"]
