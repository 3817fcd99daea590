"""The editor's workflow in Python: every edit the page makes, with undo/redo.

No NiceGUI here: the page turns canvas events into calls on `EditorModel` and sends the
results back to the canvas. The spec held here is the truth; the canvas only draws it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.dsl import EdgeSpec, NodeSpec, Position, WorkflowSpec
from app.core.layout import NODE_SIZE, layout_workflow
from app.nodes.catalog import NodeCatalog
from app.ui.editor.history import History
from app.ui.editor.views import group_size, node_type, ports_of

Snapshot = dict[str, Any]
Size = tuple[float, float]
Move = tuple[NodeSpec, str | None, float, float]  # a node, its new parent and position

LOOP_BAR = 46.0  # height of a loop's title bar on the canvas: the nodes inside stay below it
FIT_MARGIN = 16.0  # room a loop keeps around the nodes inside it when it grows to fit them


@dataclass
class Clip:
    """Copied nodes and the edges between them, as plain dicts."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)


def _id_base(text: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower() or "node"
    return base if re.match(r"[A-Za-z_]", base) else f"n_{base}"


class EditorModel:
    def __init__(self, spec: WorkflowSpec, catalog: NodeCatalog) -> None:
        self.spec = spec
        self.catalog = catalog
        self.history: History[Snapshot] = History()
        # loop sizes set by the user, the layout or a loop growing around its nodes (not saved)
        self.group_sizes: dict[str, Size] = {}

    # ---- snapshots and history ------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        return {"spec": self.spec.to_dict(), "sizes": dict(self.group_sizes)}

    def restore(self, snap: Snapshot) -> None:
        self.spec = WorkflowSpec.model_validate(snap["spec"])
        self.group_sizes = dict(snap["sizes"])

    def checkpoint(self, key: str | None = None) -> None:
        """Call before a change: remember the state it leaves (merged by `key`)."""
        self.history.record(self.snapshot, key)

    def undo(self) -> bool:
        snap = self.history.undo(self.snapshot())
        if snap is None:
            return False
        self.restore(snap)
        return True

    def redo(self) -> bool:
        snap = self.history.redo(self.snapshot())
        if snap is None:
            return False
        self.restore(snap)
        return True

    def replace(self, spec: WorkflowSpec) -> None:
        """Swap in another definition (restore a version, import a file); undoable."""
        self.checkpoint()
        keep = {"id": self.spec.id}
        self.spec = spec.model_copy(update=keep, deep=True)
        self.group_sizes = {}

    # ---- lookups --------------------------------------------------------------------------
    def node(self, node_id: str) -> NodeSpec | None:
        return self.spec.node(node_id)

    def edge(self, edge_id: str) -> EdgeSpec | None:
        return next((e for e in self.spec.edges if e.id == edge_id), None)

    def is_group(self, node_id: str) -> bool:
        node = self.node(node_id)
        info = node_type(self.catalog, node) if node else None
        return bool(info is not None and info.is_loop)

    def ancestors(self, node_id: str) -> list[str]:
        """The loops around a node, innermost first."""
        found: list[str] = []
        node = self.node(node_id)
        while node is not None and node.parent and node.parent not in found:
            found.append(node.parent)
            node = self.node(node.parent)
        return found

    def can_move_into(self, node_id: str, parent: str | None) -> bool:
        """Whether a node may go into `parent` (None: the top level): a loop that is neither
        the node itself nor inside it."""
        if parent is None:
            return True
        return self.is_group(parent) and parent != node_id and node_id not in self.ancestors(parent)

    def new_node_id(self, type_name: str, taken: set[str] | None = None) -> str:
        taken = taken if taken is not None else {n.id for n in self.spec.nodes}
        base = _id_base(type_name)[:56]
        n = 1
        while f"{base}_{n}" in taken:
            n += 1
        return f"{base}_{n}"

    def new_edge_id(self, taken: set[str] | None = None) -> str:
        taken = taken if taken is not None else {e.id for e in self.spec.edges}
        n = 1
        while f"e{n}" in taken:
            n += 1
        return f"e{n}"

    def unique_name(self, name: str, taken: set[str] | None = None) -> str:
        taken = taken if taken is not None else {n.name for n in self.spec.nodes}
        if name not in taken:
            return name
        n = 2
        while f"{name} {n}" in taken:
            n += 1
        return f"{name} {n}"

    # ---- edits ----------------------------------------------------------------------------
    def add_node(self, type_name: str, x: float, y: float, parent: str | None = None) -> NodeSpec:
        info = self.catalog.lookup(type_name, 1) or next(
            (t for t in self.catalog if t.type_name == type_name), None
        )
        if info is None:
            raise KeyError(f"unknown node type '{type_name}'")
        if parent is not None and not self.is_group(parent):
            parent = None
        self._pin_sizes()
        self.checkpoint()
        node = NodeSpec(
            id=self.new_node_id(type_name),
            type=type_name,
            type_version=info.type_version,
            name=self.unique_name(str(info.title)),
            position=Position(x=round(x), y=round(y)),
            parent=parent,
        )
        self.spec.nodes.append(node)
        self.fit_loops([parent])
        return node

    def connect_refusal(
        self, source: str, source_port: str, target: str, target_port: str
    ) -> str | None:
        """Why the page refuses a connection the canvas allowed (None: fine)."""
        src, dst = self.node(source), self.node(target)
        if src is None or dst is None:
            return "That node no longer exists"
        if dst.parent == src.id or src.parent == dst.id:
            loop = src if dst.parent == src.id else dst
            return (
                f"Nodes inside '{loop.label}' cannot be wired to the loop itself: the first "
                "nodes inside receive each item on their own ({item, index})"
            )
        return None

    def connect(self, source: str, source_port: str, target: str, target_port: str) -> EdgeSpec:
        self.checkpoint()
        edge = EdgeSpec(
            id=self.new_edge_id(),
            source=source,
            source_port=source_port,
            target=target,
            target_port=target_port,
        )
        self.spec.edges.append(edge)
        return edge

    def closure(self, node_ids: Iterable[str]) -> set[str]:
        """The nodes with every node inside them (loop bodies, nested)."""
        found = set(node_ids)
        grew = True
        while grew:
            inside = {n.id for n in self.spec.nodes if n.parent in found} - found
            found |= inside
            grew = bool(inside)
        return found

    def remove(
        self, node_ids: Iterable[str] = (), edge_ids: Iterable[str] = ()
    ) -> tuple[list[str], list[str]]:
        """Remove nodes (with what is inside them and their edges) and edges."""
        nodes = self.closure(node_ids) & {n.id for n in self.spec.nodes}
        edges = {str(e) for e in edge_ids}
        edges |= {e.id for e in self.spec.edges if e.source in nodes or e.target in nodes}
        edges &= {e.id for e in self.spec.edges}
        if not nodes and not edges:
            return [], []
        self._pin_sizes()
        self.checkpoint()
        self.spec.nodes = [n for n in self.spec.nodes if n.id not in nodes]
        self.spec.edges = [e for e in self.spec.edges if e.id not in edges]
        for node_id in nodes:
            self.group_sizes.pop(node_id, None)
        return sorted(nodes), sorted(edges)

    def move(self, moves: Iterable[dict[str, Any]]) -> bool:
        """Apply a drag as one undo step, as the canvas reports it: `{id, x, y}` per node, plus
        `into: {parent, x, y}` for a node dropped into another loop or out of its loop. A node
        whose loop is dragged along stays in it; loops grow around the nodes moved inside."""
        moves = list(moves)
        dragged = {str(m.get("id")) for m in moves}
        changed = [c for m in moves if (c := self._move_of(m, dragged)) is not None]
        if not changed:
            return False
        self._pin_sizes()
        self.checkpoint()
        for node, parent, x, y in changed:
            node.parent = parent
            node.position = Position(x=x, y=y)
        self.fit_loops(node.parent for node, *_ in changed)
        return True

    def _move_of(self, move: dict[str, Any], dragged: set[str]) -> Move | None:
        """Where one reported move puts its node, or None when it stays where it is."""
        node = self.node(str(move.get("id")))
        if node is None:
            return None
        into = move.get("into")
        parent, x, y = node.parent, float(move.get("x", 0)), float(move.get("y", 0))
        if isinstance(into, dict) and not dragged & set(self.ancestors(node.id)):
            target = str(into["parent"]) if into.get("parent") else None
            if self.can_move_into(node.id, target):
                parent, x, y = target, float(into.get("x", 0)), float(into.get("y", 0))
        if (parent, x, y) == (node.parent, node.position.x, node.position.y):
            return None
        return node, parent, x, y

    def _pin_sizes(self) -> None:
        """Before an edit changes what is inside loops: keep each loop at the size the canvas
        shows, so it grows to fit its nodes but never shrinks under the user's hands."""
        for node in self.spec.nodes:
            if node.id not in self.group_sizes and self.is_group(node.id):
                self.group_sizes[node.id] = group_size(self.spec, node.id)

    def box(self, node_id: str) -> Size:
        """A node's size on the canvas (a loop's as set, or big enough for its nodes)."""
        if self.is_group(node_id):
            return self.group_sizes.get(node_id) or group_size(self.spec, node_id)
        return self.node_size(node_id)

    def fit_loops(self, loop_ids: Iterable[str | None]) -> None:
        """Grow these loops, and the loops around them, until the nodes inside fit."""
        loops = {a for i in loop_ids if i for a in [i, *self.ancestors(i)]}
        for loop in sorted(loops, key=lambda i: -len(self.ancestors(i))):  # innermost first
            self._fit_loop(loop)

    def _fit_loop(self, loop_id: str) -> None:
        loop = self.node(loop_id)
        inside = [n for n in self.spec.nodes if n.parent == loop_id]
        if loop is None or not inside:
            return
        width, height = self.box(loop_id)
        # a node left of or above the body: move the loop's corner out and its nodes back by as
        # much (positions inside are relative), so nothing but the border moves on screen
        dx = max(0.0, FIT_MARGIN - min(n.position.x for n in inside))
        dy = max(0.0, LOOP_BAR + FIT_MARGIN - min(n.position.y for n in inside))
        if dx or dy:
            loop.position = Position(x=loop.position.x - dx, y=loop.position.y - dy)
            for n in inside:
                n.position = Position(x=n.position.x + dx, y=n.position.y + dy)
        right = max(n.position.x + self.box(n.id)[0] for n in inside) + FIT_MARGIN
        bottom = max(n.position.y + self.box(n.id)[1] for n in inside) + FIT_MARGIN
        self.group_sizes[loop_id] = (max(width + dx, right), max(height + dy, bottom))

    def resize_group(self, node_id: str, x: float, y: float, width: float, height: float) -> None:
        node = self.node(node_id)
        if node is None:
            return
        self.checkpoint()
        node.position = Position(x=x, y=y)
        self.group_sizes[node_id] = (width, height)

    def set_config(self, node_id: str, config: dict[str, Any], key: str | None = None) -> None:
        node = self.node(node_id)
        if node is None or node.config == config:
            return
        self.checkpoint(key)
        node.config = copy.deepcopy(config)

    def set_node_field(self, node_id: str, name: str, value: Any, key: str | None = None) -> None:
        """name, on_error, retry or timeout_s."""
        node = self.node(node_id)
        if node is None or getattr(node, name) == value:
            return
        self.checkpoint(key or f"node:{node_id}:{name}")
        setattr(node, name, value)

    def set_edge_when(self, edge_id: str, when: Any) -> None:
        edge = self.edge(edge_id)
        if edge is None or edge.when == when:
            return
        self.checkpoint(f"edge:{edge_id}:when")
        edge.when = when

    def set_workflow_field(self, name: str, value: Any) -> None:
        """name, description, params or timeout_s."""
        if getattr(self.spec, name) == value:
            return
        self.checkpoint(f"workflow:{name}")
        setattr(self.spec, name, value)

    # ---- clipboard ------------------------------------------------------------------------
    def copy(self, node_ids: Iterable[str]) -> Clip:
        ids = self.closure(node_ids)
        nodes = [n.model_dump(mode="json") for n in self.spec.nodes if n.id in ids]
        edges = [
            e.model_dump(mode="json")
            for e in self.spec.edges
            if e.source in ids and e.target in ids
        ]
        return Clip(nodes, edges)

    def paste(self, clip: Clip, x: float, y: float) -> tuple[list[NodeSpec], list[EdgeSpec]]:
        """Add a copy of `clip` with new ids, its top-left corner at (x, y)."""
        if not clip.nodes:
            return [], []
        self.checkpoint()
        taken = {n.id for n in self.spec.nodes}
        names = {n.name for n in self.spec.nodes}
        mapping: dict[str, str] = {}
        for raw in clip.nodes:
            mapping[raw["id"]] = new = self.new_node_id(raw["type"], taken)
            taken.add(new)
        tops = [raw for raw in clip.nodes if raw.get("parent") not in mapping]
        left = min(raw["position"]["x"] for raw in tops)
        top = min(raw["position"]["y"] for raw in tops)
        nodes: list[NodeSpec] = []
        for raw in clip.nodes:
            data = copy.deepcopy(raw)
            data["id"] = mapping[raw["id"]]
            if raw.get("parent") in mapping:
                data["parent"] = mapping[raw["parent"]]
            else:
                data["parent"] = None
                data["position"] = {
                    "x": round(x + raw["position"]["x"] - left),
                    "y": round(y + raw["position"]["y"] - top),
                }
            if data.get("name"):
                data["name"] = self.unique_name(data["name"], names)
                names.add(data["name"])
            nodes.append(NodeSpec.model_validate(data))
        edge_ids = {e.id for e in self.spec.edges}
        edges: list[EdgeSpec] = []
        for raw in clip.edges:
            data = copy.deepcopy(raw)
            data["id"] = self.new_edge_id(edge_ids)
            edge_ids.add(data["id"])
            data["source"], data["target"] = mapping[raw["source"]], mapping[raw["target"]]
            edges.append(EdgeSpec.model_validate(data))
        self.spec.nodes.extend(nodes)
        self.spec.edges.extend(edges)
        return nodes, edges

    # ---- layout ---------------------------------------------------------------------------
    def node_size(self, node_id: str) -> Size:
        node = self.node(node_id)
        if node is None:
            return NODE_SIZE
        inputs, outputs = ports_of(node_type(self.catalog, node), node)
        rows = max(len(inputs), len(outputs))
        return NODE_SIZE[0], NODE_SIZE[1] + (22.0 * rows if rows > 1 else 0.0)

    def auto_layout(self, record: bool = True) -> None:
        groups = [n.id for n in self.spec.nodes if self.is_group(n.id)]
        layout = layout_workflow(self.spec, self.node_size, groups=groups)
        if record:
            self.checkpoint()
        for node in self.spec.nodes:
            x, y = layout.positions.get(node.id, (node.position.x, node.position.y))
            node.position = Position(x=round(x), y=round(y))
        self.group_sizes.update(layout.group_sizes)

    def needs_layout(self) -> bool:
        """True when the nodes were never placed (several of them share one point)."""
        points = [(n.parent, n.position.x, n.position.y) for n in self.spec.nodes]
        return len(points) > 1 and len(set(points)) < len(points)
