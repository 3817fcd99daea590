"""The pure planner: ready sets, joins and dead-path elimination."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.core.dsl import WorkflowSpec
from app.core.graph import Graph
from app.core.plan import ScopeProgress


def graph(nodes: list[str], edges: list[tuple[str, str, str]]) -> Graph:
    doc: dict[str, Any] = {
        "nodes": [{"id": n, "type": "x"} for n in nodes],
        "edges": [
            {"id": f"{s}-{p}-{t}", "source": s, "source_port": p, "target": t} for s, p, t in edges
        ],
    }
    return Graph.build(WorkflowSpec.model_validate(doc))


def live(g: Graph, node: str, ports: set[str]) -> list[str]:
    return [e.id for e in g.out_edges[node] if e.source_port in ports]


def test_start_is_ready_and_successor_waits() -> None:
    g = graph(["s", "a"], [("s", "out", "a")])
    p = ScopeProgress(g, None)
    assert p.start().ready == ["s"]
    assert p.complete("s", live(g, "s", {"out"})).ready == ["a"]
    assert not p.finished
    p.complete("a", [])
    assert p.finished


def test_join_waits_for_every_live_branch() -> None:
    g = graph(
        ["s", "a", "b", "j"],
        [("s", "out", "a"), ("s", "out", "b"), ("a", "out", "j"), ("b", "out", "j")],
    )
    p = ScopeProgress(g, None)
    p.start()
    assert sorted(p.complete("s", live(g, "s", {"out"})).ready) == ["a", "b"]
    assert p.complete("a", live(g, "a", {"out"})).ready == []
    assert p.complete("b", live(g, "b", {"out"})).ready == ["j"]


def test_branch_not_taken_is_skipped_and_skip_propagates_to_join() -> None:
    g = graph(
        ["s", "if", "t1", "t2", "f1", "j"],
        [
            ("s", "out", "if"),
            ("if", "true", "t1"),
            ("t1", "out", "t2"),
            ("if", "false", "f1"),
            ("t2", "out", "j"),
            ("f1", "out", "j"),
        ],
    )
    p = ScopeProgress(g, None)
    p.start()
    p.complete("s", live(g, "s", {"out"}))
    advance = p.complete("if", live(g, "if", {"false"}))
    assert advance.ready == ["f1"]
    assert advance.skipped == ["t1", "t2"]
    assert p.complete("f1", live(g, "f1", {"out"})).ready == ["j"]


def test_everything_dead_skips_the_join_too() -> None:
    g = graph(
        ["s", "if", "a", "j", "after"],
        [("s", "out", "if"), ("if", "true", "a"), ("a", "out", "j"), ("j", "out", "after")],
    )
    p = ScopeProgress(g, None)
    p.start()
    p.complete("s", live(g, "s", {"out"}))
    advance = p.complete("if", live(g, "if", {"false"}))
    assert advance.skipped == ["a", "j", "after"]
    assert p.finished


def test_restore_resumes_after_the_last_done_node() -> None:
    g = graph(["s", "a", "b"], [("s", "out", "a"), ("a", "out", "b")])
    p = ScopeProgress(g, None)
    advance = p.restore({"s": live(g, "s", {"out"}), "a": live(g, "a", {"out"})})
    assert advance.ready == ["b"]


@given(st.integers(min_value=2, max_value=12), st.data())
def test_random_dags_finish_with_each_node_decided_once(n: int, data: st.DataObject) -> None:
    """In any DAG, with any branch outcomes, every node is run or skipped exactly once."""
    nodes = [f"n{i}" for i in range(n)]
    edges = []
    for j in range(1, n):
        sources = data.draw(st.lists(st.integers(0, j - 1), min_size=1, max_size=3, unique=True))
        edges += [(f"n{i}", data.draw(st.sampled_from(["out", "alt"])), f"n{j}") for i in sources]
    g = graph(nodes, edges)
    p = ScopeProgress(g, None)
    seen: list[str] = []
    todo = list(p.start().ready)
    while todo:
        node = todo.pop(0)
        seen.append(node)
        ports = data.draw(st.sets(st.sampled_from(["out", "alt"])))
        advance = p.complete(node, live(g, node, ports))
        seen += advance.skipped
        todo += advance.ready
    assert p.finished
    assert sorted(seen) == sorted(nodes)
