"""FlowEditor: Ren's node-graph canvas (Vue Flow) as a NiceGUI element.

The element is generic: it draws nodes and edges given as plain dicts (see README.md for the
contract) and reports what the user does as events. It never edits the graph by itself:
``connect``, ``delete``, ``copy``, ``paste``, ``undo`` and ``redo`` are only reported, and the
page answers with :meth:`FlowEditor.add_edges`, :meth:`FlowEditor.remove_elements`,
:meth:`FlowEditor.set_graph` and friends. Moves and group resizes are the exception: the canvas
applies them at once and reports them (``nodes_moved``, ``node_resized``); a node dropped into
or out of a group is moved at once but keeps its group until the page answers with
:meth:`FlowEditor.update_nodes` (the move's ``into``).

The graph goes to the browser once, as props; later changes travel through ``run_method`` so a
300-node graph is not re-sent for every change. The element keeps a mirror of the graph on the
Python side (``editor.nodes`` / ``editor.edges``) so a re-rendered element shows the current graph.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, cast

from nicegui import ui
from nicegui.events import GenericEventArguments, Handler

from app.asset_paths import asset

DIST = asset("flow_editor")  # the built bundle (src/ -> assets/flow_editor/)

Node = dict[str, Any]
Edge = dict[str, Any]

STATUSES = frozenset({"running", "succeeded", "failed", "skipped", "waiting", "paused"})


class FlowEditor(
    ui.element,
    component="flow_editor.js",
    esm={"ren-flow-editor": str(DIST)},
):
    """A node-graph canvas. Size it with classes, e.g. ``.classes('w-full h-[70vh]')``.

    Without a height of its own it fills its parent (``height: 100%``, at least 300 px).
    Every ``on_<event>`` argument is the same as ``editor.on('<event>', handler)``; the handler
    gets NiceGUI's ``GenericEventArguments`` whose ``args`` is the event's JSON payload.
    """

    def __init__(
        self,
        nodes: Iterable[Mapping[str, Any]] = (),
        edges: Iterable[Mapping[str, Any]] = (),
        *,
        readonly: bool = False,
        fit_view: bool = True,
        minimap: bool = True,
        on_connect: Handler[GenericEventArguments] | None = None,
        on_connect_refused: Handler[GenericEventArguments] | None = None,
        on_nodes_moved: Handler[GenericEventArguments] | None = None,
        on_node_resized: Handler[GenericEventArguments] | None = None,
        on_selection: Handler[GenericEventArguments] | None = None,
        on_delete: Handler[GenericEventArguments] | None = None,
        on_node_dblclick: Handler[GenericEventArguments] | None = None,
        on_drop: Handler[GenericEventArguments] | None = None,
        on_copy: Handler[GenericEventArguments] | None = None,
        on_paste: Handler[GenericEventArguments] | None = None,
        on_undo: Handler[GenericEventArguments] | None = None,
        on_redo: Handler[GenericEventArguments] | None = None,
        on_pane_click: Handler[GenericEventArguments] | None = None,
    ) -> None:
        super().__init__()
        self._nodes: dict[str, Node] = {}
        self._edges: dict[str, Edge] = {}
        self._put_nodes(nodes)
        self._put_edges(edges)
        self.selected_nodes: list[str] = []
        self.selected_edges: list[str] = []
        self._props["readonly"] = readonly
        self._props["fitViewOnInit"] = fit_view
        self._props["minimap"] = minimap
        self._sync_props()

        # internal listeners first, so user handlers see the mirror already updated
        self.on("nodes_moved", self._handle_moved)
        self.on("node_resized", self._handle_resized)
        self.on("selection", self._handle_selection)
        handlers = {
            "connect": on_connect,
            "connect_refused": on_connect_refused,
            "nodes_moved": on_nodes_moved,
            "node_resized": on_node_resized,
            "selection": on_selection,
            "delete": on_delete,
            "node_dblclick": on_node_dblclick,
            "drop": on_drop,
            "copy": on_copy,
            "paste": on_paste,
            "undo": on_undo,
            "redo": on_redo,
            "pane_click": on_pane_click,
        }
        for event, handler in handlers.items():
            if handler is not None:
                self.on(event, handler)

    # ---- the mirror --------------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        """The current nodes (copies), positions as last reported by the canvas."""
        return copy.deepcopy(list(self._nodes.values()))

    @property
    def edges(self) -> list[Edge]:
        """The current edges (copies)."""
        return copy.deepcopy(list(self._edges.values()))

    def _put_nodes(self, nodes: Iterable[Mapping[str, Any]]) -> list[Node]:
        added = []
        for raw in nodes:
            node = _plain(raw)
            node["id"] = str(node["id"])
            self._nodes[node["id"]] = node
            added.append(node)
        return added

    def _put_edges(self, edges: Iterable[Mapping[str, Any]]) -> list[Edge]:
        added = []
        for raw in edges:
            edge = _plain(raw)
            edge["id"] = str(edge["id"])
            self._edges[edge["id"]] = edge
            added.append(edge)
        return added

    def _sync_props(self) -> None:
        # kept current without update(): only a re-render of the element reads them again
        self._props["nodes"] = list(self._nodes.values())
        self._props["edges"] = list(self._edges.values())

    def _handle_moved(self, e: GenericEventArguments) -> None:
        for item in e.args or []:
            node = self._nodes.get(str(item.get("id")))
            if node is not None:
                node["position"] = {"x": item.get("x", 0), "y": item.get("y", 0)}

    def _handle_resized(self, e: GenericEventArguments) -> None:
        args = e.args or {}
        node = self._nodes.get(str(args.get("id")))
        if node is not None:
            node["position"] = {"x": args.get("x", 0), "y": args.get("y", 0)}
            node["width"] = args.get("width")
            node["height"] = args.get("height")

    def _handle_selection(self, e: GenericEventArguments) -> None:
        args = e.args or {}
        self.selected_nodes = [str(i) for i in args.get("nodes", [])]
        self.selected_edges = [str(i) for i in args.get("edges", [])]

    # ---- methods (Python -> canvas) ------------------------------------------------------------
    def add_nodes(self, nodes: Iterable[Mapping[str, Any]]) -> None:
        """Add nodes (a group before its children, or in the same call)."""
        added = self._put_nodes(nodes)
        self._sync_props()
        self.run_method("addNodes", added)

    def add_node(self, node: Mapping[str, Any]) -> None:
        self.add_nodes([node])

    def update_node(self, node_id: str, patch: Mapping[str, Any]) -> None:
        """Change some fields of a node: label, position, status, inputs, parent, width, ...

        A new ``parent`` without a ``position`` keeps the node where it is on the canvas.
        """
        self.update_nodes({node_id: patch})

    def update_nodes(self, patches: Mapping[str, Mapping[str, Any]]) -> None:
        """Change several nodes in one go, as :meth:`update_node` does for one: a change of
        parents (a drop into a loop and the loop growing around it, say) redraws the canvas once.
        """
        sent = {i: _plain(p) for i, p in patches.items() if i in self._nodes}
        # a new parent without a position keeps the node where it is on screen now
        keep = {
            i: self._absolute(i) for i, p in sent.items() if "parent" in p and "position" not in p
        }
        for node_id, plain in sent.items():
            self._nodes[node_id].update(plain)
        for node_id, (x, y) in keep.items():
            parent = sent[node_id]["parent"]
            px, py = self._absolute(parent) if parent else (0.0, 0.0)
            sent[node_id]["position"] = {"x": x - px, "y": y - py}
            self._nodes[node_id]["position"] = {"x": x - px, "y": y - py}
        if sent:
            self._sync_props()
            self.run_method("updateNodes", sent)

    def _absolute(self, node_id: str) -> tuple[float, float]:
        x = y = 0.0
        seen: set[str] = set()
        current = self._nodes.get(node_id)
        while current is not None and current["id"] not in seen:
            seen.add(current["id"])
            position = current.get("position") or {}
            x += float(position.get("x", 0))
            y += float(position.get("y", 0))
            current = self._nodes.get(current.get("parent") or "")
        return x, y

    def remove_elements(self, node_ids: Iterable[str] = (), edge_ids: Iterable[str] = ()) -> None:
        """Remove nodes (with their edges and, for a group, its children) and edges."""
        nodes = {str(i) for i in node_ids}
        changed = True
        while changed:  # a removed group takes its children along, as on the canvas
            children = {i for i, n in self._nodes.items() if n.get("parent") in nodes} - nodes
            nodes |= children
            changed = bool(children)
        edges = {str(i) for i in edge_ids}
        edges |= {i for i, e in self._edges.items() if e["source"] in nodes or e["target"] in nodes}
        for i in nodes:
            self._nodes.pop(i, None)
        for i in edges:
            self._edges.pop(i, None)
        self._sync_props()
        self.run_method("removeElements", sorted(nodes), sorted(edges))

    def add_edges(self, edges: Iterable[Mapping[str, Any]]) -> None:
        added = self._put_edges(edges)
        self._sync_props()
        self.run_method("addEdges", added)

    def add_edge(self, edge: Mapping[str, Any]) -> None:
        self.add_edges([edge])

    def set_graph(
        self, nodes: Iterable[Mapping[str, Any]], edges: Iterable[Mapping[str, Any]]
    ) -> None:
        """Replace everything (after undo/redo, loading another version, ...)."""
        self._nodes.clear()
        self._edges.clear()
        self._put_nodes(nodes)
        self._put_edges(edges)
        self._sync_props()
        self.run_method("setGraph", self._props["nodes"], self._props["edges"])

    def set_status(self, statuses: Mapping[str, str | None], *, reset: bool = False) -> None:
        """Set run statuses by node id; ``reset=True`` clears the status of every other node."""
        for node_id, node in self._nodes.items():
            if node_id in statuses:
                status = statuses[node_id]
                node["status"] = status if status in STATUSES else None
            elif reset:
                node["status"] = None
        self.run_method("setStatus", dict(statuses), reset)

    def set_problems(self, problems: Mapping[str, Iterable[str]], *, reset: bool = False) -> None:
        """Set validation problems by node id; ``reset=True`` clears every other node's."""
        lists = {str(k): [str(p) for p in v] for k, v in problems.items()}
        for node_id, node in self._nodes.items():
            if node_id in lists:
                node["problems"] = lists[node_id]
            elif reset:
                node["problems"] = []
        self.run_method("setProblems", lists, reset)

    def fit_view(self) -> None:
        """Fit the graph in view, but never below the readable zoom (0.75): a graph too big for
        it is shown from its start node, the rest a pan or a minimap click away."""
        self.run_method("fitView")

    def select(self, ids: Iterable[str]) -> None:
        """Select these nodes and edges (by id), and nothing else."""
        self.run_method("select", [str(i) for i in ids])

    def delete_selected(self) -> None:
        """Ask the canvas for a ``delete`` event with the current selection (as the Delete key)."""
        self.run_method("deleteSelected")

    def show_notice(self, text: str) -> None:
        """Show a short notice on the canvas (the same one a refused connection shows)."""
        self.run_method("showNotice", text)

    async def get_viewport(self, timeout: float = 1.0) -> dict[str, float]:
        """The canvas's pan and zoom: ``{'x', 'y', 'zoom'}``."""
        result = await self.run_method("getViewport", timeout=timeout)
        return cast(dict[str, float], result)

    async def get_graph(self, timeout: float = 2.0) -> dict[str, list[dict[str, Any]]]:
        """The graph as the canvas holds it right now (positions and group sizes included)."""
        result = await self.run_method("getGraph", timeout=timeout)
        return cast(dict[str, list[dict[str, Any]]], result)


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy made of plain dicts and lists, so the mirror never aliases a caller's data."""
    return copy.deepcopy(dict(value))
