"""Sample data for the editor: what a node received and produced in a run, and its fields.

Pure functions over plain data (no UI), used by the data panel, the expression previews and
autocomplete:
- `RunSample`: one run's steps by node, the run input and what an expression at a node sees;
- `field_rows`: a value flattened into (path, type, value) rows, for the field list;
- `schema_rows`: the same from a JSON Schema, for a node that has not run yet;
- `reference`: the expression that reads a field (`input.amount`, `nodes.ask.values.ok`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.dsl import WorkflowSpec
from app.core.expressions import expression_scope

MAX_ROWS = 200  # a field list stops here (a big list shows its first items)
MAX_DEPTH = 6
MAX_ITEMS = 3  # of a list, the first few items' fields are listed
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class FieldRow:
    path: tuple[str | int, ...]
    type: str  # string, integer, number, boolean, null, object, list, or "" when unknown
    value: Any = None
    known: bool = True  # False: from a schema (no value yet)

    @property
    def text(self) -> str:
        return dotted(self.path)

    @property
    def shown(self) -> str:
        """The value in one short line."""
        if not self.known:
            return ""
        if isinstance(self.value, dict):
            return f"{{{len(self.value)} keys}}"
        if isinstance(self.value, list):
            return f"[{len(self.value)} items]"
        text = json.dumps(self.value, ensure_ascii=False, default=str)
        if is_time(self.path, self.value):  # e.g. a task's completed_at: say when, too
            text += time.strftime(" (%Y-%m-%d %H:%M:%S)", time.localtime(self.value))
        return text if len(text) <= 60 else text[:57] + "…"


def is_time(path: Sequence[str | int], value: Any) -> bool:
    """A `…_at` field holding seconds since 1970 (2001 to 2286)."""
    named = bool(path) and str(path[-1]).endswith("_at")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return named and number and 1e9 <= value < 1e10


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def dotted(path: Sequence[str | int]) -> str:
    """`amount`, `values.ok`, `items[0].name`, `["odd key"]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif IDENT.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def field_rows(value: Any, limit: int = MAX_ROWS) -> list[FieldRow]:
    """Every field of `value`, depth first (a list's first MAX_ITEMS items)."""
    rows: list[FieldRow] = []

    def walk(current: Any, path: tuple[str | int, ...]) -> None:
        if len(rows) >= limit or len(path) > MAX_DEPTH:
            return
        if path:
            rows.append(FieldRow(path, type_name(current), current))
        if isinstance(current, dict):
            for key, item in current.items():
                walk(item, (*path, str(key)))
        elif isinstance(current, list):
            for i, item in enumerate(current[:MAX_ITEMS]):
                walk(item, (*path, i))

    walk(value, ())
    return rows


_SCHEMA_TYPES = {"array": "list"}


def schema_rows(schema: Mapping[str, Any] | None, limit: int = MAX_ROWS) -> list[FieldRow]:
    """The fields a JSON Schema promises (its properties, nested), without values."""
    rows: list[FieldRow] = []

    def walk(current: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
        properties = current.get("properties")
        if not isinstance(properties, dict) or len(path) > MAX_DEPTH:
            return
        for name, sub in properties.items():
            if len(rows) >= limit:
                return
            sub = sub if isinstance(sub, dict) else {}
            kind = sub.get("type")
            kind = kind if isinstance(kind, str) else ""
            rows.append(FieldRow((*path, str(name)), _SCHEMA_TYPES.get(kind, kind), known=False))
            walk(sub, (*path, str(name)))

    walk(schema or {}, ())
    return rows


def reference(root: str, path: Sequence[str | int]) -> str:
    """The expression that reads `path` under `root` (`input`, `params` or `nodes.<id>`)."""
    tail = dotted(path)
    if not tail:
        return root
    return f"{root}{tail}" if tail.startswith("[") else f"{root}.{tail}"


def node_root(node_id: str) -> str:
    return f"nodes.{node_id}" if IDENT.match(node_id) else f"nodes[{json.dumps(node_id)}]"


@dataclass
class StepData:
    node_id: str
    status: str
    input: Any = None
    output: Any = None
    error: Any = None
    ports: Sequence[str] = ()


@dataclass
class RunSample:
    """One run as sample data: each top-level node's last step, and the run's input."""

    run_id: str
    workflow_id: str
    status: str
    is_test: bool
    input: Any
    started_at: float | None
    steps: dict[str, StepData] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, run: Any, steps: Iterable[Any]) -> RunSample:
        """From a `run` row and its `step` rows (later attempts win; loop items are skipped:
        their keys carry an item path)."""
        sample = cls(
            run.id,
            run.workflow_id,
            run.status,
            bool(getattr(run, "is_test", False)),
            run.input,
            run.started_at,
        )
        for step in steps:
            if step.node_key != step.node_id:
                continue
            sample.steps[step.node_id] = StepData(
                step.node_id, step.status, step.input, step.output, step.error, step.ports or ()
            )
        return sample

    def outputs(self) -> dict[str, Any]:
        """What `nodes.<id>` reads: the output of every node that succeeded."""
        return {n: s.output for n, s in self.steps.items() if s.status == "succeeded"}

    def scope_at(self, node_id: str | None, input: Any = None) -> dict[str, Any]:
        """What an expression at `node_id` sees in this run (its recorded input; `input`
        when given, e.g. an edge's source output)."""
        step = self.steps.get(node_id or "")
        if input is None and step is not None:
            input = step.input
        params = self.input if isinstance(self.input, dict) else {}
        run = {"id": self.run_id, "workflow_id": self.workflow_id, "started_at": self.started_at}
        return expression_scope(input=input, nodes=self.outputs(), params=params, run=run)


def upstream_ids(spec: WorkflowSpec, node_id: str) -> list[str]:
    """The nodes whose output can be read at `node_id` (`nodes.<id>`), in workflow order."""
    try:
        from app.core.scope import names_at

        return list(names_at(spec, node_id).upstream)
    except (ImportError, KeyError):
        pass
    sources: dict[str, list[str]] = {}
    for edge in spec.edges:
        sources.setdefault(edge.target, []).append(edge.source)
    parents = {n.id: n.parent for n in spec.nodes}
    seen: set[str] = set()
    todo = [node_id]
    while todo:
        current = todo.pop()
        for source in sources.get(current, []):
            if source not in seen:
                seen.add(source)
                todo.append(source)
        parent = parents.get(current)
        if parent is not None and parent not in seen:  # a loop body sees what its loop sees
            todo.append(parent)
    seen.discard(node_id)
    return [n.id for n in spec.nodes if n.id in seen]


def completions(
    rows_by_root: Mapping[str, Sequence[FieldRow]], names: Sequence[str], limit: int = 400
) -> list[str]:
    """Every name and field path an expression could use, for autocomplete."""
    found: list[str] = list(names)
    for root, rows in rows_by_root.items():
        found.append(root)
        for row in rows:
            found.append(reference(root, row.path))
    return list(dict.fromkeys(found))[:limit]


TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]\"]*\Z")


def suggest(
    text: str, candidates: Sequence[str], limit: int = 8, cursor: int | None = None
) -> tuple[str, list[str]]:
    """The name being typed left of the cursor (the end of `text` when None) and the
    candidates that continue it."""
    before = text if cursor is None else text[: max(0, min(cursor, len(text)))]
    match = TOKEN.search(before)
    token = match.group(0) if match else ""
    if not token:
        return "", []
    found = [c for c in candidates if c.startswith(token) and c != token]
    return token, found[:limit]


def complete_at(text: str, cursor: int, candidate: str) -> tuple[str, int]:
    """`text` with the partial name left of `cursor` replaced by `candidate`, and where the
    cursor lands (just after it). What follows the cursor stays as it was."""
    cursor = max(0, min(cursor, len(text)))
    match = TOKEN.search(text[:cursor])
    start = match.start() if match else cursor
    return text[:start] + candidate + text[cursor:], start + len(candidate)
