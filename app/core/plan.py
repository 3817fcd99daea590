"""What runs next: the ready set of one scope instance, with dead-path elimination.

A node is *decided* when every incoming edge's source is done. It is then ready if at least one
incoming edge is live, and skipped otherwise; a skip makes all its outgoing edges dead, so the
skip travels on and joins behind an `if` never hang. A join therefore waits for every live
branch. A scope instance is the top level of a run or one item of a loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.core.graph import Graph, Scope


@dataclass
class Advance:
    ready: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class ScopeProgress:
    """Tracks one scope instance. Pure bookkeeping: no I/O, no node execution."""

    def __init__(self, graph: Graph, scope: Scope) -> None:
        self.graph = graph
        self.scope = scope
        self.node_ids = graph.scope_nodes(scope)
        self.live_edges: dict[str, frozenset[str]] = {}  # done node -> its live outgoing edges
        self.started: set[str] = set()

    @property
    def finished(self) -> bool:
        return len(self.live_edges) == len(self.node_ids)

    def is_done(self, node_id: str) -> bool:
        return node_id in self.live_edges

    def restore(self, done: Mapping[str, Iterable[str]]) -> Advance:
        """Load nodes already done (e.g. from the database) and return what is now ready."""
        for node_id, live in done.items():
            if node_id in self.graph.nodes:
                self.live_edges[node_id] = frozenset(live)
                self.started.add(node_id)
        return self._sweep(self.node_ids)

    def start(self) -> Advance:
        return self._sweep(self.node_ids)

    def complete(self, node_id: str, live_edges: Iterable[str]) -> Advance:
        """Record a finished node and the outgoing edges it made live."""
        self.live_edges[node_id] = frozenset(live_edges)
        self.started.add(node_id)
        return self._sweep(e.target for e in self.graph.out_edges[node_id])

    def _sweep(self, candidates: Iterable[str]) -> Advance:
        advance = Advance()
        todo = list(candidates)
        while todo:
            node_id = todo.pop(0)
            if node_id in self.started:
                continue
            verdict = self._decide(node_id)
            if verdict is None:
                continue
            self.started.add(node_id)
            if verdict:
                advance.ready.append(node_id)
            else:
                self.live_edges[node_id] = frozenset()
                advance.skipped.append(node_id)
                todo.extend(e.target for e in self.graph.out_edges[node_id])
        return advance

    def _decide(self, node_id: str) -> bool | None:
        """True = ready, False = skip, None = still waiting on an upstream node."""
        incoming = self.graph.in_edges[node_id]
        if not incoming:
            return True
        any_live = False
        for edge in incoming:
            live = self.live_edges.get(edge.source)
            if live is None:
                return None
            any_live = any_live or edge.id in live
        return any_live
