"""Auto-layout: columns by depth, rows ordered by predecessors, loop bodies inside their loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.core.dsl import WorkflowSpec
from app.core.importers import load_workflow_file
from app.core.layout import (
    GROUP_MIN,
    GROUP_PAD_TOP,
    GROUP_PAD_X,
    NODE_SIZE,
    layered,
    layout_workflow,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def overlaps(boxes: list[tuple[float, float, float, float]]) -> bool:
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            if x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h:
                return True
    return False


def test_chain_is_a_straight_line() -> None:
    at = layered(["a", "b", "c"], [("a", "b"), ("b", "c")])
    assert at["a"][1] == at["b"][1] == at["c"][1] == 0
    assert at["a"][0] < at["b"][0] < at["c"][0]


def test_branches_are_centred_around_their_source() -> None:
    at = layered(["s", "t", "f", "j"], [("s", "t"), ("s", "f"), ("t", "j"), ("f", "j")])
    assert at["t"][0] == at["f"][0] and at["t"][1] < at["f"][1]
    centre = (at["t"][1] + at["f"][1]) / 2
    assert at["s"][1] == at["j"][1] == centre


def test_rows_follow_their_predecessors_order() -> None:
    links = [("a", "x"), ("b", "y"), ("x", "q"), ("y", "p")]
    at = layered(["a", "b", "x", "y", "p", "q"], links)
    assert at["q"][1] < at["p"][1]  # q follows x, which follows a (the upper one)


def test_a_cycle_reads_left_to_right_and_sizes_are_respected() -> None:
    links = [("s", "a"), ("a", "b"), ("b", "a"), ("b", "c")]
    at = layered(["s", "a", "b", "c"], links, {"a": (500, 300)})
    assert at["s"][0] < at["a"][0] < at["b"][0] < at["c"][0]  # the edge back to a is dropped
    assert at["b"][0] >= at["a"][0] + 500
    boxes = [(*at[n], *({"a": (500.0, 300.0)}.get(n, NODE_SIZE))) for n in at]
    assert not overlaps(boxes)


def test_seed001_layout_runs_left_to_right_without_overlaps() -> None:
    spec = load_workflow_file(EXAMPLES / "seed001_product_selection.json")
    layout = layout_workflow(spec)
    at = layout.positions
    assert set(at) == {n.id for n in spec.nodes}
    assert all(at[e.target][0] > at[e.source][0] for e in spec.edges)
    assert not overlaps([(*p, *NODE_SIZE) for p in at.values()])
    assert layout.group_sizes == {}


def test_loop_bodies_are_laid_out_inside_their_loop() -> None:
    doc: dict[str, Any] = {
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "loop", "type": "foreach", "config": {"items": "input.xs"}},
            {"id": "a", "type": "log", "parent": "loop", "config": {"message": "1"}},
            {"id": "b", "type": "log", "parent": "loop", "config": {"message": "2"}},
            {"id": "c", "type": "log", "parent": "loop", "config": {"message": "3"}},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"source": "start", "target": "loop"},
            {"source": "loop", "target": "end"},
            {"source": "a", "target": "b"},
            {"source": "b", "target": "c"},
        ],
    }
    spec = WorkflowSpec.model_validate(doc)
    layout = layout_workflow(spec, groups=["loop"])
    width, height = layout.group_sizes["loop"]
    assert width > 3 * NODE_SIZE[0] and height >= GROUP_MIN[1]
    at = layout.positions
    assert at["a"] == (GROUP_PAD_X, GROUP_PAD_TOP)
    assert at["a"][0] < at["b"][0] < at["c"][0]
    assert at["c"][0] + NODE_SIZE[0] <= width
    # the end node sits right of the whole (grown) loop
    assert at["end"][0] >= at["loop"][0] + width


def test_an_empty_declared_group_gets_the_minimum_size() -> None:
    spec = WorkflowSpec.model_validate(
        {"nodes": [{"id": "loop", "type": "foreach", "config": {"items": "x"}}], "edges": []}
    )
    assert layout_workflow(spec, groups=["loop"]).group_sizes == {"loop": GROUP_MIN}


@given(
    st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30),
        )
    )
)
def test_depths_layer_every_edge_but_those_closing_a_cycle(
    graph: tuple[int, list[tuple[int, int]]],
) -> None:
    import networkx as nx

    from app.core.layout import _depths

    n, pairs = graph
    ids = [f"n{i}" for i in range(n)]
    links = [(f"n{a}", f"n{b}") for a, b in pairs]
    reference: Any = nx.DiGraph()
    reference.add_nodes_from(ids)
    reference.add_edges_from(links)
    depth = _depths(ids, links)
    assert set(depth) == set(ids)
    for a, b in links:  # forward, or back along a cycle (b reaches a)
        assert depth[b] > depth[a] or nx.has_path(reference, b, a)
    for node in ids:  # as far left as it can be: one column past a predecessor
        if depth[node] > 0:
            assert any(depth[p] == depth[node] - 1 for p in reference.predecessors(node))
