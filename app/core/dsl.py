"""The workflow definition (DSL): the `ren.workflow/1` JSON document.

A workflow version is an immutable document of nodes and edges. These pydantic models check
its *shape*; what the nodes' configs mean is checked by validation against the node catalogue.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.core import json_shape

SCHEMA: Final = "ren.workflow/1"

PortType = Literal["any", "object", "list", "number", "text", "bool"]
PORT_TYPES: tuple[PortType, ...] = ("any", "object", "list", "number", "text", "bool")
OnError = Literal["fail", "continue", "pause"]

# A condition on an edge or in an `if`: a literal, a simpleeval expression or a JSON Logic rule.
Condition = bool | str | dict[str, Any]

NODE_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Position(_Strict):
    x: float = 0.0
    y: float = 0.0


class RetryPolicy(_Strict):
    """How often a failing node is tried again, with exponential backoff between attempts."""

    max_attempts: int = Field(3, ge=1, le=100, description="Attempts in all, the first included")
    backoff_s: float = Field(1.0, ge=0, description="Wait before the second attempt")
    backoff_factor: float = Field(2.0, ge=1, description="Each further wait is this much longer")
    max_backoff_s: float = Field(300.0, ge=0, description="No wait is longer than this")

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before `attempt` (2 for the first retry)."""
        return min(self.max_backoff_s, self.backoff_s * self.backoff_factor ** max(0, attempt - 2))


class ApprovalSpec(_Strict):
    """Someone must approve before the node runs (seed 003's per-step approval)."""

    title: str = ""
    description: str = ""
    assignee: str | None = None
    group: str | None = None
    due_in_s: float | None = Field(None, gt=0, description="Rejected if not answered in time")


class NodeSpec(_Strict):
    id: str = Field(pattern=NODE_ID_PATTERN)
    type: str = Field(min_length=1)
    type_version: int = Field(1, ge=1)
    name: str = ""
    config: dict[str, Any] = Field(default_factory=dict)
    position: Position = Field(default_factory=Position)
    parent: str | None = Field(None, description="The loop node whose body holds this node")
    retry: RetryPolicy | None = None
    timeout_s: float | None = Field(None, gt=0)
    on_error: OnError = "fail"
    approval: ApprovalSpec | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


class EdgeSpec(_Strict):
    id: str = ""
    source: str
    source_port: str = "out"
    target: str
    target_port: str = "in"
    when: Condition | None = None


class WorkflowSpec(_Strict):
    schema_: Literal["ren.workflow/1"] = Field(SCHEMA, alias="schema")
    id: str | None = Field(None, description="A stable id for the workflow (optional)")
    name: str = "Untitled workflow"
    description: str = ""
    params: dict[str, Any] = Field(
        default_factory=dict, description="JSON Schema of the run's input"
    )
    timeout_s: float | None = Field(None, gt=0, description="Limit on the whole run")
    nodes: list[NodeSpec] = Field(default_factory=list)
    edges: list[EdgeSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _name_unnamed_edges(self) -> WorkflowSpec:
        taken = {e.id for e in self.edges if e.id}
        counter = 0
        for edge in self.edges:
            if not edge.id:
                counter += 1
                while f"e{counter}" in taken:
                    counter += 1
                edge.id = f"e{counter}"
                taken.add(edge.id)
        return self

    def node(self, node_id: str) -> NodeSpec | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class WorkflowFormatError(ValueError):
    """A workflow document that cannot be read. The message names the source and each field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def parse_workflow(data: Any, source: str = "workflow") -> WorkflowSpec:
    """Check a native document's shape; raise WorkflowFormatError naming every bad field."""
    if not isinstance(data, dict):
        raise WorkflowFormatError(source, [f"expected a JSON object, got {type(data).__name__}"])
    try:
        return WorkflowSpec.model_validate(data)
    except ValidationError as err:
        raise WorkflowFormatError(source, describe_validation_error(err, data)) from None


def describe_validation_error(err: ValidationError, data: Any = None) -> list[str]:
    """Pydantic errors as 'nodes[2] (id 'scrape').timeout_s: Input should be …' lines."""
    return [f"{_format_loc(e['loc'], data)}: {e['msg']}" for e in err.errors()]


def _format_loc(loc: tuple[Any, ...], data: Any) -> str:
    parts: list[str] = []
    cursor = data
    for key in loc:
        if isinstance(key, int):
            parts.append(f"[{key}]")
            cursor = cursor[key] if isinstance(cursor, list) and key < len(cursor) else None
            ident = cursor.get("id") if isinstance(cursor, dict) else None
            if isinstance(ident, str) and ident:
                parts.append(f" (id '{ident}')")
        else:
            parts.append(f".{key}" if parts else str(key))
            cursor = cursor.get(key) if isinstance(cursor, dict) else None
    return "".join(parts) or "document"


def read_json_file(path: Path) -> Any:
    """Read a JSON file; a syntax error names the file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise WorkflowFormatError(str(path), [f"cannot read file: {err.strerror}"]) from None
    except UnicodeDecodeError:
        raise WorkflowFormatError(str(path), ["file is not UTF-8 text"]) from None
    return parse_json_text(text, str(path))


def parse_json_text(text: str, source: str = "workflow") -> Any:
    """Parse JSON text; a syntax error or too deep a nesting raises WorkflowFormatError."""
    try:
        return json_shape.loads(text)
    except json.JSONDecodeError as err:
        raise WorkflowFormatError(
            source, [f"invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}"]
        ) from None
    except ValueError as err:  # nested too deeply
        raise WorkflowFormatError(source, [str(err)]) from None


def check_document(data: Any, source: str = "workflow") -> None:
    """Refuse a document nested too deeply or holding text that is not valid Unicode (a lone
    surrogate), naming where; Ren could neither walk nor save it."""
    if json_shape.depth_exceeds(data):
        raise WorkflowFormatError(source, [json_shape.too_deep()])
    problems = [
        f"{_format_loc(loc, data)}: {json_shape.surrogate_message(excerpt)}"
        for loc, excerpt in json_shape.bad_text(data)
    ]
    if problems:
        raise WorkflowFormatError(source, problems)
