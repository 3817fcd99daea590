"""File nodes that read and write a file's content: `read_file` and `write_file`.

Formats: text, JSON, CSV (delimiter, quote character, header row) and Excel (.xlsx, a sheet
by name or number). Paths are templates over the run's data and `~` expands. A file is written
atomically (a temporary file in the same folder, fsync, rename), so a crash or kill leaves the
old content or the new, never half a file. The blocking work runs on a worker thread.
Listing, moving, copying and deleting are in app.nodes.files_manage.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from app.core.atomic_write import current_umask, write_atomically
from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.files_formats import (
    Dialect,
    Format,
    FormatError,
    csv_header,
    parse,
    serialize,
    write_csv,
)
from app.nodes.files_paths import (
    FileNodeError,
    OnExists,
    check_folder,
    os_error,
    path_problems,
    render_path,
    write_and_place,
)
from app.nodes.output_schemas import object_schema

MAX_READ_BYTES = 64 * 1024 * 1024
STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
CHANGES_FILES = "a node that changes or deletes files"


class DialectFields(NodeConfig):
    """Encoding, and how CSV and Excel files are laid out."""

    encoding: str = Field("utf-8", description="Text encoding, e.g. utf-8, latin-1, cp1252")
    delimiter: str = Field(",", description="CSV: the field separator (`\\t` for tabs)")
    quotechar: str = Field('"', description="CSV: the quote character")
    header_row: int = Field(
        1, ge=0, description="CSV/Excel: the row (1 = first) naming the columns; 0: none"
    )
    sheet: str | int | None = Field(
        None, description="Excel: the sheet's name or number (1 = first); default the first"
    )

    def dialect(self) -> Dialect:
        return Dialect(self.encoding, self.delimiter, self.quotechar, self.header_row, self.sheet)


def dialect_problems(config: DialectFields, fmt: str) -> list[tuple[str, str]]:
    problems = []
    try:
        codecs.lookup(config.encoding)
    except LookupError:
        problems.append(("encoding", f"unknown encoding '{config.encoding}'"))
    if fmt == "csv":
        delimiter = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(config.delimiter, config.delimiter)
        if len(delimiter) != 1:
            problems.append(("delimiter", "the delimiter must be one character (or \\t)"))
        if len(config.quotechar) != 1:
            problems.append(("quotechar", "the quote character must be one character"))
        elif config.quotechar == delimiter:
            problems.append(("quotechar", "the quote character must differ from the delimiter"))
    if isinstance(config.sheet, int) and config.sheet < 1:
        problems.append(("sheet", "sheet numbers start at 1"))
    return problems


# -- read_file ---------------------------------------------------------------------------------


class ReadFileConfig(DialectFields):
    path: str = Field("", description="The file; may use {{ expressions }}; ~ is your home")
    format: Format = Field(
        "text",
        description="text: the text; json: the parsed value; csv / excel: a list of row "
        "objects keyed by the header row",
    )
    max_bytes: int = Field(
        MAX_READ_BYTES, gt=0, description="Refuse files larger than this (bytes)"
    )


class ReadFileNode(NodeType[ReadFileConfig]):
    type_name = "read_file"
    title = "Read file"
    category = "Files"
    description = (
        "Reads a text, JSON, CSV or Excel file into `content`: the text, the parsed JSON, or "
        "for CSV and Excel a list of row objects keyed by the header row (loop over them with "
        "a Foreach on `nodes.<id>.content`). E.g. path `~/inbox/{{ input.file }}`, format csv."
    )
    icon = "file_open"
    config_model = ReadFileConfig

    def output_ports(self, config: ReadFileConfig) -> Sequence[Port]:
        return (Port("out", "object", "{content, path, bytes, count}"),)

    def output_schema(self, config: ReadFileConfig) -> dict[str, Any] | None:
        rows: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
        content = {"text": STRING, "json": {}, "csv": rows, "excel": rows}[config.format]
        fields = {"content": content, "path": STRING, "bytes": INTEGER}
        if config.format in ("csv", "excel"):
            fields["count"] = INTEGER
        return object_schema(fields, closed=config.format != "json")

    def config_problems(
        self, config: ReadFileConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return path_problems("path", config.path) + dialect_problems(config, config.format)

    async def execute(self, ctx: StepContext, config: ReadFileConfig, input: Any) -> NodeResult:
        path = render_path(config.path, ctx.scope(input), self.type_name)
        return NodeResult(await asyncio.to_thread(self.read, path, config))

    def read(self, path: Path, config: ReadFileConfig) -> dict[str, Any]:
        node = self.type_name
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise FileNodeError(f"{node}: {path}: Is a directory")
            if size > config.max_bytes:
                raise FileNodeError(
                    f"{node}: {path}: the file has {size} bytes, more than max_bytes "
                    f"({config.max_bytes})"
                )
            data = path.read_bytes()
        except OSError as err:
            raise os_error(node, path, err) from None
        try:
            content = parse(data, config.format, config.dialect())
        except UnicodeDecodeError as err:
            raise FileNodeError(
                f"{node}: {path}: not {config.encoding} text (byte {err.start}); "
                "set the encoding the file was written in"
            ) from None
        except FormatError as err:
            raise FileNodeError(f"{node}: {path}: {err}") from None
        output: dict[str, Any] = {"content": content, "path": str(path), "bytes": len(data)}
        if isinstance(content, list):
            output["count"] = len(content)
        return output


# -- write_file --------------------------------------------------------------------------------


class WriteFileConfig(DialectFields):
    path: str = Field("", description="The file; may use {{ expressions }}; ~ is your home")
    format: Format = Field("text", description="text, json, csv or excel")
    content: Any = Field(
        "{{ input }}",
        description="What to write: text with {{ expressions }}, or one expression such as "
        "{{ input.rows }} (csv / excel: a list of row objects or lists)",
    )
    on_exists: OnExists = Field(
        "replace",
        description="When the file exists: replace it, append (text and csv), write under a "
        "new name (report (1).csv), or fail",
    )
    create_folders: bool = Field(True, description="Create missing folders on the way")
    header: bool = Field(True, description="CSV/Excel: write a header row from the objects' keys")
    keep_artifact: bool = Field(
        False,
        description="Also keep the written file with the run as an artifact (downloadable on "
        "the run page, attachable to an email); output `artifact`",
    )


class WriteFileNode(NodeType[WriteFileConfig]):
    type_name = "write_file"
    title = "Write file"
    category = "Files"
    description = (
        "Writes text, JSON, CSV or Excel to a file, atomically (all of it or nothing). When the "
        "file exists it is replaced, appended to (text, CSV), written under a new name, or the "
        "step fails. Outputs the `path` written and its `bytes`. E.g. path "
        "`~/reports/{{ run.id }}.csv`, format csv, content `{{ input.rows }}`."
    )
    icon = "save"
    config_model = WriteFileConfig
    trust_what = CHANGES_FILES

    def trust_text(self, config: WriteFileConfig) -> str | None:
        """Overwriting or appending changes files that were there: trusted before it runs."""
        if config.on_exists not in ("replace", "append"):
            return None
        shown = {"node": self.type_name, "path": config.path, "on_exists": config.on_exists}
        return json.dumps(shown, sort_keys=True, indent=2, ensure_ascii=False)

    def output_ports(self, config: WriteFileConfig) -> Sequence[Port]:
        return (Port("out", "object", "{path, bytes, size}"),)

    def output_schema(self, config: WriteFileConfig) -> dict[str, Any] | None:
        fields = {"path": STRING, "bytes": INTEGER, "size": INTEGER}
        if config.keep_artifact:
            fields["artifact"] = {"type": "object"}
        return object_schema(fields)

    def config_problems(
        self, config: WriteFileConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = path_problems("path", config.path) + dialect_problems(config, config.format)
        problems += template_fields("content", config.content)
        if config.on_exists == "append" and config.format not in ("text", "csv"):
            problems.append(
                ("on_exists", f"append works for text and csv files, not {config.format}")
            )
        return problems

    async def execute(self, ctx: StepContext, config: WriteFileConfig, input: Any) -> NodeResult:
        self.require_trust(ctx, config)  # validation refuses it first; this is the second guard
        scope = ctx.scope(input)
        path = render_path(config.path, scope, self.type_name)
        content = render_config(config.content, scope)
        output = await asyncio.to_thread(self.write, path, content, config)
        if config.keep_artifact:  # a copy of the whole file as written (after an append too)
            written = Path(output["path"])
            output["artifact"] = await asyncio.to_thread(ctx.save_artifact, written.name, written)
        return NodeResult(output)

    def write(self, path: Path, content: Any, config: WriteFileConfig) -> dict[str, Any]:
        node = self.type_name
        check_folder(path.parent, node, config.create_folders)
        if path.is_dir():
            raise FileNodeError(f"{node}: {path}: Is a directory")
        try:
            if config.on_exists == "append" and path.exists():
                return self._append(path, content, config)
            data = serialize(content, config.format, config.dialect(), config.header)
        except FormatError as err:
            raise FileNodeError(f"{node}: {path}: {err}") from None
        except UnicodeEncodeError as err:
            raise FileNodeError(
                f"{node}: {path}: the content has characters {config.encoding} cannot hold "
                f"({err.object[err.start : err.end]!r})"
            ) from None
        try:
            final = write_new(path, data, config.on_exists, node)
        except OSError as err:
            raise os_error(node, path, err) from None
        return {"path": str(final), "bytes": len(data), "size": len(data)}

    def _append(self, path: Path, content: Any, config: WriteFileConfig) -> dict[str, Any]:
        """Old content + new, written atomically in place of the file (never half an append)."""
        node = self.type_name
        try:
            old = path.read_bytes()
        except OSError as err:
            raise os_error(node, path, err) from None
        dialect = config.dialect()
        if config.format == "csv":
            existing = old.decode(config.encoding)
            columns = csv_header(existing, dialect) if old.strip() else None
            header = config.header and not old.strip()
            added = write_csv(content, dialect, header, columns).encode(config.encoding)
        else:
            added = serialize(content, "text", dialect)
        if old and not old.endswith(b"\n") and added and config.format == "csv":
            added = b"\n" + added
        try:
            written = write_atomically(path, old + added)
        except OSError as err:
            raise os_error(node, path, err) from None
        return {"path": str(path), "bytes": len(added), "size": written.size}


def write_new(path: Path, data: bytes, on_exists: OnExists, node: str) -> Path:
    """Write `data` to `path` atomically, put in place by `on_exists`. Returns the path it got
    (another one for new_name)."""
    if on_exists in ("replace", "append"):
        return write_atomically(path, data).path

    def usual_mode(temp: Path) -> None:
        """mkstemp makes the file 0600; a new file gets 0666 less the umask."""
        os.chmod(temp, 0o666 & ~current_umask())

    return write_and_place(path, lambda out: out.write(data), usual_mode, on_exists, node)


__all__ = ["CHANGES_FILES", "ReadFileNode", "WriteFileNode"]
