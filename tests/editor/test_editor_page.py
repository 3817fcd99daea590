"""The editor page's logic with NiceGUI's simulated user (no browser): canvas events go in as
the canvas would send them, and the page's answers are read from the canvas element's mirror,
the side panel and the engine."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.nodes.functions import REGISTRY
from app.ui import runtime
from app.ui.flow_editor import FlowEditor

WID = "wf"


def save(doc: dict[str, Any]) -> str:
    return runtime.engine().workflows.save(WorkflowSpec.model_validate(doc), WID)


def draft() -> WorkflowSpec:
    return runtime.engine().workflows.draft(WID)


def canvas(user: User) -> FlowEditor:
    found = user.find(FlowEditor).elements
    assert len(found) == 1
    return next(iter(found))


def ids(user: User) -> list[str]:
    return [n["id"] for n in canvas(user).nodes]


def emit(user: User, event: str, args: Any = None) -> None:
    user.find(FlowEditor).trigger(event, args)


def select(user: User, nodes: list[str] = (), edges: list[str] = ()) -> None:  # type: ignore[assignment]
    emit(user, "selection", {"nodes": list(nodes), "edges": list(edges)})


async def settle(seconds: float = 0.4) -> None:
    """Let the page's timer validate (and, after longer, autosave)."""
    await asyncio.sleep(seconds)


def field(user: User, name: str) -> Any:
    found = user.find(marker=f"field-{name}").elements
    assert found, f"no field {name}"
    return next(iter(found))


START_ONLY = {"name": "Flow", "nodes": [{"id": "start", "type": "start"}], "edges": []}


@pytest.fixture
def adder() -> Iterator[None]:
    @REGISTRY.register("test.add", title="Add")
    def add(state: dict[str, Any], amount: int, label: str = "sum") -> dict[str, Any]:
        """Adds `amount` to the input's value."""
        return {label: state.get("value", 0) + amount}

    yield
    REGISTRY.unregister("test.add")


async def test_opens_the_draft_with_workflow_settings(editor_user: User) -> None:
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    await editor_user.should_see("Workflow")
    await editor_user.should_see("Run input")
    assert ids(editor_user) == ["start"]
    await editor_user.should_see("No problems")
    await editor_user.should_see("Draft · never published")


async def test_unknown_workflow_says_so(editor_user: User) -> None:
    await editor_user.open("/workflows/nope")
    await editor_user.should_see("There is no workflow 'nope'")


async def test_drop_configure_with_live_feedback_and_autosave(editor_user: User) -> None:
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "drop", {"type": "if", "x": 400, "y": 100, "parent": None})
    assert ids(editor_user) == ["start", "if_1"]
    select(editor_user, ["if_1"])
    await editor_user.should_see("Condition *")
    condition = field(editor_user, "condition")
    editor_user.find(marker="field-condition").type("input.amount >")
    assert "syntax error" in (condition.error or "")
    await settle()
    badge = next(n for n in canvas(editor_user).nodes if n["id"] == "if_1")["problems"]
    assert any("condition" in p for p in badge)
    condition.value = "input.amount > 100"
    assert condition.error is None
    await settle(1.2)
    node = draft().node("if_1")
    assert node is not None and node.config == {"condition": "input.amount > 100"}
    subtitle = next(n for n in canvas(editor_user).nodes if n["id"] == "if_1")["subtitle"]
    assert subtitle == "input.amount > 100"
    await editor_user.should_see("Saved")
    # a JSON Logic rule is accepted too, and stored as an object
    condition.value = '{">": [{"var": "amount"}, 5]}'
    assert condition.error is None
    await settle(1.2)
    node = draft().node("if_1")
    assert node is not None and node.config == {"condition": {">": [{"var": "amount"}, 5]}}


async def test_connect_refuse_delete_undo_redo(editor_user: User) -> None:
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "drop", {"type": "log", "x": 300, "y": 0, "parent": None})
    emit(editor_user, "connect", {"source": "start", "source_port": "out", "target": "log_1"})
    assert [(e["source"], e["target"]) for e in canvas(editor_user).edges] == [("start", "log_1")]
    # a loop's body cannot be wired to the loop itself: refused by the page, with the reason
    emit(editor_user, "drop", {"type": "foreach", "x": 600, "y": 0, "parent": None})
    emit(
        editor_user,
        "drop",
        {"type": "log", "x": 0, "y": 0, "parent": "foreach_1", "parent_x": 80, "parent_y": 90},
    )
    inner = next(n for n in canvas(editor_user).nodes if n.get("parent") == "foreach_1")
    # centred under the pointer, at (-30, 58) in the loop: the loop grows left and up around it
    loop = next(n for n in canvas(editor_user).nodes if n["id"] == "foreach_1")
    assert inner["position"] == {"x": 16, "y": 62} and loop["position"] == {"x": 444, "y": -36}
    emit(
        editor_user,
        "connect",
        {"source": "foreach_1", "source_port": "out", "target": inner["id"], "target_port": "in"},
    )
    assert len(canvas(editor_user).edges) == 1
    # delete (the canvas sends the complete set), then undo and redo
    emit(editor_user, "delete", {"nodes": ["log_1"], "edges": ["e1"]})
    assert "log_1" not in ids(editor_user) and canvas(editor_user).edges == []
    emit(editor_user, "undo")
    assert "log_1" in ids(editor_user) and len(canvas(editor_user).edges) == 1
    emit(editor_user, "redo")
    assert "log_1" not in ids(editor_user)
    editor_user.find(marker="undo").click()
    assert "log_1" in ids(editor_user)


async def test_copy_paste_gives_new_ids_and_keeps_inner_edges(editor_user: User) -> None:
    save(
        {
            "nodes": [
                {"id": "start", "type": "start"},
                {"id": "a", "type": "log", "name": "A", "config": {"message": "x"}},
                {"id": "b", "type": "log", "name": "B", "config": {"message": "y"}},
            ],
            "edges": [{"source": "start", "target": "a"}, {"source": "a", "target": "b"}],
        }
    )
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "copy", {"nodes": ["a", "b"], "edges": ["e2"]})
    await editor_user.should_see("Copied 2 nodes")
    emit(editor_user, "paste", {"x": 100, "y": 400})
    nodes = canvas(editor_user).nodes
    assert [n["id"] for n in nodes] == ["start", "a", "b", "log_1", "log_2"]
    assert [n["label"] for n in nodes[3:]] == ["A 2", "B 2"]
    assert nodes[3]["position"] == {"x": 100, "y": 400}
    pasted = [(e["source"], e["target"]) for e in canvas(editor_user).edges][2:]
    assert pasted == [("log_1", "log_2")]


async def test_function_picker_builds_the_args_form(editor_user: User, adder: None) -> None:
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "drop", {"type": "function", "x": 300, "y": 0, "parent": None})
    select(editor_user, ["function_1"])
    picker = field(editor_user, "function")
    assert "test.add" in picker.options
    picker.value = "test.add"
    await editor_user.should_see("Adds `amount` to the input's value.")
    amount = field(editor_user, "args.amount")
    amount.value = "lots"
    assert amount.error == "enter a number"
    amount.value = "2.5"
    assert amount.error == "enter a whole number"
    amount.value = "{{ input.n }}"
    assert amount.error is None
    amount.value = "5"
    field(editor_user, "args.label").value = "total"
    await settle(1.2)
    node = draft().node("function_1")
    assert node is not None
    assert node.config == {"function": "test.add", "args": {"amount": 5, "label": "total"}}


async def test_switch_cases_change_the_ports(editor_user: User) -> None:
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "drop", {"type": "switch", "x": 300, "y": 0, "parent": None})
    select(editor_user, ["switch_1"])
    field(editor_user, "value").value = "input.kind"
    editor_user.find("Add case").click()
    field(editor_user, "cases[0].value").value = "book"
    editor_user.find("Add case").click()
    field(editor_user, "cases[1].value").value = "7"
    field(editor_user, "cases[1].port").value = "seven"
    node = next(n for n in canvas(editor_user).nodes if n["id"] == "switch_1")
    assert [p["name"] for p in node["outputs"]] == ["book", "seven", "default"]
    await settle(1.2)
    saved = draft().node("switch_1")
    assert saved is not None
    assert saved.config == {
        "value": "input.kind",
        "cases": [{"value": "book"}, {"value": 7, "port": "seven"}],
    }


async def test_params_designer_and_run_form(editor_user: User) -> None:
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    editor_user.find(marker="add-param").click()
    field_name = next(iter(editor_user.find(marker="param-name").elements))
    field_name.value = "amount"
    next(iter(editor_user.find(marker="param-type").elements)).value = "number"
    next(iter(editor_user.find(marker="param-required").elements)).value = True
    editor_user.find(marker="add-param").click()
    names = list(editor_user.find(marker="param-name").elements)
    second = next(n for n in names if n.value != "amount")
    second.value = "tags"
    types = [t for t in editor_user.find(marker="param-type").elements if t.value == "text"]
    types[0].value = "list (JSON)"
    await settle(1.2)
    assert draft().params == {
        "type": "object",
        "properties": {"amount": {"type": "number"}, "tags": {"type": "array"}},
        "required": ["amount"],
    }
    # the run form checks each field, then publishes the (valid) draft and starts the run
    editor_user.find(marker="run").click()
    await editor_user.should_see("Input for this run:")
    amount = field_run(editor_user, "amount")
    tags = field_run(editor_user, "tags")
    amount.value = "lots"
    tags.value = "[1,"
    editor_user.find(marker="run-go").click()
    await settle(0.1)
    assert amount.error == "enter a number"
    assert (tags.error or "").startswith("not valid JSON")
    amount.value = ""
    tags.value = '{"a": 1}'
    editor_user.find(marker="run-go").click()
    await settle(0.1)
    assert amount.error == "required: fill this in"
    assert tags.error == 'enter a JSON list, e.g. ["a", "b"]'
    amount.value = "12.5"
    tags.value = '["x"]'
    editor_user.find(marker="run-go").click()
    await editor_user.should_see("Run again")  # the run's page
    runs = runtime.engine().list_runs()
    assert len(runs) == 1 and runs[0].input == {"amount": 12.5, "tags": ["x"]}
    run = await runtime.engine().wait(runs[0].id, timeout=10)
    assert run.status == "succeeded"
    assert runtime.engine().workflows.version(WID).message == "Published to run"


def field_run(user: User, name: str) -> Any:
    return next(iter(user.find(marker=f"run-{name}").elements))


async def test_run_refuses_an_invalid_draft_that_was_never_published(editor_user: User) -> None:
    save({"nodes": [{"id": "start", "type": "start"}, {"id": "f", "type": "filter"}], "edges": []})
    await editor_user.open(f"/workflows/{WID}")
    editor_user.find(marker="run").click()
    editor_user.find(marker="run-go").click()
    await editor_user.should_see("The workflow cannot run yet")
    assert runtime.engine().list_runs() == []


async def test_publish_shows_problems_then_publishes(editor_user: User) -> None:
    save({"nodes": [{"id": "start", "type": "start"}, {"id": "f", "type": "filter"}], "edges": []})
    await editor_user.open(f"/workflows/{WID}")
    editor_user.find(marker="publish").click()
    editor_user.find(marker="publish-message").type("first")
    editor_user.find(marker="publish-go").click()
    await editor_user.should_see("Not published: 2 problems to fix first.")
    emit(editor_user, "delete", {"nodes": ["f"], "edges": []})
    editor_user.find(marker="publish-go").click()
    await editor_user.should_see("Published version 1")
    await editor_user.should_see("Published · v1")
    assert runtime.engine().workflows.version(WID).message == "first"


async def test_versions_diff_and_restore(editor_user: User) -> None:
    save(START_ONLY)
    engine = runtime.engine()
    engine.workflows.publish(WID, "only start")
    save(
        {
            "name": "Flow",
            "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
            "edges": [{"source": "start", "target": "end"}],
        }
    )
    engine.workflows.publish(WID, "with an end")
    await editor_user.open(f"/workflows/{WID}")
    editor_user.find(marker="versions").click()
    await editor_user.should_see("with an end")
    await editor_user.should_see("Added node 'end' (end)")
    await editor_user.should_see("Added edge start.out → end.in")
    editor_user.find(marker="version-1").click()
    await editor_user.should_see("only start")
    editor_user.find(marker="restore").click()
    await editor_user.should_see("Version 1 restored into the draft")
    assert ids(editor_user) == ["start"]
    await settle(1.2)
    assert [n.id for n in draft().nodes] == ["start"]
    emit(editor_user, "undo")
    assert ids(editor_user) == ["start", "end"]


async def test_auto_layout_and_unplaced_nodes(editor_user: User) -> None:
    save(
        {
            "nodes": [
                {"id": "start", "type": "start"},
                {"id": "a", "type": "log", "config": {"message": "1"}},
                {"id": "b", "type": "log", "config": {"message": "2"}},
            ],
            "edges": [{"source": "start", "target": "a"}, {"source": "a", "target": "b"}],
        }
    )
    await editor_user.open(f"/workflows/{WID}")
    at = {n["id"]: n["position"] for n in canvas(editor_user).nodes}
    assert at["start"]["x"] < at["a"]["x"] < at["b"]["x"]  # never placed: laid out on open
    emit(editor_user, "nodes_moved", [{"id": "b", "x": 0, "y": 500}])
    editor_user.find(marker="layout").click()
    after = {n["id"]: n["position"] for n in canvas(editor_user).nodes}
    assert after == at


def test_page_modules_register_the_route() -> None:
    from app.ui import editor

    assert editor.PATH == "/workflows/{workflow_id}"
    assert editor.register_editor_pages is editor.register
    assert callable(ui.page)


async def test_edge_condition_and_error_port(editor_user: User) -> None:
    save(
        {
            "nodes": [
                {"id": "start", "type": "start"},
                {"id": "a", "type": "log", "config": {"message": "x"}},
            ],
            "edges": [{"id": "e1", "source": "start", "target": "a"}],
        }
    )
    await editor_user.open(f"/workflows/{WID}")
    select(editor_user, [], ["e1"])
    await editor_user.should_see("Connection")
    when = field(editor_user, "when")
    when.value = "input.ok =="
    assert "syntax error" in (when.error or "")
    when.value = "input.ok"
    assert when.error is None
    select(editor_user)  # the edge's label is redrawn once it is no longer selected
    assert canvas(editor_user).edges[0]["label"] == "when input.ok"
    # "continue" on error gives the node an error port
    select(editor_user, ["a"])
    on_error = next(e for e in editor_user.find(ui.select).elements if e.value == "fail")
    on_error.value = "continue"
    node = next(n for n in canvas(editor_user).nodes if n["id"] == "a")
    assert [p["name"] for p in node["outputs"]] == ["out", "error"]
    await settle(1.2)
    saved = draft()
    assert saved.edges[0].when == "input.ok"
    assert saved.node("a").on_error == "continue"  # type: ignore[union-attr]


async def test_human_task_form_designer(editor_user: User) -> None:
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "drop", {"type": "human_task", "x": 300, "y": 0, "parent": None})
    node_id = ids(editor_user)[-1]
    select(editor_user, [node_id])
    await editor_user.should_see("Fields")
    field(editor_user, "title").value = "Check {{ input.name }}"
    # the default outcome is shown, and outcomes are the node's output ports
    assert field(editor_user, "outcomes[0].name").value == "submit"
    editor_user.find("Add field").click()
    field(editor_user, "fields[0].name").value = "amount"
    field(editor_user, "fields[0].type").value = "number"
    field(editor_user, "fields[0].label").value = "Amount"
    editor_user.find("Add outcome").click()
    field(editor_user, "outcomes[1].name").value = "reject"
    view = next(n for n in canvas(editor_user).nodes if n["id"] == node_id)
    assert [p["name"] for p in view["outputs"]][:2] == ["submit", "reject"]
    await settle(1.2)
    saved = draft().node(node_id)
    assert saved is not None
    assert saved.config["fields"] == [{"name": "amount", "type": "number", "label": "Amount"}]
    assert [o["name"] for o in saved.config["outcomes"]] == ["submit", "reject"]


async def test_sub_workflow_picks_another_workflow(editor_user: User) -> None:
    engine = runtime.engine()
    engine.workflows.save(WorkflowSpec.model_validate({"name": "Child", **START_ONLY}), "child")
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "drop", {"type": "subworkflow", "x": 300, "y": 0, "parent": None})
    select(editor_user, ["subworkflow_1"])
    picker = field(editor_user, "workflow")
    assert picker.options == {"child": "Flow · child (not published)"}
    picker.value = "child"
    await settle(1.2)
    node = draft().node("subworkflow_1")
    assert node is not None and node.config == {"workflow": "child"}
