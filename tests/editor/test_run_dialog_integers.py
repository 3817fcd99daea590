"""An integer typed in the Run dialog or a task's form stays an integer: in the run's input, a
task's text, the answer and the run's output (NiceGUI's simulated user on the real app and
engine)."""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.ui import runtime

WID = "ints"


def one(user: User, marker: str) -> Any:
    (element,) = [e for e in user.find(marker=marker).elements if not e.is_deleted]
    return element


FLOW: dict[str, Any] = {
    "name": "Expense",
    "params": {
        "type": "object",
        "properties": {"amount": {"type": "number"}, "count": {"type": "integer"}},
        "required": ["amount"],
    },
    "nodes": [
        {"id": "start", "type": "start"},
        {
            "id": "approve",
            "type": "human_task",
            "name": "Approve",
            "config": {
                "title": "Expense of {{ params.amount }} ({{ params.count }} items)",
                "fields": [{"name": "approved_amount", "type": "number"}],
            },
        },
        {
            "id": "done",
            "type": "set",
            "config": {
                "values": {
                    "amount": "{{ params.amount }}",
                    "approved": "{{ input.values.approved_amount }}",
                    "text": "{{ params.amount }} / {{ input.values.approved_amount }}",
                }
            },
        },
    ],
    "edges": [
        {"source": "start", "target": "approve"},
        {"source": "approve", "source_port": "submit", "target": "done"},
    ],
}


async def test_integers_typed_in_the_run_dialog_and_the_task_form_stay_integers(
    editor_user: User,
) -> None:
    engine = runtime.engine()
    engine.workflows.save(WorkflowSpec.model_validate(FLOW), WID)
    await editor_user.open(f"/workflows/{WID}")
    editor_user.find(marker="run").click()
    await editor_user.should_see("Input for this run:")
    next(iter(editor_user.find(marker="run-amount").elements)).value = "1500"
    next(iter(editor_user.find(marker="run-count").elements)).value = "3"
    editor_user.find(marker="run-go").click()
    await editor_user.should_see("Run again")  # the run's page
    (run,) = engine.list_runs()
    assert run.input == {"amount": 1500, "count": 3}
    assert type(run.input["amount"]) is int and type(run.input["count"]) is int
    for _ in range(100):  # the run reaches its task
        (task, *_) = engine.tasks.open_tasks(run_id=run.id) or [None]
        if task:
            break
        await asyncio.sleep(0.05)
    assert task is not None and task["title"] == "Expense of 1500 (3 items)"
    # typed in the task page's form, the answer keeps the integer too
    await editor_user.open(f"/tasks/{task['id']}")
    await editor_user.should_see("Expense of 1500 (3 items)")
    one(editor_user, "your-name").set_value("Ana")
    one(editor_user, "field-approved_amount").set_value("1200")
    editor_user.find(marker="outcome-submit").click()
    await editor_user.should_see("Thanks — your answer was recorded")
    answer = engine.tasks.get(task["id"])["values"]
    assert answer == {"approved_amount": 1200} and type(answer["approved_amount"]) is int
    done = await engine.wait(run.id, timeout=10)
    assert done.status == "succeeded"
    assert done.output["amount"] == 1500 and type(done.output["amount"]) is int
    assert done.output["approved"] == 1200 and type(done.output["approved"]) is int
    assert done.output["text"] == "1500 / 1200"
