"""Task page papercuts with NiceGUI's simulated user: the first submit names every problem at
once (the missing name and the wrong fields), and how long it waited goes once it is answered."""

from __future__ import annotations

from typing import Any

from nicegui.testing import User

from tests.ui.people import human_task, start_task

FORM = {
    "title": "Approve the amount",
    "fields": [{"name": "amount", "type": "integer", "label": "Amount", "max": 100}],
    "outcomes": ["approve"],
}


def one(user: User, marker: str) -> Any:
    (element,) = [e for e in user.find(marker=marker).elements if not e.is_deleted]
    return element


async def test_first_submit_names_the_name_and_the_wrong_field_together(user: User) -> None:
    _, task_id = await start_task(human_task("papercut", FORM))
    await user.open(f"/tasks/{task_id}")
    await user.should_see("Arrived just now")  # "Waiting 1 minute" later
    one(user, "field-amount").set_value("500")
    user.find(marker="outcome-approve").click()
    await user.should_see(marker="error-your-name")
    await user.should_see(marker="error-amount")  # on the same, first, submit
    await user.should_see("Please type your name below before answering.")
    one(user, "your-name").set_value("Ana")
    one(user, "field-amount").set_value("50")
    user.find(marker="outcome-approve").click()
    await user.should_see(marker="task-done")
    await user.should_not_see("Arrived just now")
