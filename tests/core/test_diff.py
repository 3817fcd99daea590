"""diff_specs: nodes, edges and config added, removed and changed, in lines a person can read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.core.diff import diff_specs, show
from app.core.dsl import WorkflowSpec
from app.core.importers import load_workflow_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def spec(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], **top: Any) -> WorkflowSpec:
    return WorkflowSpec.model_validate({"nodes": nodes, "edges": edges, **top})


BASE_NODES = [
    {"id": "start", "type": "start", "name": "Start"},
    {"id": "check", "type": "if", "name": "Big?", "config": {"condition": "amount > 10"}},
    {"id": "end", "type": "end"},
]
BASE_EDGES = [
    {"id": "e1", "source": "start", "target": "check"},
    {"id": "e2", "source": "check", "source_port": "true", "target": "end"},
]


def test_identical_specs_have_no_changes() -> None:
    a = spec(BASE_NODES, BASE_EDGES)
    d = diff_specs(a, a.model_copy(deep=True))
    assert d.empty and d.lines == [] and d.summary() == "No changes"


def test_added_removed_and_changed_nodes_edges_and_config() -> None:
    old = spec(BASE_NODES, BASE_EDGES)
    new_nodes = [
        {"id": "start", "type": "start", "name": "Begin"},
        {"id": "check", "type": "if", "name": "Big?", "config": {"condition": "amount > 99"}},
        {"id": "log", "type": "log", "config": {"message": "hi"}},
    ]
    new_edges = [
        {"id": "x1", "source": "start", "target": "check"},  # same connection, new id
        {"id": "x2", "source": "check", "source_port": "false", "target": "log"},
    ]
    d = diff_specs(old, spec(new_nodes, new_edges))
    assert [c.id for c in d.of("node", "added")] == ["log"]
    assert [c.id for c in d.of("node", "removed")] == ["end"]
    assert [(c.id, c.field) for c in d.of("node", "changed")] == [("start", "name")]
    assert [(c.id, c.field, c.before, c.after) for c in d.of("config")] == [
        ("check", "condition", "amount > 10", "amount > 99")
    ]
    assert [c.id for c in d.of("edge", "added")] == ["check.false → log.in"]
    assert [c.id for c in d.of("edge", "removed")] == ["check.true → end.in"]
    assert d.lines == [
        "Added node 'log' (log)",
        "Removed node 'end' (end)",
        "Node 'Begin' (start): name 'Start' → 'Begin'",
        "Node 'Big?' (check): config condition 'amount > 10' → 'amount > 99'",
        "Added edge check.false → log.in",
        "Removed edge check.true → end.in",
    ]
    assert d.summary() == (
        "1 node added, 1 node removed, 1 node changed, 1 edge added, 1 edge removed, "
        "1 config change"
    )


def test_config_keys_set_and_removed_and_edge_condition_changed() -> None:
    old = spec(
        [
            {"id": "f", "type": "function", "config": {"function": "a", "args": {"n": 1}}},
            {"id": "g", "type": "log", "config": {"message": "x"}},
        ],
        [{"source": "f", "target": "g", "when": "n > 1"}],
    )
    new = spec(
        [
            {"id": "f", "type": "function", "config": {"function": "a"}},
            {"id": "g", "type": "log", "config": {"message": "x", "level": "error"}},
        ],
        [{"source": "f", "target": "g", "when": {">": [{"var": "n"}, 2]}}],
    )
    d = diff_specs(old, new)
    assert d.lines == [
        "Node 'f': config args removed (was {\"n\": 1})",
        "Node 'g': config level set to 'error'",
        'Edge f.out → g.in: condition \'n > 1\' → {">": [{"var": "n"}, 2]}',
    ]
    assert [c.kind for c in d.changes] == ["removed", "added", "changed"]


def test_moves_are_one_line_and_workflow_settings_are_listed() -> None:
    old = spec(BASE_NODES, BASE_EDGES)
    moved = [dict(n, position={"x": 500, "y": 9}) for n in BASE_NODES]
    new = spec(moved, BASE_EDGES, name="Renamed", params={"type": "object"})
    d = diff_specs(old, new)
    assert d.moved == ("start", "check", "end")
    assert d.lines == [
        "Workflow name: 'Untitled workflow' → 'Renamed'",
        'Workflow params: {} → {"type": "object"}',
        "3 nodes moved on the canvas",
    ]
    assert d.summary() == "2 workflow settings changed, 3 moved"


def test_node_settings_changes_are_named() -> None:
    old = spec(BASE_NODES, BASE_EDGES)
    nodes = [dict(n) for n in BASE_NODES]
    nodes[1] = {**nodes[1], "on_error": "continue", "retry": {"max_attempts": 5}}
    d = diff_specs(old, spec(nodes, BASE_EDGES))
    fields = [c.field for c in d.changes]
    assert fields == ["retry", "on_error"]
    assert "on_error 'fail' → 'continue'" in d.lines[1]


def test_long_values_are_shortened() -> None:
    assert show("x" * 200).endswith("…") and len(show("x" * 200)) == 60
    assert show("") == "''" and show(None) == "null" and show([1, 2]) == "[1, 2]"


def test_seed_import_against_native_example() -> None:
    seed = load_workflow_file(EXAMPLES / "seed001_product_selection.json")
    native = load_workflow_file(EXAMPLES / "ren_product_selection.json")
    d = diff_specs(seed, native)
    assert not d.of("node", "added") and not d.of("node", "removed") and not d.of("edge")
    assert all(c.field == "name" for c in d.of("node"))


ids = st.sampled_from(["a", "b", "c", "d"])


@given(
    st.lists(ids, unique=True),
    st.lists(ids, unique=True),
    st.lists(st.tuples(ids, ids), unique=True, max_size=6),
    st.lists(st.tuples(ids, ids), unique=True, max_size=6),
)
def test_diff_counts_match_set_differences(
    old_ids: list[str],
    new_ids: list[str],
    old_links: list[tuple[str, str]],
    new_links: list[tuple[str, str]],
) -> None:
    def make(node_ids: list[str], links: list[tuple[str, str]]) -> WorkflowSpec:
        return spec(
            [{"id": i, "type": "log"} for i in node_ids],
            [{"source": a, "target": b} for a, b in links],
        )

    d = diff_specs(make(old_ids, old_links), make(new_ids, new_links))
    assert len(d.of("node", "added")) == len(set(new_ids) - set(old_ids))
    assert len(d.of("node", "removed")) == len(set(old_ids) - set(new_ids))
    assert len(d.of("edge", "added")) == len(set(new_links) - set(old_links))
    assert len(d.of("edge", "removed")) == len(set(old_links) - set(new_links))
    assert diff_specs(make(new_ids, new_links), make(new_ids, new_links)).empty
