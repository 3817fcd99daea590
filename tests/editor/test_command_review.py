"""A command node imported with a workflow (NiceGUI's simulated user, real engine): the problem
says so, the review dialog shows the command as JSON, and once trusted there it runs."""

from __future__ import annotations

import json
import sys

from nicegui import ui
from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.ui import runtime
from tests.editor.test_editor_page import settle

WID = "wf"
ARGS = ["-c", "print('hello from a command')"]


def imported() -> str:
    doc = {
        "name": "Imported command",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "say", "type": "command", "config": {"program": sys.executable, "args": ARGS}},
        ],
        "edges": [{"source": "start", "target": "say"}],
    }
    engine = runtime.engine()
    return engine.workflows.add_imported(WorkflowSpec.model_validate(doc), WID)


def problem_codes() -> list[str]:
    engine = runtime.engine()
    return [p.code for p in engine.validate(engine.workflows.draft(WID), WID)]


async def test_an_imported_command_is_reviewed_and_trusted(editor_user: User) -> None:
    assert imported() == WID
    assert problem_codes() == ["untrusted_code"]
    await editor_user.open(f"/workflows/{WID}")
    await editor_user.should_see("this workflow was imported with a command")
    editor_user.find(marker="review-code-toolbar").click()
    await editor_user.should_see("Review code")
    await editor_user.should_see("not trusted")
    shown = next(iter(editor_user.find(marker="review-code-say").elements))
    assert isinstance(shown, ui.code)
    command = json.loads(shown.content)  # what it trusts: the whole command line
    assert command["program"] == sys.executable and command["args"] == ARGS
    assert command["shell"] is False
    editor_user.find(marker="trust-code").click()
    await editor_user.should_see("Trusted the code of 1 node(s)")
    assert problem_codes() == []
    await settle()
    engine = runtime.engine()
    engine.workflows.publish(WID)
    run = await engine.run(WID, {})
    assert run.status == "succeeded"
    assert run.output["stdout"].strip() == "hello from a command"
