"""The task page through NiceGUI's simulated user: the form for every field type, wrong values
with a message under each field, answering (and the run going on), a task answered meanwhile,
Enter with one outcome, and an unknown link."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.testing import User

from app.ui import person
from tests.ui.people import (
    engine,
    every_field_task,
    expense,
    human_task,
    start_task,
    wait_for,
)


def one(user: User, marker: str) -> Any:
    (element,) = [e for e in user.find(marker=marker).elements if not e.is_deleted]
    return element


def visible_text(user: User, marker: str) -> str:
    """The text of a visible element ('' when it is hidden: `find` sees visible ones only)."""
    try:
        return str(one(user, marker).text)
    except AssertionError:
        return ""


async def test_every_field_type_gets_its_control_label_help_default_and_hints(
    user: User,
) -> None:
    _, task_id = await start_task(every_field_task())
    await user.open(f"/tasks/{task_id}")
    await user.should_see("Check the photos")
    await user.should_see("Look at every photo.")
    await user.should_see("For maria")
    await user.should_see("From the workflow")
    await user.should_see("Fields marked * must be filled in.")
    kinds = {
        "summary": ui.input,
        "notes": ui.textarea,
        "price": ui.input,
        "count": ui.input,
        "online": ui.switch,
        "quality": ui.radio,  # two choices: all shown
        "category": ui.select,  # five: a list to pick from
        "tags": ui.select,
        "day": ui.input,
        "at": ui.input,
        "mail": ui.input,
        "site": ui.input,
        "code": ui.input,
    }
    for name, kind in kinds.items():
        assert isinstance(one(user, f"field-{name}"), kind), name
    assert one(user, "field-tags").props["multiple"] is True
    assert isinstance(one(user, "field-issues-0"), ui.checkbox)  # two choices: checkboxes
    types = {name: one(user, f"field-{name}").props.get("type") for name in kinds}
    assert types["day"] == "date" and types["at"] == "datetime-local"
    assert types["mail"] == "email" and types["site"] == "url"
    assert one(user, "field-price").props["inputmode"] == "decimal"
    # labels, help, required marks
    for label in ("Short summary", "Notes", "Price", "Photos", "Online?", "Quality", "Category"):
        await user.should_see(label)
    await user.should_see("One line is enough.")
    assert one(user, "field-summary").props["aria-required"] == "true"
    assert one(user, "field-summary").props["placeholder"] == "e.g. Looks good"
    # defaults, prefilled
    assert one(user, "field-notes").value == "first line"
    assert one(user, "field-price").value == "9.5"
    assert one(user, "field-count").value == "4"
    assert one(user, "field-online").value is True
    assert one(user, "field-category").value == 2  # "Hats"
    assert one(user, "field-issues-1").value is True
    assert one(user, "field-issues-0").value is False
    assert one(user, "field-day").value == "2026-05-04"
    assert one(user, "field-day").props["min"] == "2026-01-01"
    assert one(user, "field-at").value == "2026-05-04T10:30"
    # hints: bounds, dates, format
    for hint in (
        "Up to 20 characters",
        "A number between 0 and 100",
        "A whole number of at least 1",
        "Choose up to 2",
        "On or after 2026-01-01",
        "Expected format: for example AB-123",
    ):
        await user.should_see(hint)
    # one big button per outcome, coloured by its style
    props = {o: one(user, f"outcome-{o}").props for o in ("ok", "redo", "later")}
    assert props["ok"]["color"] == "positive"
    assert props["redo"]["color"] == "negative"
    assert "outline" in props["later"]


async def test_wrong_values_get_a_message_under_each_field_and_nothing_is_sent(
    user: User,
) -> None:
    run_id, task_id = await start_task(every_field_task())
    await user.open(f"/tasks/{task_id}")
    one(user, "your-name").set_value("maria")
    one(user, "field-price").set_value("lots")
    one(user, "field-count").set_value("2.5")
    one(user, "field-mail").set_value("not an address")
    one(user, "field-site").set_value("example.org")
    one(user, "field-code").set_value("ab123")
    one(user, "field-tags").set_value([0, 1, 2])
    user.find(marker="outcome-ok").click()
    await user.should_see("Please check the 8 fields marked below. Nothing was sent yet.")
    assert visible_text(user, "error-summary") == "This field is required"
    assert visible_text(user, "error-quality") == "This field is required"
    assert visible_text(user, "error-price") == "Enter a number"
    assert visible_text(user, "error-count") == "Enter a whole number"
    assert visible_text(user, "error-mail") == "Enter a valid email address"
    assert visible_text(user, "error-site").startswith("Enter a web address")
    assert visible_text(user, "error-code") == "Does not match the expected format"
    assert visible_text(user, "error-tags") == "Choose at most 2"
    assert visible_text(user, "error-notes") == ""
    eng = engine()
    assert eng.tasks.get(task_id)["status"] == "open"
    assert eng.get_run(run_id).status == "waiting"

    # corrected, the messages go and the answer is recorded
    one(user, "field-summary").set_value("Fine")
    one(user, "field-quality").set_value(0)
    for name in ("price", "count", "mail", "site", "code"):
        one(user, f"field-{name}").set_value("")
    one(user, "field-tags").set_value([4])
    user.find(marker="outcome-redo").click()
    await user.should_see("Thanks — your answer was recorded")
    run = await eng.wait(run_id)
    assert run.status == "succeeded"
    task = eng.tasks.get(task_id)
    assert task["outcome"] == "redo" and task["completed_by"] == "maria"
    values = task["values"]
    assert values["summary"] == "Fine" and values["quality"] == "good"
    assert values["online"] is True and values["issues"] == ["Dark"]
    assert values["tags"] == ["Scarves"] and values["count"] is None and values["price"] is None
    assert values["day"] == "2026-05-04" and values["at"] == "2026-05-04T10:30:00"


async def test_answering_records_who_and_the_run_goes_on(user: User) -> None:
    run_id, task_id = await expense("Ana", 120)
    await user.open(f"/tasks/{task_id}")
    await user.should_see("Expense of 120 EUR for Ana")
    await user.should_see("Approve if it fits the budget.")
    one(user, "field-budget_code").set_value(0)  # TRAVEL
    one(user, "field-comment").set_value("Fine by me")
    one(user, "your-name").set_value("  maria ")
    user.find(marker="outcome-approve").click()
    await user.should_see("Thanks — your answer was recorded")
    await user.should_see("You chose “Approve”.")
    eng = engine()
    run = await eng.wait(run_id)
    assert run.status == "succeeded"
    assert run.output["status"] == "paid" and run.output["code"] == "TRAVEL"
    assert eng.tasks.get(task_id)["completed_by"] == "maria"
    assert person.my_name() == "maria"
    user.find(marker="back-to-inbox").click()
    await wait_for(lambda: user.back_history[-1] == "/inbox")
    await user.should_see("Nothing is waiting for you")


async def test_the_name_is_needed_and_remembered(user: User) -> None:
    _, task_id = await expense()
    await user.open(f"/tasks/{task_id}")
    one(user, "field-budget_code").set_value(1)
    user.find(marker="outcome-reject").click()
    await user.should_see("Please type your name below before answering.")
    assert visible_text(user, "error-your-name").startswith("Please type your name")
    assert engine().tasks.get(task_id)["status"] == "open"
    person.set_my_name("Ana")
    _, other = await expense("Ben", 50)
    await user.open(f"/tasks/{other}")
    assert one(user, "your-name").value == "Ana"


async def test_a_task_answered_meanwhile_says_so_and_changes_nothing(user: User) -> None:
    run_id, task_id = await expense()
    await user.open(f"/tasks/{task_id}")
    eng = engine()
    page = one(user, "task-form")
    eng.tasks.complete(task_id, "reject", {"budget_code": "TRAINING"}, by="lee")
    one(user, "field-budget_code").set_value(0)
    one(user, "your-name").set_value("maria")
    if not page.is_deleted:  # the page may already have noticed; if not, the answer tells
        user.find(marker="outcome-approve").click()
    await user.should_see("This task was already answered")
    await user.should_see("lee answered “Reject”")
    task = eng.tasks.get(task_id)
    assert task["outcome"] == "reject" and task["completed_by"] == "lee"
    await eng.wait(run_id)
    assert eng.get_run(run_id).output["status"] == "refused"

    await user.open(f"/tasks/{task_id}")  # opened later: the same answer, no form
    await user.should_see("This task was already answered")
    await user.should_not_see(marker="task-form")


async def test_the_open_page_notices_when_someone_else_answers(user: User) -> None:
    _, task_id = await expense()
    await user.open(f"/tasks/{task_id}")
    await user.should_see(marker="task-form")
    engine().tasks.complete(task_id, "approve", {"budget_code": "TRAVEL"}, by="lee")
    await user.should_see(marker="task-closed", retries=40)
    await user.should_see("lee answered “Approve”")


async def test_a_canceled_run_leaves_a_task_that_is_no_longer_needed(user: User) -> None:
    run_id, task_id = await expense()
    await engine().control.cancel(run_id)
    await user.open(f"/tasks/{task_id}")
    await user.should_see("This task is no longer needed")


async def test_enter_answers_when_there_is_exactly_one_outcome(user: User) -> None:
    doc = human_task(
        "one-button",
        {"title": "Type the code", "fields": [{"name": "code", "type": "text"}]},
    )
    run_id, task_id = await start_task(doc)
    person.set_my_name("maria")
    await user.open(f"/tasks/{task_id}")
    await user.should_see("Tip: press Enter in a field to send your answer.")
    one(user, "field-code").set_value("A-1")
    user.find(marker="field-code").trigger("keydown.enter")
    await user.should_see("Thanks — your answer was recorded")
    run = await engine().wait(run_id)
    assert run.status == "succeeded"
    assert engine().tasks.get(task_id)["values"] == {"code": "A-1"}


async def test_enter_does_not_pick_one_of_several_outcomes(user: User) -> None:
    _, task_id = await expense()
    person.set_my_name("maria")
    await user.open(f"/tasks/{task_id}")
    await user.should_not_see("Tip: press Enter")
    user.find(marker="field-budget_code").trigger("keydown.enter")
    user.find(marker="your-name").trigger("keydown.enter")
    await user.should_not_see("Thanks — your answer was recorded")
    assert engine().tasks.get(task_id)["status"] == "open"


async def test_an_unknown_link_shows_a_friendly_page(user: User) -> None:
    await user.open("/tasks/no-such-task")
    await user.should_see("We couldn't find this task")
    await user.should_see("Go to the inbox")
    await user.should_see(marker="task-not-found")
