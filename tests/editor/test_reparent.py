"""Dragging existing nodes into and out of a loop: EditorModel's rules (no UI), then the editor
page with NiceGUI's simulated user and a real engine (what the canvas shows, the saved draft,
the problem list, undo)."""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.core.layout import NODE_SIZE
from app.nodes.catalog import default_catalog
from app.ui import runtime
from app.ui.editor.model import FIT_MARGIN, LOOP_BAR, EditorModel
from app.ui.flow_editor import FlowEditor

WID = "wf"

# start -> outer loop, whose body is an inner loop around `a`; `b` is a top-level node fed by start
LOOPS: dict[str, Any] = {
    "name": "Loops",
    "nodes": [
        {"id": "start", "type": "start", "position": {"x": 0, "y": 0}},
        {
            "id": "outer",
            "type": "foreach",
            "config": {"items": "input.xs"},
            "position": {"x": 300, "y": 0},
        },
        {
            "id": "inner",
            "type": "foreach",
            "parent": "outer",
            "config": {"items": "item.ys"},
            "position": {"x": 30, "y": 80},
        },
        {
            "id": "a",
            "type": "log",
            "parent": "inner",
            "config": {"message": "a"},
            "position": {"x": 30, "y": 70},
        },
        {"id": "b", "type": "log", "config": {"message": "b"}, "position": {"x": 0, "y": 500}},
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "outer"},
        {"id": "e2", "source": "start", "target": "b"},
    ],
}


def model() -> EditorModel:
    return EditorModel(WorkflowSpec.model_validate(LOOPS), default_catalog(load_packs=False))


def where(m: EditorModel, node_id: str) -> tuple[str | None, float, float]:
    """A node's parent and its position on the canvas (not relative to its loop)."""
    node = m.node(node_id)
    assert node is not None
    x, y = node.position.x, node.position.y
    for loop_id in m.ancestors(node_id):
        loop = m.node(loop_id)
        assert loop is not None
        x, y = x + loop.position.x, y + loop.position.y
    return node.parent, x, y


def drop(node_id: str, parent: str | None, x: float, y: float) -> dict[str, Any]:
    """What the canvas reports for a node dropped into `parent` at (x, y) relative to it (its
    own `x`, `y`: where it is relative to its old loop; unused once the drop is taken)."""
    return {"id": node_id, "x": -1, "y": -1, "into": {"parent": parent, "x": x, "y": y}}


# ---- the model --------------------------------------------------------------------------------


def test_a_node_dropped_on_a_loop_goes_into_its_body_as_one_undo_step() -> None:
    m = model()
    assert m.move([drop("b", "outer", 100, 250)])
    assert where(m, "b") == ("outer", 400, 250)
    assert len(m.history) == 1
    assert m.undo()
    assert where(m, "b") == (None, 0, 500)
    assert m.redo() and where(m, "b") == ("outer", 400, 250)


def test_a_node_dropped_outside_its_loop_goes_to_the_enclosing_scope() -> None:
    m = model()
    assert m.move([drop("a", "outer", 20, 300)])  # out of inner, still in outer
    assert where(m, "a") == ("outer", 320, 300)
    assert m.move([drop("a", None, 900, 40)])  # out of both
    assert where(m, "a") == (None, 900, 40)
    assert m.undo() and m.node("a").parent == "outer"  # type: ignore[union-attr]


def test_a_node_dropped_in_a_nested_loop_goes_into_the_inner_one() -> None:
    m = model()
    assert m.move([drop("b", "inner", 30, 150)])
    assert where(m, "b") == ("inner", 360, 230)
    assert m.ancestors("b") == ["inner", "outer"]


def test_a_loop_never_goes_into_itself_its_body_or_a_plain_node() -> None:
    m = model()
    assert not m.can_move_into("outer", "outer")
    assert not m.can_move_into("outer", "inner")  # its own body
    assert not m.can_move_into("b", "a")  # a log holds no nodes
    assert m.can_move_into("inner", None) and m.can_move_into("b", "inner")
    # a refused drop is still a move, in the node's own scope
    assert m.move([{"id": "outer", "x": 310, "y": 5, "into": {"parent": "inner", "x": 0, "y": 0}}])
    assert where(m, "outer") == (None, 310, 5)
    assert m.node("inner").parent == "outer"  # type: ignore[union-attr]


def test_nodes_dragged_along_with_their_loop_stay_in_it() -> None:
    m = model()
    moves = [
        {"id": "outer", "x": 600, "y": 0},
        {"id": "a", "x": 30, "y": 70, "into": {"parent": None, "x": 660, "y": 150}},
        drop("b", "outer", 100, 300),  # not inside anything dragged: it changes scope
    ]
    assert m.move(moves)
    assert m.node("a").parent == "inner"  # type: ignore[union-attr]
    assert where(m, "outer") == (None, 600, 0)
    assert m.node("b").parent == "outer"  # type: ignore[union-attr]
    assert m.undo() and where(m, "outer") == (None, 300, 0) and where(m, "b")[0] is None


def test_the_loop_grows_around_a_node_dropped_near_its_border() -> None:
    m = model()
    width, height = m.box("outer")
    assert m.move([drop("b", "outer", width - 60, height - 20)])  # sticks out right and below
    b = m.node("b")
    assert b is not None
    assert m.box("outer") == (
        b.position.x + NODE_SIZE[0] + FIT_MARGIN,
        b.position.y + NODE_SIZE[1] + FIT_MARGIN,
    )
    assert where(m, "outer") == (None, 300, 0)  # grown to the right and down only
    assert m.undo() and m.box("outer") == (width, height)


def test_a_node_dropped_over_the_loops_corner_moves_the_corner_not_the_nodes() -> None:
    m = model()
    before = {i: where(m, i) for i in ("a", "inner")}
    width, height = m.box("outer")
    assert m.move([drop("b", "outer", -50, 10)])  # left of the body, over the title bar
    assert where(m, "b") == ("outer", 250, 10)  # where it was dropped
    assert {i: where(m, i) for i in ("a", "inner")} == before  # nothing else moves on screen
    outer = m.node("outer")
    b = m.node("b")
    assert outer is not None and b is not None
    assert (b.position.x, b.position.y) == (FIT_MARGIN, LOOP_BAR + FIT_MARGIN)
    assert (outer.position.x, outer.position.y) == (250 - FIT_MARGIN, 10 - LOOP_BAR - FIT_MARGIN)
    assert m.box("outer") == (width + 50 + FIT_MARGIN, height + LOOP_BAR + FIT_MARGIN - 10)


def test_growing_an_inner_loop_grows_the_loop_around_it() -> None:
    m = model()
    outer_width, _ = m.box("outer")
    inner = m.node("inner")
    assert inner is not None
    assert m.move([drop("b", "inner", outer_width, 100)])  # far right of both loops
    inner_width, _ = m.box("inner")
    assert inner_width > outer_width
    assert m.box("outer")[0] == inner.position.x + inner_width + FIT_MARGIN


def test_a_loop_keeps_its_size_when_a_node_leaves_it() -> None:
    m = model()
    size = m.box("inner")
    assert m.move([drop("a", None, 900, 40)])
    assert m.box("inner") == size


# ---- the page ---------------------------------------------------------------------------------


def save(doc: dict[str, Any]) -> None:
    runtime.engine().workflows.save(WorkflowSpec.model_validate(doc), WID)


def canvas(user: User) -> FlowEditor:
    return next(iter(user.find(FlowEditor).elements))


def emit(user: User, event: str, args: Any = None) -> None:
    user.find(FlowEditor).trigger(event, args)


def into(parent: str | None, x: float, y: float) -> dict[str, Any]:
    return {"into": {"parent": parent, "x": x, "y": y}}


async def validated() -> None:
    await asyncio.sleep(0.4)  # the page validates 0.15 s after the last change, on its timer


async def autosaved() -> None:
    await asyncio.sleep(1.2)  # and saves the draft 0.8 s after it


def draft_parent(node_id: str) -> str | None:
    node = runtime.engine().workflows.draft(WID).node(node_id)
    assert node is not None
    return node.parent


def shown(user: User) -> dict[str, dict[str, Any]]:
    """The canvas's nodes by id, as the element holds them (what the browser draws)."""
    return {n["id"]: n for n in canvas(user).nodes}


async def test_dragging_a_node_into_a_loop_and_out_again(editor_user: User) -> None:
    save(LOOPS)
    await editor_user.open(f"/workflows/{WID}")
    await editor_user.should_see("No problems")
    loop_width = shown(editor_user)["outer"]["width"]

    # b dropped over the outer loop's right border: into its body, the loop grows around it
    emit(editor_user, "nodes_moved", [{"id": "b", "x": 600, "y": 200, **into("outer", 300, 200)}])
    b = shown(editor_user)["b"]
    assert (b["parent"], b["position"]) == ("outer", {"x": 300, "y": 200})
    assert shown(editor_user)["outer"]["width"] > loop_width
    # the edge from start now crosses the loop's border: flagged, not deleted
    await validated()
    await editor_user.should_see("1 problem")
    editor_user.find(marker="problems").click()
    await editor_user.should_see("an edge cannot cross a loop's border")
    assert [e["id"] for e in canvas(editor_user).edges] == ["e1", "e2"]
    assert "cross a loop's border" in " ".join(shown(editor_user)["b"]["problems"])  # badge
    await autosaved()
    assert draft_parent("b") == "outer"

    # and out again, to the top level: the edge is fine again
    emit(editor_user, "nodes_moved", [{"id": "b", "x": 300, "y": 500, **into(None, 600, 500)}])
    assert shown(editor_user)["b"]["parent"] is None
    await validated()
    await editor_user.should_see("No problems")
    await autosaved()
    assert draft_parent("b") is None

    # each drop is one undo step
    emit(editor_user, "undo")
    b = shown(editor_user)["b"]
    assert (b["parent"], b["position"]) == ("outer", {"x": 300, "y": 200})
    await autosaved()
    assert draft_parent("b") == "outer"
    emit(editor_user, "undo")
    b = shown(editor_user)["b"]
    assert (b["parent"], b["position"]) == (None, {"x": 0, "y": 500})
    assert shown(editor_user)["outer"]["width"] == loop_width
    await autosaved()
    assert draft_parent("b") is None


async def test_a_loop_dragged_onto_its_own_body_only_moves(editor_user: User) -> None:
    save(LOOPS)
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "nodes_moved", [{"id": "outer", "x": 320, "y": 10, **into("inner", 0, 0)}])
    outer = shown(editor_user)["outer"]
    assert (outer["parent"], outer["position"]) == (None, {"x": 320, "y": 10})
    assert shown(editor_user)["inner"]["parent"] == "outer"
    await autosaved()
    assert draft_parent("outer") is None and draft_parent("inner") == "outer"


async def test_a_palette_drop_near_a_loops_border_grows_the_loop(editor_user: User) -> None:
    save(LOOPS)
    await editor_user.open(f"/workflows/{WID}")
    width = shown(editor_user)["outer"]["width"]
    emit(
        editor_user,
        "drop",
        {"type": "log", "x": 0, "y": 0, "parent": "outer", "parent_x": width, "parent_y": 120},
    )
    new = next(n for n in canvas(editor_user).nodes if n["id"] == "log_1")
    assert new["parent"] == "outer"
    assert shown(editor_user)["outer"]["width"] > new["position"]["x"] + 170
