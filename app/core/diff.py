"""What changed between two workflow definitions, as data and as lines a person can read.

Nodes are matched by id. Edges are matched by what they connect (source, port, target, port),
so re-numbered edge ids are not reported as changes; an edge whose condition changed is
"changed". Config is compared key by key. Moving nodes on the canvas is summed up in one line
rather than listed, since it never changes what a run does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from app.core.dsl import EdgeSpec, NodeSpec, WorkflowSpec

Kind = Literal["added", "removed", "changed"]
Subject = Literal["workflow", "node", "edge", "config"]

_NODE_FIELDS = ("type", "type_version", "name", "parent", "retry", "timeout_s", "on_error")
_WORKFLOW_FIELDS = ("name", "description", "params", "timeout_s")
_MAX_VALUE = 60


@dataclass(frozen=True)
class Change:
    kind: Kind
    subject: Subject
    id: str  # node id, edge "source.port -> target.port", or "" for the workflow
    field: str | None = None  # a node field, a config key, an edge field
    before: Any = None
    after: Any = None
    line: str = ""

    def __str__(self) -> str:
        return self.line


@dataclass(frozen=True)
class SpecDiff:
    changes: tuple[Change, ...] = ()
    moved: tuple[str, ...] = field(default=())  # nodes that only changed position

    @property
    def empty(self) -> bool:
        return not self.changes and not self.moved

    def of(self, subject: Subject, kind: Kind | None = None) -> list[Change]:
        return [
            c for c in self.changes if c.subject == subject and (kind is None or c.kind == kind)
        ]

    @property
    def lines(self) -> list[str]:
        out = [c.line for c in self.changes]
        if self.moved:
            count = len(self.moved)
            out.append(f"{count} node{'s' if count != 1 else ''} moved on the canvas")
        return out

    def summary(self) -> str:
        """E.g. '2 nodes added, 1 edge removed, 3 config changes' (or 'No changes')."""
        parts: list[str] = []
        for subject, word in (("node", "node"), ("edge", "edge")):
            for kind in ("added", "removed", "changed"):
                n = len(self.of(subject, kind))  # type: ignore[arg-type]
                if n:
                    parts.append(f"{n} {word}{'s' if n != 1 else ''} {kind}")
        n = len(self.of("config"))
        if n:
            parts.append(f"{n} config change{'s' if n != 1 else ''}")
        n = len(self.of("workflow"))
        if n:
            parts.append(f"{n} workflow setting{'s' if n != 1 else ''} changed")
        if self.moved:
            parts.append(f"{len(self.moved)} moved")
        return ", ".join(parts) if parts else "No changes"


def show(value: Any, limit: int = _MAX_VALUE) -> str:
    """A short, readable rendering of a config value."""
    if isinstance(value, str):
        text = repr(value) if value else "''"
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node_name(node: NodeSpec) -> str:
    return f"'{node.name}' ({node.id})" if node.name and node.name != node.id else f"'{node.id}'"


def _edge_key(edge: EdgeSpec) -> tuple[str, str, str, str]:
    return (edge.source, edge.source_port, edge.target, edge.target_port)


def _edge_name(edge: EdgeSpec) -> str:
    return f"{edge.source}.{edge.source_port} → {edge.target}.{edge.target_port}"


def _plain(node: NodeSpec) -> dict[str, Any]:
    return node.model_dump(mode="json", exclude_none=True)


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def _diff_node(old: NodeSpec, new: NodeSpec) -> list[Change]:
    changes: list[Change] = []
    name = _node_name(new)
    for key in _NODE_FIELDS:
        before, after = _dump(getattr(old, key)), _dump(getattr(new, key))
        if before != after:
            line = f"Node {name}: {key} {show(before)} → {show(after)}"
            changes.append(Change("changed", "node", new.id, key, before, after, line))
    for key in sorted(set(old.config) | set(new.config)):
        if key not in new.config:
            before = old.config[key]
            line = f"Node {name}: config {key} removed (was {show(before)})"
            changes.append(Change("removed", "config", new.id, key, before, None, line))
        elif key not in old.config:
            after = new.config[key]
            line = f"Node {name}: config {key} set to {show(after)}"
            changes.append(Change("added", "config", new.id, key, None, after, line))
        elif old.config[key] != new.config[key]:
            before, after = old.config[key], new.config[key]
            line = f"Node {name}: config {key} {show(before)} → {show(after)}"
            changes.append(Change("changed", "config", new.id, key, before, after, line))
    return changes


def diff_specs(old: WorkflowSpec, new: WorkflowSpec) -> SpecDiff:
    """Everything that changed from `old` to `new`, in a stable order."""
    changes: list[Change] = []
    for key in _WORKFLOW_FIELDS:
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            line = f"Workflow {key}: {show(before)} → {show(after)}"
            changes.append(Change("changed", "workflow", "", key, before, after, line))

    old_nodes = {n.id: n for n in old.nodes}
    new_nodes = {n.id: n for n in new.nodes}
    moved: list[str] = []
    for node in new.nodes:
        if node.id not in old_nodes:
            line = f"Added node {_node_name(node)} ({node.type})"
            changes.append(Change("added", "node", node.id, None, None, _plain(node), line))
    for node in old.nodes:
        if node.id not in new_nodes:
            line = f"Removed node {_node_name(node)} ({node.type})"
            changes.append(Change("removed", "node", node.id, None, _plain(node), None, line))
    for node in new.nodes:
        before = old_nodes.get(node.id)
        if before is None:
            continue
        changes.extend(_diff_node(before, node))
        if before.position != node.position:
            moved.append(node.id)

    old_edges = {_edge_key(e): e for e in old.edges}
    new_edges = {_edge_key(e): e for e in new.edges}
    for ekey, edge in new_edges.items():
        if ekey not in old_edges:
            when = f" when {show(edge.when)}" if edge.when is not None else ""
            line = f"Added edge {_edge_name(edge)}{when}"
            changes.append(Change("added", "edge", _edge_name(edge), None, None, edge.when, line))
    for ekey, edge in old_edges.items():
        if ekey not in new_edges:
            line = f"Removed edge {_edge_name(edge)}"
            changes.append(Change("removed", "edge", _edge_name(edge), None, edge.when, None, line))
    for ekey, edge in new_edges.items():
        before_edge = old_edges.get(ekey)
        if before_edge is not None and before_edge.when != edge.when:
            line = (
                f"Edge {_edge_name(edge)}: condition {show(before_edge.when)} → {show(edge.when)}"
            )
            changes.append(
                Change(
                    "changed", "edge", _edge_name(edge), "when", before_edge.when, edge.when, line
                )
            )
    return SpecDiff(tuple(changes), tuple(moved))
