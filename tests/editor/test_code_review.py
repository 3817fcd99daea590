"""Code nodes in the editor (NiceGUI's simulated user, real engine): code typed here is
trusted, imported code is reviewed and trusted in the dialog before it can run."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.engine.code_trust import code_hash
from app.ui import runtime
from tests.editor.test_editor_page import emit, field, select, settle

WID = "wf"
IMPORTED_CODE = "total = sum(state['items'])\nreturn {'total': total}"


def imported() -> str:
    doc = {
        "name": "Imported",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "sum", "type": "code", "config": {"code": IMPORTED_CODE}},
        ],
        "edges": [{"source": "start", "target": "sum"}],
    }
    engine = runtime.engine()
    return engine.workflows.add_imported(WorkflowSpec.model_validate(doc), WID)


def problem_codes() -> list[str]:
    engine = runtime.engine()
    return [p.code for p in engine.validate(engine.workflows.draft(WID), WID)]


async def test_imported_code_is_trusted_in_the_review_dialog(editor_user: User) -> None:
    assert imported() == WID
    assert problem_codes() == ["untrusted_code"]
    await editor_user.open(f"/workflows/{WID}")
    await editor_user.should_see("review and trust it before it runs")
    editor_user.find(marker="review-code-toolbar").click()
    await editor_user.should_see("Review code")
    await editor_user.should_see("not trusted")
    shown = next(iter(editor_user.find(marker="review-code-sum").elements))
    assert isinstance(shown, ui.code) and shown.content == IMPORTED_CODE  # what it trusts
    editor_user.find(marker="trust-code").click()
    await editor_user.should_see("Trusted the code of 1 node(s)")
    assert problem_codes() == []
    await settle()
    await editor_user.should_see("No problems")
    engine = runtime.engine()
    engine.workflows.publish(WID)
    run = await engine.run(WID, {"items": [1, 2, 3]})
    assert run.status == "succeeded" and run.output == {"total": 6}


async def test_code_typed_in_the_editor_is_trusted(editor_user: User) -> None:
    engine = runtime.engine()
    engine.workflows.save(
        WorkflowSpec.model_validate({"name": "Flow", "nodes": [{"id": "start", "type": "start"}]}),
        WID,
    )
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "drop", {"type": "code", "x": 400, "y": 100, "parent": None})
    emit(editor_user, "connect", {"source": "start", "target": "code_1"})
    select(editor_user, ["code_1"])
    await editor_user.should_see("return a dict: the output")
    code = field(editor_user, "code")
    code.value = "return {'y': (state['x']"
    await editor_user.should_see("line 1: ")  # the syntax error, at its line, as it is typed
    code.value = "return {'y': state['x'] + 1}"
    await settle(1.3)
    node = engine.workflows.draft(WID).node("code_1")
    assert node is not None and node.config["code"] == "return {'y': state['x'] + 1}"
    assert problem_codes() == []  # typed here: trusted with the save
    trusted = engine.workflows.trust.trusted(WID)
    assert code_hash("return {'y': state['x'] + 1}") in trusted
    await editor_user.should_see("No problems")
    engine.workflows.publish(WID)
    run = await engine.run(WID, {"x": 1})
    assert run.output == {"y": 2}


async def test_code_imported_into_the_draft_is_not_trusted_by_the_save(editor_user: User) -> None:
    assert imported() == WID
    await editor_user.open(f"/workflows/{WID}")
    emit(editor_user, "drop", {"type": "if", "x": 400, "y": 300, "parent": None})
    await settle(1.3)  # an edit elsewhere saves the draft: the imported code stays untrusted
    assert "if_1" in [n.id for n in runtime.engine().workflows.draft(WID).nodes]
    assert "untrusted_code" in problem_codes()
