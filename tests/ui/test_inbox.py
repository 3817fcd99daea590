"""The inbox through NiceGUI's simulated user: the cards, "Only mine", the order, the empty
states and the live list (a new task appears, an answered one disappears, the badge follows)."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from app.ui import person
from tests.ui.people import engine, expense, human_task, start_task, wait_for


def card_ids(user: User) -> list[str]:
    """The task ids of the inbox's cards, top to bottom."""
    (listing,) = [e for e in user.find(marker="inbox-list").elements if not e.is_deleted]
    return [
        str(child.props["data-task"])
        for child in listing.default_slot.children
        if "ren-task-item" in child.classes
    ]


async def open_inbox(user: User, path: str = "/inbox") -> None:
    """Open the inbox and wait for its first page (read on a worker thread)."""
    await user.open(path)
    await wait_for(lambda: user.find(marker="inbox-summary").elements.pop().text != "")


def badge(user: User) -> str:
    return str(user.find(marker="inbox-count").elements.pop().text)


async def test_a_task_is_a_card_with_everything_a_person_needs(user: User) -> None:
    _, task_id = await expense()
    await open_inbox(user)
    await user.should_see("Expense of 120 EUR for Ana")
    await user.should_see("Approve if it fits the budget.")
    await user.should_see("For manager")
    await user.should_see("Arrived just now")
    await user.should_see("Due in 2 days")
    await user.should_see("From Expense approval")
    await user.should_see("1 open task")
    assert card_ids(user) == [task_id]
    links = [link.props.get("href") for link in user.find(ui.link).elements]
    assert f"/tasks/{task_id}" in links
    assert badge(user) == "1"


async def test_clicking_a_card_opens_its_task(user: User) -> None:
    _, task_id = await expense()
    await open_inbox(user)
    user.find(marker=f"task-{task_id}").click()
    await wait_for(lambda: user.back_history[-1] == f"/tasks/{task_id}")
    await user.should_see("Your name")


async def test_without_tasks_the_inbox_says_what_will_appear(user: User) -> None:
    await open_inbox(user)
    await user.should_see("Nothing is waiting for you")
    await user.should_see("a task appears here")
    assert badge(user) == "0"


async def test_only_mine_keeps_the_named_persons_and_everyones_tasks(user: User) -> None:
    _, for_manager = await expense()
    _, for_maria = await start_task(
        human_task("ask-maria", {"title": "Count the boxes", "assignee": "maria"})
    )
    _, for_anyone = await start_task(human_task("ask-anyone", {"title": "Water the plants"}))
    await open_inbox(user)
    assert set(card_ids(user)) == {for_manager, for_maria, for_anyone}
    await user.should_see("3 open tasks")

    user.find(marker="only-mine").click()
    await user.should_see("Type your name to see only your tasks.")
    user.find(marker="inbox-name").type("Maria")  # names match whatever their case
    await wait_for(lambda: set(card_ids(user)) == {for_maria, for_anyone})
    await user.should_see("2 tasks for Maria or for anyone · 3 open in all")
    assert person.my_name() == "Maria"

    await open_inbox(user)  # the choice and the name are remembered
    assert set(card_ids(user)) == {for_maria, for_anyone}

    user.find(marker="inbox-name").clear().type("bob")
    await wait_for(lambda: set(card_ids(user)) == {for_anyone})
    engine().tasks.complete(for_anyone, "submit", {}, by="bob")
    await user.should_see("Nothing for bob right now", retries=40)
    await user.should_see("2 tasks are waiting for other people")
    user.find("Show every task").click()
    await wait_for(lambda: set(card_ids(user)) == {for_manager, for_maria})


async def test_the_order_can_be_due_oldest_or_newest_first(user: User) -> None:
    _, late = await start_task(
        human_task("later", {"title": "Due in a week", "due_in_s": 7 * 86400})
    )
    _, no_due = await start_task(human_task("whenever", {"title": "No due date"}))
    _, soon = await start_task(human_task("soon", {"title": "Due in an hour", "due_in_s": 3600}))
    await open_inbox(user)
    assert card_ids(user) == [soon, late, no_due]
    sort = user.find(marker="sort").elements.pop()
    sort.set_value("oldest")
    await wait_for(lambda: card_ids(user) == [late, no_due, soon])
    sort.set_value("newest")
    await wait_for(lambda: card_ids(user) == [soon, no_due, late])
    await open_inbox(user)
    assert card_ids(user) == [soon, no_due, late]


async def test_new_tasks_appear_and_answered_ones_leave_without_a_reload(user: User) -> None:
    run_id, first = await expense("Ana", 120)
    await open_inbox(user)
    assert card_ids(user) == [first]
    eng = engine()
    second_run = await eng.start_run("expense-approval", {"who": "Ben", "amount": 80})
    await eng.wait(second_run)
    (second,) = [t["id"] for t in eng.tasks.open_tasks() if t["run_id"] == second_run]
    await wait_for(lambda: set(card_ids(user)) == {first, second})
    await wait_for(lambda: badge(user) == "2")
    await user.should_see("Expense of 80 EUR for Ben")

    eng.tasks.complete(first, "approve", {"budget_code": "TRAVEL"}, by="maria")
    await eng.wait(run_id)
    await wait_for(lambda: card_ids(user) == [second])
    await wait_for(lambda: badge(user) == "1")

    await eng.control.cancel(second_run)  # canceling a run withdraws its tasks
    await wait_for(lambda: card_ids(user) == [])
    await user.should_see("Nothing is waiting for you")
    await wait_for(lambda: badge(user) == "0")


async def test_the_badge_is_current_on_every_page(user: User) -> None:
    await user.open("/workflows")
    assert badge(user) == "0"
    await expense()
    await wait_for(lambda: badge(user) == "1")
    await user.open("/settings")
    assert badge(user) == "1"


async def test_a_long_inbox_draws_fifty_cards_at_a_time(user: User) -> None:
    eng = engine()
    eng.import_workflow(human_task("many", {"title": "Sort the mail"}))
    runs = [await eng.start_run("many") for _ in range(60)]
    for run_id in runs:
        await eng.wait(run_id)
    await open_inbox(user)
    assert len(card_ids(user)) == 50
    await user.should_see("Showing the first 50 of 60 tasks.")
    user.find(marker="show-more").click()
    await wait_for(lambda: len(card_ids(user)) == 60)
    await user.should_not_see(marker="show-more")
