"""File trigger: start a run when a file is created, changed or deleted in a folder.

The node only describes what to watch; app.engine.file_watch watches each published
workflow's folder and starts one run per file once it stopped changing, with the input
{path, name, event, size, modified}. Files that arrived while Ren was closed start their runs
at the next start, each (file, modification time) once.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Literal

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import has_template
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext

Event = Literal["created", "changed", "deleted"]


class FileTriggerConfig(NodeConfig):
    folder: str = Field("", description="The folder to watch: a full path (~ expands)")
    pattern: str = Field(
        "*",
        description="Which files, as a glob on the name (e.g. *.pdf) or on the path inside "
        "the folder (e.g. invoices/*.pdf)",
    )
    events: list[Event] = Field(
        default_factory=lambda: ["created"],  # type: ignore[arg-type]  # a list of one Event
        description="Which changes start a run",
    )
    recursive: bool = Field(False, description="Watch the folders inside it too")
    debounce_s: float = Field(
        1.0, ge=0, le=3600, description="A file must stop changing this long before its run"
    )


def folder_of(config: FileTriggerConfig) -> Path:
    return Path(config.folder).expanduser()


def matches(config: FileTriggerConfig, relative: str) -> bool:
    """Whether a file at `relative` (a path inside the folder, with /) is one to watch."""
    parts = PurePosixPath(relative).parts
    if len(parts) > 1 and not config.recursive:
        return False
    if "/" in config.pattern:
        return fnmatch.fnmatch(relative, config.pattern)
    return fnmatch.fnmatch(parts[-1], config.pattern) if parts else False


def pattern_problem(pattern: str) -> str | None:
    if not pattern.strip():
        return "give a pattern, e.g. * or *.csv"
    for flavour in (PurePosixPath(pattern), PureWindowsPath(pattern)):
        if flavour.is_absolute() or flavour.anchor or ".." in flavour.parts:
            return f"the pattern '{pattern}' reaches outside the folder: use a name or sub-path"
    return None


class FileTriggerNode(NodeType[FileTriggerConfig]):
    type_name = "file_trigger"
    title = "File trigger"
    category = "Triggers"
    description = (
        "Starts a run when a file matching a pattern is created, changed or deleted in a "
        "folder, once it stopped changing; the input is {path, name, event, size, modified}. "
        "Files that arrive while Ren is closed start their runs at the next start. E.g. "
        "folder ~/Invoices, pattern *.pdf."
    )
    icon = "folder_open"
    is_trigger = True
    config_model = FileTriggerConfig

    def output_ports(self, config: FileTriggerConfig) -> Sequence[Port]:
        return (Port("out", "object"),)

    def config_problems(
        self, config: FileTriggerConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = []
        folder = folder_of(config)
        if not config.folder.strip():
            problems.append(("folder", "name the folder to watch, e.g. ~/Downloads"))
        elif has_template(config.folder):
            problems.append(("folder", "a trigger's folder is fixed: no {{ templates }}"))
        elif not folder.is_absolute():
            problems.append(("folder", f"'{config.folder}' is not a full path (e.g. ~/Inbox)"))
        elif not folder.is_dir():
            problems.append(("folder", f"the folder '{folder}' does not exist"))
        message = pattern_problem(config.pattern)
        if message:
            problems.append(("pattern", message))
        if not config.events:
            problems.append(("events", "choose at least one of created, changed, deleted"))
        return problems

    async def execute(self, ctx: StepContext, config: FileTriggerConfig, input: Any) -> NodeResult:
        return NodeResult(input)
