"""Importing a file that looks like a workflow Ren already has asks first: replace it, import
it as a copy, or cancel (NiceGUI's simulated user on the real page and engine)."""

from __future__ import annotations

import json
from typing import Any

from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from app.ui import runtime

FLOW: dict[str, Any] = {
    "schema": "ren.workflow/1",
    "id": "expense",
    "name": "Expense",
    "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
    "edges": [{"source": "start", "target": "end"}],
}


async def upload(user: User, doc: dict[str, Any], filename: str = "expense.json") -> None:
    await user.open("/workflows")
    user.find(marker="import").click()
    element = user.find(ui.upload).elements.pop()
    await element.handle_uploads(
        [SmallFileUpload(filename, "application/json", json.dumps(doc).encode())]
    )


def names() -> dict[str, str]:
    return {s.id: s.name for s in runtime.engine().workflows.summaries()}


async def test_the_same_id_asks_and_each_answer_does_what_it_says(editor_user: User) -> None:
    await upload(editor_user, FLOW)
    await editor_user.should_see("Imported “Expense” and published it as v1.")
    assert names() == {"expense": "Expense"}

    # cancel: nothing changes
    await upload(editor_user, {**FLOW, "description": "second"})
    await editor_user.should_see("“Expense” (expense) is already here.")
    editor_user.find(marker="import-cancel").click()
    assert names() == {"expense": "Expense"}
    assert runtime.engine().workflows.version("expense").number == 1

    # import as a copy: a second workflow, told apart by its name
    await upload(editor_user, {**FLOW, "description": "copy"})
    await editor_user.should_see(marker="import-exists")
    editor_user.find(marker="import-copy").click()
    await editor_user.should_see("Imported “Expense (copy)”")
    assert names() == {"expense": "Expense", "expense-2": "Expense (copy)"}

    # replace: the same workflow gets the file as its next version
    await upload(editor_user, {**FLOW, "name": "Expense", "description": "replaced"})
    await editor_user.should_see(marker="import-exists")
    editor_user.find(marker="import-replace").click()
    await editor_user.should_see("published it as v2")
    assert names() == {"expense": "Expense", "expense-2": "Expense (copy)"}
    assert runtime.engine().workflows.draft("expense").description == "replaced"


async def test_the_same_name_under_another_id_asks_too(editor_user: User) -> None:
    await upload(editor_user, FLOW)
    await editor_user.should_see("published it as v1")
    await upload(editor_user, {**FLOW, "id": "other"}, "other.json")
    await editor_user.should_see("“Expense” (expense) is already here.")
    editor_user.find(marker="import-copy").click()
    await editor_user.should_see("Imported “Expense (copy)”")
    assert names() == {"expense": "Expense", "other": "Expense (copy)"}
