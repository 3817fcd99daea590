"""EditorModel and History: every edit the page makes, and undo/redo, without a UI."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.dsl import WorkflowSpec
from app.nodes.catalog import default_catalog
from app.ui.editor.history import History
from app.ui.editor.model import EditorModel


def model(doc: dict[str, Any] | None = None) -> EditorModel:
    doc = doc or {"nodes": [{"id": "start", "type": "start"}], "edges": []}
    return EditorModel(WorkflowSpec.model_validate(doc), default_catalog(load_packs=False))


LOOP = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "loop", "type": "foreach", "config": {"items": "input.xs"}},
        {"id": "a", "type": "log", "parent": "loop", "config": {"message": "a"}},
        {"id": "b", "type": "log", "parent": "loop", "config": {"message": "b"}},
    ],
    "edges": [{"source": "start", "target": "loop"}, {"source": "a", "target": "b"}],
}


# ---- history ----------------------------------------------------------------------------------


def test_history_undo_redo_and_limit() -> None:
    h: History[int] = History(limit=3)
    for state in range(5):
        h.record(state)
    assert len(h) == 3
    assert h.undo(5) == 4 and h.undo(4) == 3 and h.undo(3) == 2
    assert h.undo(2) is None
    assert h.redo(2) == 3 and h.redo(3) == 4 and h.redo(4) == 5 and h.redo(5) is None


def test_history_merges_a_burst_under_one_key_and_a_new_change_drops_redo() -> None:
    now = [0.0]
    h: History[str] = History(merge_s=1.0, clock=lambda: now[0])
    assert h.record("a", key="name")
    now[0] = 0.5
    assert not h.record(lambda: "ab", key="name")  # merged: no snapshot taken
    now[0] = 2.0
    assert h.record("abc", key="name")  # too late: a new step
    assert h.undo("abcd") == "abc"
    h.record("x")
    assert not h.can_redo
    assert h.undo("y") == "x" and h.undo("x") == "a"


# ---- edits ------------------------------------------------------------------------------------


def test_add_node_ids_names_and_parent() -> None:
    m = model(LOOP)
    first = m.add_node("log", 10.4, 20.6)
    second = m.add_node("log", 0, 0, parent="loop")
    third = m.add_node("log", 0, 0, parent="start")  # not a loop: placed at the top level
    assert [first.id, second.id, third.id] == ["log_1", "log_2", "log_3"]
    assert [first.name, second.name, third.name] == ["Log", "Log 2", "Log 3"]
    assert (first.position.x, first.position.y) == (10, 21)
    assert second.parent == "loop" and third.parent is None
    with pytest.raises(KeyError):
        m.add_node("no_such_type", 0, 0)


def test_connect_and_the_pages_own_refusal() -> None:
    m = model(LOOP)
    edge = m.connect("loop", "out", "a", "in")
    assert edge.id == "e3"
    assert m.connect_refusal("loop", "out", "a", "in") is not None
    assert "cannot be wired to the loop itself" in (
        m.connect_refusal("a", "out", "loop", "in") or ""
    )
    assert m.connect_refusal("start", "out", "loop", "in") is None
    assert m.connect_refusal("start", "out", "gone", "in") == "That node no longer exists"


def test_removing_a_loop_takes_its_body_and_edges_and_undo_brings_all_back() -> None:
    m = model(LOOP)
    nodes, edges = m.remove(["loop"])
    assert nodes == ["a", "b", "loop"] and edges == ["e1", "e2"]
    assert [n.id for n in m.spec.nodes] == ["start"] and m.spec.edges == []
    assert m.remove(["nothing"]) == ([], [])
    assert m.undo()
    assert [n.id for n in m.spec.nodes] == ["start", "loop", "a", "b"]
    assert m.redo() and [n.id for n in m.spec.nodes] == ["start"]
    assert not m.redo()


def test_moves_config_fields_and_edge_conditions_are_undoable() -> None:
    m = model(LOOP)
    assert not m.move([{"id": "a", "x": 0, "y": 0}])  # where it already is
    assert m.move([{"id": "a", "x": 5, "y": 6}, {"id": "ghost", "x": 1, "y": 1}])
    m.set_config("a", {"message": "new"}, key="config:a:message")
    m.set_node_field("a", "name", "First")
    m.set_edge_when("e1", "input.ok")
    m.set_workflow_field("name", "Renamed")
    a = m.node("a")
    assert a is not None and a.config == {"message": "new"} and a.name == "First"
    assert m.spec.edges[0].when == "input.ok" and m.spec.name == "Renamed"
    for _ in range(5):
        assert m.undo()
    a = m.node("a")
    assert a is not None and a.config == {"message": "a"} and a.position.x == 0
    assert m.spec.edges[0].when is None and m.spec.name == "Untitled workflow"


def test_copy_paste_new_ids_relative_positions_and_inner_edges() -> None:
    m = model(LOOP)
    clip = m.copy(["loop"])
    assert [n["id"] for n in clip.nodes] == ["loop", "a", "b"]
    assert [(e["source"], e["target"]) for e in clip.edges] == [("a", "b")]
    nodes, edges = m.paste(clip, 500, 300)
    assert [n.id for n in nodes] == ["foreach_1", "log_1", "log_2"]
    assert [n.parent for n in nodes] == [None, "foreach_1", "foreach_1"]
    assert (nodes[0].position.x, nodes[0].position.y) == (500, 300)
    assert nodes[1].position == m.node("a").position  # type: ignore[union-attr]
    assert [(e.source, e.target) for e in edges] == [("log_1", "log_2")]
    assert m.paste(m.copy([]), 0, 0) == ([], [])


def test_auto_layout_places_bodies_inside_grown_loops() -> None:
    m = model(LOOP)
    assert m.needs_layout()  # every node at (0, 0)
    m.auto_layout()
    assert not m.needs_layout()
    at = {n.id: n.position for n in m.spec.nodes}
    assert at["start"].x < at["loop"].x and at["a"].x < at["b"].x
    width, _ = m.group_sizes["loop"]
    assert at["b"].x + 220 <= width
    assert m.undo() and m.needs_layout()


def test_replace_keeps_the_workflow_id_and_is_undoable() -> None:
    m = model({"id": "mine", "nodes": [{"id": "start", "type": "start"}], "edges": []})
    m.replace(WorkflowSpec.model_validate({"id": "other", "nodes": [], "edges": []}))
    assert m.spec.id == "mine" and m.spec.nodes == []
    assert m.undo() and len(m.spec.nodes) == 1
