"""What an expression can see at each node: the data model of expressions.

Every expression and `{{ template }}` sees
- `input`: this node's input (the output of the node before it; for an edge's `when`, the
  output of the edge's source),
- `params`: the run's input, the same everywhere in the run,
- `nodes.<id>`: the output of any node that can have run before this one,
- `run`: facts about the run (`id`, `workflow_id`, `started_at`),
- `item` and `index` inside a loop body (the current item and its position),
plus, for convenience, the top-level keys of `input` as bare names (`amount` for
`input.amount`) and JSON's `true`, `false`, `null` next to Python's `True`, `False`, `None`.

`names_at` answers, for one node, which names exist and which nodes can be upstream (the
editor uses it for autocomplete); `shape` knowledge says which keys a node's output has when
that is known (a human task's answer, a Set node's keys, a loop's `{results, count}`).
Pure: it needs only the workflow spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from app.core.dsl import EdgeSpec, NodeSpec, WorkflowSpec

__all__ = [
    "BASE_NAMES",
    "LOOP_NAMES",
    "NamesAt",
    "ScopeIndex",
    "Shape",
    "all_names",
    "edge_names",
    "names_at",
    "output_shape",
]

BASE_NAMES: tuple[str, ...] = ("input", "params", "nodes", "run")
LOOP_NAMES: tuple[str, ...] = ("item", "index")
# Up to this many nodes, ancestor sets are remembered (fast for editor-sized workflows; a huge
# one walks the graph per question instead of holding a set per node).
MEMO_LIMIT = 3000
RUN_FIELDS: tuple[str, ...] = ("id", "workflow_id", "started_at")


@dataclass(frozen=True)
class Shape:
    """The keys an object is known to have. `closed`: it has no others (so a missing key is
    certainly a mistake); an open shape is a hint for autocomplete only."""

    fields: Mapping[str, Shape | None] = field(default_factory=dict)
    closed: bool = True

    def union(self, other: Shape) -> Shape:
        return Shape({**self.fields, **other.fields}, self.closed and other.closed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fields": {k: v.to_dict() if v else None for k, v in self.fields.items()},
            "closed": self.closed,
        }


@dataclass(frozen=True)
class NamesAt:
    """What expressions at one node (or on one edge) can use."""

    node_id: str
    names: tuple[str, ...]  # every name: input, params, nodes, run (+ item, index in a loop)
    upstream: tuple[str, ...]  # ids that `nodes.<id>` may use, in the workflow's order
    loop: str | None = None  # the innermost loop whose body holds the node
    input_from: tuple[str, ...] = ()  # the nodes whose output arrives as `input`
    input_shape: Shape | None = None  # the keys of `input`, when known
    params_shape: Shape | None = None  # the keys of `params` (from the params schema)
    upstream_shapes: Mapping[str, Shape | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the editor."""
        return {
            "node_id": self.node_id,
            "names": list(self.names),
            "upstream": list(self.upstream),
            "loop": self.loop,
            "input_from": list(self.input_from),
            "input": self.input_shape.to_dict() if self.input_shape else None,
            "params": self.params_shape.to_dict() if self.params_shape else None,
            "nodes": {k: v.to_dict() if v else None for k, v in self.upstream_shapes.items()},
        }


class _Graph:
    """The workflow's edges by node, and each node's loop."""

    def __init__(self, spec: WorkflowSpec) -> None:
        self.spec = spec
        self.nodes: dict[str, NodeSpec] = {}
        for node in spec.nodes:
            self.nodes.setdefault(node.id, node)
        self.incoming: dict[str, list[EdgeSpec]] = {n: [] for n in self.nodes}
        self.outgoing: dict[str, list[str]] = {n: [] for n in self.nodes}
        for edge in spec.edges:
            if edge.source in self.nodes and edge.target in self.nodes:
                self.incoming[edge.target].append(edge)
                self.outgoing[edge.source].append(edge.target)
        self._ancestors: dict[str, frozenset[str]] = {}

    def ancestors(self, node_id: str) -> set[str]:
        """Nodes with a path of edges to `node_id` (edges never cross a loop's border)."""
        if len(self.nodes) <= MEMO_LIMIT and self.acyclic:
            return set(self._memo_ancestors(node_id))
        seen: set[str] = set()
        todo = [node_id]
        while todo:
            for edge in self.incoming.get(todo.pop(), ()):
                if edge.source not in seen:
                    seen.add(edge.source)
                    todo.append(edge.source)
        seen.discard(node_id)  # a cycle is a problem of its own
        return seen

    @cached_property
    def acyclic(self) -> bool:
        """No cycle (Kahn's algorithm); remembered ancestor sets are right only then."""
        waiting = {n: len(edges) for n, edges in self.incoming.items()}
        ready = [n for n, count in waiting.items() if count == 0]
        done = 0
        while ready:
            done += 1
            for target in self.outgoing[ready.pop()]:
                waiting[target] -= 1
                if waiting[target] == 0:
                    ready.append(target)
        return done == len(self.nodes)

    def _memo_ancestors(self, node_id: str) -> frozenset[str]:
        """`ancestors`, remembered per node and built from the predecessors' (no recursion):
        asking for every node of a chain costs one pass, not one walk per node."""
        memo = self._ancestors
        stack = [node_id]
        while stack:
            current = stack[-1]
            if current in memo:
                stack.pop()
                continue
            sources = [e.source for e in self.incoming[current]]
            missing = [s for s in sources if s not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            found: set[str] = set(sources)
            for source in sources:
                found |= memo[source]
            memo[current] = frozenset(found)
        return memo[node_id]

    def outermost_loop(self, node_id: str) -> str | None:
        parent = self.nodes[node_id].parent
        outer = None
        guard = 0
        while parent is not None and parent in self.nodes and guard < len(self.nodes):
            outer = parent
            parent = self.nodes[parent].parent
            guard += 1
        return outer

    def upstream(self, node_id: str) -> set[str]:
        """What `nodes.<id>` can show at `node_id`: its ancestors in its own scope, plus the
        top-level ancestors of its outermost loop (a loop item sees the top-level outputs and
        its own body's, not an outer loop body's)."""
        found = self.ancestors(node_id)
        outer = self.outermost_loop(node_id)
        if outer is not None and self.nodes[node_id].parent != outer:
            found = {n for n in found if self.nodes[n].parent == self.nodes[node_id].parent}
        if outer is not None:
            found |= self.ancestors(outer)
        return found

    def ordered(self, ids: Iterable[str]) -> tuple[str, ...]:
        wanted = set(ids)
        return tuple(n for n in self.nodes if n in wanted)


def _params_shape(spec: WorkflowSpec) -> Shape | None:
    schema = spec.params or {}
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        return None
    return Shape(
        {str(k): None for k in properties}, closed=schema.get("additionalProperties") is False
    )


def output_shape(node: NodeSpec, port: str, input_shape: Shape | None) -> Shape | None:
    """The keys of `node`'s output on `port`, when its type makes them known."""
    config = node.config
    if node.type == "human_task":
        if port == "timeout":
            return Shape({"timed_out": None, "input": input_shape})
        names = [f.get("name") for f in config.get("fields") or [] if isinstance(f, dict)]
        answer = Shape({str(n): None for n in names if n})
        return Shape(
            {"outcome": None, "values": answer, "completed_by": None, "completed_at": None}
        )
    if node.type == "set":
        keys = config.get("values")
        own = Shape({str(k): None for k in keys} if isinstance(keys, dict) else {})
        if config.get("keep_input", True) is False:
            return own
        return input_shape.union(own) if input_shape else Shape(own.fields, closed=False)
    if node.type == "filter":
        return Shape({"items": None, "count": None})
    if node.type == "foreach":
        return Shape({"results": None, "count": None})
    return _data_output_shape(node, input_shape)


# the data and storage nodes' outputs (app/nodes/data_*.py, app/nodes/storage.py)
_FIXED_OUTPUTS: dict[str, tuple[str, ...]] = {
    "sort": ("items", "count"),
    "limit": ("items", "count"),
    "split_out": ("items", "count"),
    "remove_duplicates": ("items", "count", "removed"),
    "parse_csv": ("items", "count", "columns"),
    "write_csv": ("text", "count"),
    "write_json": ("text",),
}
_STORAGE_OUTPUTS: dict[str, tuple[str, ...]] = {
    "get": ("key", "value", "found"),
    "set": ("key", "value"),
    "increment": ("key", "value"),
    "delete": ("key", "deleted"),
    "append": ("key", "value", "length"),
}
_DATE_OUTPUTS = {"format": "formatted", "difference": "difference", "now": "now"}


def _aggregate_names(config: Mapping[str, Any]) -> list[str]:
    names = []
    for agg in config.get("aggregations") or [{"op": "count"}]:
        if not isinstance(agg, dict):
            continue
        op, path = str(agg.get("op", "")), str(agg.get("field") or "")
        names.append(str(agg.get("output") or (f"{op}_{path.replace('.', '_')}" if path else op)))
    return names


def _data_output_shape(node: NodeSpec, input_shape: Shape | None) -> Shape | None:
    config = node.config
    fixed = _FIXED_OUTPUTS.get(node.type)
    if node.type == "aggregate":
        fixed = ("items", "count") if config.get("group_by") else tuple(_aggregate_names(config))
    elif node.type == "storage":
        fixed = _STORAGE_OUTPUTS.get(str(config.get("operation", "get")))
    elif node.type in ("parse_json", "text_template"):
        fixed = (
            str(config.get("output_field") or ("data" if node.type == "parse_json" else "text")),
        )
    elif node.type == "date_time":
        name = config.get("output_field") or _DATE_OUTPUTS.get(config.get("operation", "format"))
        own = Shape({str(name or "date"): None})
        if config.get("keep_input", True) is False:
            return own
        return input_shape.union(own) if input_shape else Shape(own.fields, closed=False)
    return Shape({key: None for key in fixed}) if fixed is not None else None


class _Shapes:
    """Input and output shapes of every node, worked out along the edges in one pass.

    Nodes are visited in topological order (no recursion, so a chain of 20,000 nodes is
    fine); nodes on a cycle keep an unknown input.
    """

    def __init__(self, graph: _Graph) -> None:
        self.graph = graph
        self.params = _params_shape(graph.spec)
        self.inputs: dict[str, Shape | None] = {}
        waiting = {n: len(edges) for n, edges in graph.incoming.items()}
        ready = [n for n, count in waiting.items() if count == 0]
        while ready:
            node_id = ready.pop()
            self.inputs[node_id] = self._input(node_id)
            for target in graph.outgoing[node_id]:
                waiting[target] -= 1
                if waiting[target] == 0:
                    ready.append(target)

    def _input(self, node_id: str) -> Shape | None:
        node = self.graph.nodes[node_id]
        edges = self.graph.incoming[node_id]
        if edges:
            return self._merge([self.output_of(e.source, e.source_port) for e in edges])
        if node.parent is not None:  # a loop body's first node gets the item
            return Shape({"item": None, "index": None})
        if node.type in ("start", "webhook"):
            return self.params
        return None

    def input_of(self, node_id: str) -> Shape | None:
        return self.inputs.get(node_id)

    def output_of(self, node_id: str, port: str = "out") -> Shape | None:
        node = self.graph.nodes[node_id]
        if node.type in ("start", "webhook"):
            return self.params
        if node.type == "merge" and node.config.get("mode") == "by_node":
            return Shape({e.source: None for e in self.graph.incoming[node_id]})
        return output_shape(node, port, self.input_of(node_id))

    def any_output(self, node_id: str) -> Shape | None:
        node = self.graph.nodes[node_id]
        if node.type == "human_task":
            return self.output_of(node_id, "")  # the answer, whatever the outcome
        return self.output_of(node_id)

    @staticmethod
    def _merge(shapes: list[Shape | None]) -> Shape | None:
        known = [s for s in shapes if s is not None]
        if not shapes or len(known) < len(shapes):
            return None
        merged = known[0]
        for other in known[1:]:
            merged = merged.union(other)
        return merged


class ScopeIndex:
    """Answers scope questions for many nodes of one workflow without redoing the work:
    shapes are worked out once; upstream sets only for the nodes asked about."""

    def __init__(self, spec: WorkflowSpec) -> None:
        self.graph = _Graph(spec)
        self.shapes = _Shapes(self.graph)
        self._upstream: dict[str, frozenset[str]] = {}

    @property
    def nodes(self) -> Mapping[str, NodeSpec]:
        return self.graph.nodes

    def upstream(self, node_id: str) -> frozenset[str]:
        if node_id not in self._upstream:
            self._upstream[node_id] = frozenset(self.graph.upstream(node_id))
        return self._upstream[node_id]

    def at(self, node_id: str) -> NamesAt:
        """Everything about one node (its upstream set costs a walk of its ancestors)."""
        return _at(self.graph, self.shapes, node_id)

    def light(self, node_id: str) -> NamesAt:
        """The same without the upstream list (ask `upstream` when needed)."""
        node = self.graph.nodes[node_id]
        return NamesAt(
            node_id=node_id,
            names=_names(node),
            upstream=(),
            loop=node.parent,
            input_from=tuple(dict.fromkeys(e.source for e in self.graph.incoming[node_id])),
            input_shape=self.shapes.input_of(node_id),
            params_shape=self.shapes.params,
        )

    def light_edge(self, edge: EdgeSpec) -> NamesAt:
        """`light` for an edge's `when` (upstream: the source's, plus the source)."""
        source = self.graph.nodes[edge.source]
        return NamesAt(
            node_id=edge.source,
            names=_names(source),
            upstream=(),
            loop=source.parent,
            input_from=(edge.source,),
            input_shape=self.shapes.output_of(edge.source, edge.source_port),
            params_shape=self.shapes.params,
        )

    def can_see(self, at: NamesAt, target: str) -> bool:
        """Whether `nodes.<target>` can hold an output where `at` is (a node or an edge)."""
        return target in self.upstream(at.node_id) or (
            target == at.node_id and at.input_from == (at.node_id,)
        )

    def output_of(self, node_id: str) -> Shape | None:
        return self.shapes.any_output(node_id)


def _names(node: NodeSpec | None) -> tuple[str, ...]:
    return BASE_NAMES + (LOOP_NAMES if node is not None and node.parent else ())


def _at(graph: _Graph, shapes: _Shapes, node_id: str) -> NamesAt:
    node = graph.nodes[node_id]
    upstream = graph.ordered(graph.upstream(node_id))
    return NamesAt(
        node_id=node_id,
        names=_names(node),
        upstream=upstream,
        loop=node.parent,
        input_from=tuple(dict.fromkeys(e.source for e in graph.incoming[node_id])),
        input_shape=shapes.input_of(node_id),
        params_shape=shapes.params,
        upstream_shapes={n: shapes.any_output(n) for n in upstream},
    )


def names_at(spec: WorkflowSpec, node_id: str) -> NamesAt:
    """Which names expressions in node `node_id`'s config can use, and which nodes can be
    upstream of it. Raises KeyError for an unknown node id."""
    graph = _Graph(spec)
    return _at(graph, _Shapes(graph), node_id)


def all_names(spec: WorkflowSpec) -> dict[str, NamesAt]:
    """`names_at` for every node, sharing one walk of the graph's shapes."""
    graph = _Graph(spec)
    shapes = _Shapes(graph)
    return {node_id: _at(graph, shapes, node_id) for node_id in graph.nodes}


def edge_names(spec: WorkflowSpec, edge: EdgeSpec) -> NamesAt:
    """What an edge's `when` can use: `input` is the source node's output on the edge's port,
    and the source itself is among the upstream nodes."""
    graph = _Graph(spec)
    return _edge(graph, _Shapes(graph), edge)


def _edge(graph: _Graph, shapes: _Shapes, edge: EdgeSpec) -> NamesAt:
    source = graph.nodes[edge.source]
    upstream = graph.ordered(graph.upstream(edge.source) | {edge.source})
    return NamesAt(
        node_id=edge.source,
        names=_names(source),
        upstream=upstream,
        loop=source.parent,
        input_from=(edge.source,),
        input_shape=shapes.output_of(edge.source, edge.source_port),
        params_shape=shapes.params,
        upstream_shapes={n: shapes.any_output(n) for n in upstream},
    )
