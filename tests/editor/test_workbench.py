"""The editor's workbench with NiceGUI's simulated user: test runs from the editor, the data
panel (fields, types, references), pins, expression previews and autocomplete."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nicegui import ui
from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.ui import runtime
from app.ui.flow_editor import FlowEditor

WID = "expense"

FLOW: dict[str, Any] = {
    "name": "Expense",
    "params": {
        "type": "object",
        "properties": {"amount": {"type": "integer"}, "who": {"type": "string"}},
        "required": ["amount"],
    },
    "nodes": [
        {"id": "start", "type": "start"},
        {
            "id": "ask",
            "type": "human_task",
            "name": "Approve",
            "config": {
                "title": "Expense of {{ input.amount }}",
                "fields": [{"name": "ok", "type": "yes_no"}],
                "outcomes": [{"name": "approve"}, {"name": "reject"}],
            },
        },
        {
            "id": "book",
            "type": "set",
            "name": "Book",
            "config": {"values": {"approved_amount": "{{ params.amount }}"}},
        },
        {"id": "no", "type": "end"},
        {"id": "end", "type": "end"},
    ],
    "edges": [
        {"source": "start", "target": "ask"},
        {"source": "ask", "source_port": "approve", "target": "book"},
        {"source": "ask", "source_port": "reject", "target": "no"},
        {"source": "book", "target": "end"},
    ],
}


def save() -> None:
    runtime.engine().workflows.save(WorkflowSpec.model_validate(FLOW), WID)


def select(user: User, node: str | None) -> None:
    user.find(FlowEditor).trigger("selection", {"nodes": [node] if node else [], "edges": []})


def marked(user: User, marker: str) -> Any:
    found = user.find(marker=marker).elements
    assert found, f"nothing marked {marker}"
    return next(iter(found))


async def run_test(user: User, node: str | None, run_input: dict[str, Any]) -> None:
    """Open the Test dialog (up to `node`, or all), type the input and wait for the end."""
    user.find(marker="test-node" if node else "test-all").click()
    await user.should_see(marker="test-input")
    box = marked(user, "test-input")
    box.set_value(json.dumps(run_input))
    user.find(marker="test-go").click()
    for _ in range(100):
        await asyncio.sleep(0.05)
        if not user.find(marker="test-input").elements or not marked(user, "test-input").visible:
            break


async def test_a_test_up_to_the_task_waits_then_a_pin_lets_the_rest_run(editor_user: User) -> None:
    save()
    engine = runtime.engine()
    await editor_user.open(f"/workflows/{WID}")
    select(editor_user, "ask")
    await editor_user.should_see("Data · Approve")
    await editor_user.should_see(marker="data-expected")  # not run yet: what it will receive
    await editor_user.should_see(marker="field-row-input-amount")
    await run_test(editor_user, "ask", {"amount": 1500})
    [test] = engine.test_runs.recent(WID)
    assert test.status == "waiting" and test.input == {"amount": 1500}
    assert engine.list_runs() == []  # not in the runs list
    await editor_user.should_see(marker="data-waiting")
    await editor_user.should_see(marker="field-row-input-amount")  # the step's real input
    [task] = engine.tasks.open_tasks()
    assert task["title"].startswith("Test: ")
    # pin a typed answer: approve, ok = true
    editor_user.find(marker="pin-typed").click()
    await editor_user.should_see(marker="pin-output")
    marked(editor_user, "pin-output").set_value(
        json.dumps({"outcome": "approve", "values": {"ok": True}})
    )
    assert marked(editor_user, "pin-port").value == "approve"
    editor_user.find(marker="pin-save").click()
    await editor_user.should_see(marker="pin-badge")
    assert engine.test_runs.pins.of(WID)["ask"].port == "approve"
    canvas = next(iter(editor_user.find(FlowEditor).elements))
    assert next(n for n in canvas.nodes if n["id"] == "ask")["pinned"] is True  # its badge
    # test the rest: the pinned answer flows on, the Set node books the amount
    select(editor_user, "book")
    await editor_user.should_see("Data · Book")
    await run_test(editor_user, "book", {"amount": 1500})
    latest = engine.test_runs.latest(WID)
    assert latest is not None and latest.status == "succeeded"
    assert latest.output == {"outcome": "approve", "values": {"ok": True}, "approved_amount": 1500}
    await editor_user.should_see(marker="field-row-output-approved_amount")
    statuses = {n["id"]: n["status"] for n in canvas.nodes}
    assert statuses["ask"] == "succeeded" and statuses["book"] == "succeeded"
    # unpin: the badge goes, the mark on the canvas too
    select(editor_user, "ask")
    await editor_user.should_see(marker="unpin")
    editor_user.find(marker="unpin").click()
    await editor_user.should_not_see(marker="pin-badge")
    assert engine.test_runs.pins.of(WID) == {}
    assert next(n for n in canvas.nodes if n["id"] == "ask")["pinned"] is False


async def test_the_panel_offers_params_and_upstream_outputs_as_references(
    editor_user: User,
) -> None:
    save()
    engine = runtime.engine()
    engine.test_runs.pins.pin(WID, "ask", {"outcome": "approve", "values": {"ok": True}}, "approve")
    started = await engine.test_runs.start(WID, {"amount": 7, "who": "ana"})
    await engine.wait(started.run_id)
    await editor_user.open(f"/workflows/{WID}")
    select(editor_user, "book")
    await editor_user.should_see("Data · Book")
    # the input of Book is the task's answer, not the run input
    await editor_user.should_see(marker="field-row-input-outcome")
    await editor_user.should_see(marker="field-row-input-values.ok")
    source = marked(editor_user, "data-source")
    assert set(source.options) >= {"input", "params", "nodes.ask", "nodes.start"}
    source.set_value("params")
    await editor_user.should_see(marker="field-row-input-amount")
    await editor_user.should_see(marker="field-row-input-who")
    await editor_user.should_see("Insert params.amount into the field being edited")
    marked(editor_user, "data-source").set_value("nodes.ask")  # the panel was redrawn
    await editor_user.should_see(marker="field-row-input-values.ok")
    await editor_user.should_see("Insert nodes.ask.values.ok into the field being edited")
    # table and JSON views of the same data
    marked(editor_user, "data-view-input").set_value("table")
    await editor_user.should_see(marker="data-table-input")
    marked(editor_user, "data-view-input").set_value("json")
    await editor_user.should_see(marker="data-json-input")


async def test_expression_boxes_preview_the_value_and_suggest_fields(editor_user: User) -> None:
    doc = json.loads(json.dumps(FLOW))
    doc["nodes"].insert(
        1, {"id": "check", "type": "if", "name": "Check", "config": {"condition": "amount > 100"}}
    )
    doc["edges"][0] = {"source": "start", "target": "check"}
    doc["edges"].append({"source": "check", "source_port": "true", "target": "ask"})
    runtime.engine().workflows.save(WorkflowSpec.model_validate(doc), WID)
    engine = runtime.engine()
    started = await engine.test_runs.start(WID, {"amount": 1500}, stop_after="check")
    await engine.wait(started.run_id)
    await editor_user.open(f"/workflows/{WID}")
    select(editor_user, "check")
    await editor_user.should_see(marker="preview-condition")
    await editor_user.should_see("= true", retries=50)
    box = marked(editor_user, "field-condition")
    box.set_value("input.amount > 2000")
    await editor_user.should_see("= false", retries=50)
    box.set_value("input.amout > 1")
    await editor_user.should_see("has no key", retries=50)  # the error, not a failed run later
    box.set_value("input.am")
    editor_user.find(kind=ui.button, content="input.amount").click()
    assert box.value == "input.amount"
    await editor_user.should_see("= true", retries=50)  # a condition previews as true/false
    # in the middle of the box: the browser says where the cursor is (after "input.am")
    box.set_value("input.am > 1 and input.amount < 2000")
    box_ui = editor_user.find(marker="field-condition")
    box_ui.trigger("keyup", {"value": box.value, "cursor": len("input.am")})
    editor_user.find(kind=ui.button, content="input.amount").click()
    assert box.value == "input.amount > 1 and input.amount < 2000"
    box.set_value("input.amount > 1")

    def saved_condition() -> Any:
        spec = runtime.engine().workflows.draft(WID)
        return next(n for n in spec.nodes if n.id == "check").config["condition"]

    for _ in range(100):  # autosave, a moment after the last change
        if saved_condition() == "input.amount > 1":
            break
        await asyncio.sleep(0.05)
    assert saved_condition() == "input.amount > 1"


async def test_a_past_run_read_in_a_worker_thread_fills_the_panel_and_the_test_input(
    editor_user: User,
) -> None:
    """The panel's reads (run choices, the chosen run's steps, past runs' inputs) run off the
    event loop; what they read still shows."""
    doc = json.loads(json.dumps(FLOW))
    doc["nodes"][1] = {"id": "ask", "type": "set", "name": "Approve", "config": {"values": {}}}
    doc["edges"][1:3] = [{"source": "ask", "target": "book"}]
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "no"]
    runtime.engine().workflows.save(WorkflowSpec.model_validate(doc), WID)
    engine = runtime.engine()
    engine.workflows.publish(WID)
    run = await engine.run(WID, {"amount": 321, "who": "bo"})
    await engine.wait(run.id)
    await editor_user.open(f"/workflows/{WID}")
    select(editor_user, "book")
    await editor_user.should_see("Data · Book")
    for _ in range(100):  # the choices arrive from the worker thread (the panel is redrawn)
        if run.id in marked(editor_user, "data-run").options:
            break
        await asyncio.sleep(0.05)
    picker = marked(editor_user, "data-run")
    assert run.id in picker.options
    picker.set_value(run.id)
    await editor_user.should_see(marker="field-row-output-approved_amount")
    await editor_user.should_see(marker="data-run-status")
    assert "321" in {label.text for label in editor_user.find(kind=ui.label).elements}
    # the Test dialog offers the run's input
    editor_user.find(marker="test-node").click()
    await editor_user.should_see(marker="test-from-run")
    source = marked(editor_user, "test-from-run")
    assert run.id in source.options
    source.set_value(run.id)
    box = marked(editor_user, "test-input")
    for _ in range(100):
        if json.loads(box.value or "{}") == {"amount": 321, "who": "bo"}:
            break
        await asyncio.sleep(0.05)
    assert json.loads(box.value) == {"amount": 321, "who": "bo"}
