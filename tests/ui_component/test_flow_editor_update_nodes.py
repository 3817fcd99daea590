"""FlowEditor.update_nodes without a browser: several nodes change in one call (a node moved into
a loop and the loop growing around it), and the element's mirror follows."""

from __future__ import annotations

from app.ui.flow_editor import FlowEditor


def test_update_nodes_moves_nodes_between_groups_in_one_call() -> None:
    editor = FlowEditor(
        [
            {"id": "loop", "group": True, "position": {"x": 100, "y": 50}, "width": 360},
            {"id": "a", "parent": "loop", "position": {"x": 10, "y": 60}},
            {"id": "b", "position": {"x": 400, "y": 300}},
        ]
    )
    editor.update_nodes(
        {
            "loop": {"position": {"x": 60, "y": 50}, "width": 500},  # grows 40 to the left
            "a": {"position": {"x": 50, "y": 60}},  # so a stays where it is on screen
            "b": {"parent": "loop"},  # no position: stays where it is on screen
            "ghost": {"parent": "loop"},  # unknown ids are left out
        }
    )
    nodes = {n["id"]: n for n in editor.nodes}
    assert nodes["b"]["parent"] == "loop" and nodes["b"]["position"] == {"x": 340.0, "y": 250.0}
    assert nodes["loop"]["width"] == 500 and nodes["a"]["position"] == {"x": 50, "y": 60}
    assert set(nodes) == {"loop", "a", "b"}
    assert [n.get("parent") for n in editor.props["nodes"]] == [None, "loop", "loop"]


def test_update_node_is_update_nodes_for_one() -> None:
    editor = FlowEditor([{"id": "a", "position": {"x": 1, "y": 2}}])
    editor.update_node("a", {"label": "Renamed"})
    assert editor.nodes[0]["label"] == "Renamed"
