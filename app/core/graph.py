"""A workflow compiled for fast lookups: edges by node, and the scopes loops create.

The top level is the scope `None`; the body of a loop node `L` is the scope `L` (its nodes have
`parent == "L"`). Edges never cross scopes (validation rejects those that do).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from app.core.dsl import EdgeSpec, NodeSpec, WorkflowSpec
from app.core.ports import is_ai_port

Scope = str | None


@dataclass(frozen=True)
class Graph:
    spec: WorkflowSpec
    nodes: dict[str, NodeSpec]
    edges: dict[str, EdgeSpec]
    out_edges: dict[str, tuple[EdgeSpec, ...]]
    in_edges: dict[str, tuple[EdgeSpec, ...]]
    scopes: dict[Scope, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, spec: WorkflowSpec) -> Graph:
        nodes = {n.id: n for n in spec.nodes}
        outs: dict[str, list[EdgeSpec]] = defaultdict(list)
        ins: dict[str, list[EdgeSpec]] = defaultdict(list)
        sub_nodes = ai_sub_nodes(spec)
        for edge in spec.edges:
            if is_ai_port(edge.target_port):
                continue  # attaches a sub-node (app.nodes.ai_ports): not a step of the plan
            if edge.source in nodes and edge.target in nodes:
                outs[edge.source].append(edge)
                ins[edge.target].append(edge)
        scopes: dict[Scope, list[str]] = defaultdict(list)
        for node in spec.nodes:
            if node.id not in sub_nodes:
                scopes[node.parent].append(node.id)
        return cls(
            spec=spec,
            nodes=nodes,
            edges={e.id: e for e in spec.edges},
            out_edges={n: tuple(outs.get(n, ())) for n in nodes},
            in_edges={n: tuple(ins.get(n, ())) for n in nodes},
            scopes={s: tuple(ids) for s, ids in scopes.items()},
        )

    def scope_nodes(self, scope: Scope) -> tuple[str, ...]:
        return self.scopes.get(scope, ())

    def entries(self, scope: Scope) -> list[str]:
        """Nodes of a scope that no edge leads into: where that scope starts."""
        return [n for n in self.scope_nodes(scope) if not self.in_edges[n]]


def ai_sub_nodes(spec: WorkflowSpec) -> set[str]:
    """Nodes whose only outgoing edges attach them to AI nodes: used by those, never run."""
    ai_out: set[str] = set()
    main_out: set[str] = set()
    for edge in spec.edges:
        (ai_out if is_ai_port(edge.target_port) else main_out).add(edge.source)
    return ai_out - main_out
