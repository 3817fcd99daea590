"""Validation of big workflows: exact problems, and a cost that grows linearly with the size.

Linearity is checked by counting passes over the node and edge lists (no timings): a check
that scans every edge once per node makes the pass count grow with the workflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.cycles import cycle_through, knots
from app.core.dsl import WorkflowSpec
from app.core.validate import validate
from app.nodes.catalog import default_catalog
from app.nodes.functions import FunctionRegistry

CATALOG = default_catalog(load_packs=False)


class CountingList(list[Any]):
    """A list that counts how often it is walked from the start."""

    passes = 0

    def __iter__(self) -> Iterator[Any]:
        self.passes += 1
        return super().__iter__()


def branchy(blocks: int) -> dict[str, Any]:
    """start -> blocks of (if -> yes|no -> merge) -> a loop with one body node -> end."""
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "start"}]
    edges: list[dict[str, Any]] = []
    last = "start"
    for i in range(blocks):
        nodes += [
            {"id": f"if{i}", "type": "if", "config": {"condition": {"var": "ok"}}},
            {"id": f"yes{i}", "type": "set", "config": {"values": {"x": i}}},
            {"id": f"no{i}", "type": "log", "config": {"message": "no"}},
            {"id": f"join{i}", "type": "merge"},
        ]
        edges += [
            {"source": last, "target": f"if{i}"},
            {"source": f"if{i}", "source_port": "true", "target": f"yes{i}"},
            {"source": f"if{i}", "source_port": "false", "target": f"no{i}"},
            {"source": f"yes{i}", "target": f"join{i}"},
            {"source": f"no{i}", "target": f"join{i}"},
        ]
        last = f"join{i}"
    nodes += [
        {"id": "loop", "type": "foreach", "config": {"items": "input.items"}},
        {"id": "body", "type": "set", "parent": "loop", "config": {"values": {}}},
        {"id": "end", "type": "end"},
    ]
    edges += [{"source": last, "target": "loop"}, {"source": "loop", "target": "end"}]
    return {"nodes": nodes, "edges": edges}


def passes(doc: dict[str, Any]) -> tuple[int, int]:
    spec = WorkflowSpec.model_validate(doc)
    nodes, edges = CountingList(spec.nodes), CountingList(spec.edges)
    spec.nodes, spec.edges = nodes, edges
    assert validate(spec, CATALOG, FunctionRegistry()) == []
    return nodes.passes, edges.passes


def test_passes_over_nodes_and_edges_do_not_grow_with_the_workflow() -> None:
    small, big = passes(branchy(10)), passes(branchy(1000))
    assert big == small
    assert max(big) < 12


def test_a_big_workflow_reports_exactly_its_problems() -> None:
    doc = branchy(5000)  # 20,000 nodes
    doc["edges"] = [
        e
        for e in doc["edges"]
        if e != {"source": "if4999", "source_port": "false", "target": "no4999"}
    ]
    doc["nodes"].append({"id": "stray", "type": "set"})
    doc["nodes"].append({"id": "empty", "type": "foreach", "config": {"items": "input"}})
    doc["edges"] += [{"source": "loop", "target": "stray"}, {"source": "stray", "target": "empty"}]
    doc["edges"].append({"source": "join100", "target": "if50"})  # a cycle back
    found = {
        (p.code, p.node_id)
        for p in validate(WorkflowSpec.model_validate(doc), CATALOG, FunctionRegistry())
    }
    assert ("unconnected_outcome", "if4999") in found
    assert ("unreachable", "no4999") in found
    assert ("empty_loop", "empty") in found
    assert any(code == "cycle" for code, _ in found)
    assert len(found) == 4


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=40))
def test_knots_and_their_cycles_match_networkx(pairs: list[tuple[int, int]]) -> None:
    order = [str(i) for i in range(13)]
    successors: dict[str, list[str]] = {node: [] for node in order}
    for a, b in pairs:
        successors[str(a)].append(str(b))
    graph: Any = nx.DiGraph([(str(a), str(b)) for a, b in pairs])
    expected = {frozenset(c) for c in nx.strongly_connected_components(graph) if len(c) > 1}
    found = knots(order, successors)
    assert {frozenset(k) for k in found} == expected
    for knot in found:
        cycle = cycle_through(knot, successors)
        assert cycle[0] == knot[0]
        assert len(set(cycle)) == len(cycle) > 1
        for here, there in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
            assert there in successors[here]


def test_a_long_chain_closed_into_one_cycle_needs_no_recursion() -> None:
    order = [str(i) for i in range(50_000)]
    successors = {node: [order[(i + 1) % len(order)]] for i, node in enumerate(order)}
    (knot,) = knots(order, successors)
    assert len(cycle_through(knot, successors)) == len(order)
