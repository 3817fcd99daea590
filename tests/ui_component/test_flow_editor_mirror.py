"""FlowEditor's Python side without a browser: the graph mirror that methods and events keep."""

from __future__ import annotations

from typing import Any

from nicegui.events import GenericEventArguments

from app.ui.flow_editor import FlowEditor


def graph() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    nodes: list[dict[str, Any]] = [
        {"id": "loop", "type": "foreach", "group": True, "position": {"x": 0, "y": 0}},
        {"id": "a", "type": "set", "parent": "loop", "position": {"x": 10, "y": 40}},
        {"id": "b", "type": "log", "position": {"x": 400, "y": 0}},
        {"id": "c", "type": "log", "position": {"x": 400, "y": 200}},
    ]
    edges = [
        {"id": "e1", "source": "loop", "source_port": "out", "target": "b", "target_port": "in"},
        {"id": "e2", "source": "b", "source_port": "out", "target": "c", "target_port": "in"},
    ]
    return nodes, edges


def event(editor: FlowEditor, args: Any) -> GenericEventArguments:
    return GenericEventArguments(sender=editor, client=editor.client, args=args)


def test_props_carry_the_first_graph_and_the_mirror_copies_it() -> None:
    nodes, edges = graph()
    editor = FlowEditor(nodes, edges)
    assert [n["id"] for n in editor.props["nodes"]] == ["loop", "a", "b", "c"]
    assert [e["id"] for e in editor.props["edges"]] == ["e1", "e2"]
    nodes[0]["label"] = "changed by the caller"
    assert "label" not in editor.nodes[0]


def test_remove_a_group_takes_children_and_edges_along() -> None:
    editor = FlowEditor(*graph())
    editor.remove_elements(["loop"])
    assert [n["id"] for n in editor.nodes] == ["b", "c"]
    assert [e["id"] for e in editor.edges] == ["e2"]
    assert [n["id"] for n in editor.props["nodes"]] == ["b", "c"]


def test_add_update_and_set_graph() -> None:
    editor = FlowEditor(*graph())
    editor.add_node({"id": "d", "type": "if", "position": {"x": 1, "y": 2}})
    editor.add_edge(
        {"id": "e3", "source": "c", "source_port": "out", "target": "d", "target_port": "in"}
    )
    editor.update_node("d", {"label": "Check", "position": {"x": 5, "y": 6}})
    d = next(n for n in editor.nodes if n["id"] == "d")
    assert d["label"] == "Check" and d["position"] == {"x": 5, "y": 6}
    assert len(editor.edges) == 3
    editor.set_graph([{"id": "x", "position": {"x": 0, "y": 0}}], [])
    assert [n["id"] for n in editor.nodes] == ["x"] and editor.edges == []


def test_status_and_problems_with_reset() -> None:
    editor = FlowEditor(*graph())
    editor.set_status({"a": "running", "b": "succeeded"})
    editor.set_status({"c": "failed", "b": "bogus"})
    status = {n["id"]: n.get("status") for n in editor.nodes}
    assert status == {"loop": None, "a": "running", "b": None, "c": "failed"}
    editor.set_status({"c": "waiting"}, reset=True)
    assert {n["id"]: n.get("status") for n in editor.nodes}["a"] is None
    editor.set_problems({"b": ["no URL"]})
    editor.set_problems({"c": ["bad"]}, reset=True)
    assert {n["id"]: n.get("problems") for n in editor.nodes} == {
        "loop": [],
        "a": [],
        "b": [],
        "c": ["bad"],
    }


def test_events_keep_positions_sizes_and_selection() -> None:
    editor = FlowEditor(*graph())
    editor._handle_moved(event(editor, [{"id": "b", "x": 11.5, "y": 22}]))
    editor._handle_resized(
        event(editor, {"id": "loop", "x": 0, "y": 0, "width": 500, "height": 300})
    )
    editor._handle_selection(event(editor, {"nodes": ["b"], "edges": ["e2"]}))
    nodes = {n["id"]: n for n in editor.nodes}
    assert nodes["b"]["position"] == {"x": 11.5, "y": 22}
    assert (nodes["loop"]["width"], nodes["loop"]["height"]) == (500, 300)
    assert (editor.selected_nodes, editor.selected_edges) == (["b"], ["e2"])


def test_reparent_keeps_the_node_in_place() -> None:
    editor = FlowEditor(*graph())
    editor.update_node("loop", {"position": {"x": 100, "y": 50}})  # a sits at (10, 40) inside
    editor.update_node("a", {"parent": None})
    editor.update_node("b", {"parent": "loop"})  # b at (400, 0)
    nodes = {n["id"]: n for n in editor.nodes}
    assert nodes["a"]["position"] == {"x": 110.0, "y": 90.0} and nodes["a"]["parent"] is None
    assert nodes["b"]["position"] == {"x": 300.0, "y": -50.0} and nodes["b"]["parent"] == "loop"
