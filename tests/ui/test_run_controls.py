"""The run page's controls and task list through NiceGUI's simulated user: each button only
when the run's status allows it, pause / resume / cancel (asked first) / retry, a plain notice
when the run changed meanwhile, and the run's open tasks with a link to answer them."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

from tests.ui.conftest import EXAMPLES
from tests.ui.people import engine, expense, human_task, start_task, wait_for
from tests.ui.test_pages import live_pages

ACTIONS = ("pause", "resume", "retry", "cancel")


def one(user: User, marker: str) -> Any:
    found = [e for e in user.client.elements.values() if marker in e._markers]
    (element,) = [e for e in found if not e.is_deleted]
    return element


def shown(user: User) -> set[str]:
    return {a for a in ACTIONS if one(user, f"run-{a}").visible}


async def test_a_waiting_run_can_be_paused_or_canceled_and_lists_its_task(user: User) -> None:
    run_id, task_id = await expense()
    await user.open(f"/runs/{run_id}")
    assert shown(user) == {"pause", "cancel"}
    await user.should_see("Waiting for a person")
    await user.should_see("Expense of 120 EUR for Ana")
    hrefs = {e.props.get("href") for e in user.client.elements.values()}
    assert f"/tasks/{task_id}" in hrefs
    user.find("Answer").click()
    await wait_for(lambda: user.back_history[-1] == f"/tasks/{task_id}")


async def test_pause_then_resume_a_run_that_waits_on_a_person(user: User) -> None:
    run_id, task_id = await expense()
    await user.open(f"/runs/{run_id}")
    user.find(marker="run-pause").click()
    await user.should_see("Run paused.", retries=40)
    eng = engine()
    await wait_for(lambda: eng.get_run(run_id).status == "paused")
    await wait_for(lambda: shown(user) == {"resume", "cancel"})
    user.find(marker="run-resume").click()
    await user.should_see("Run resumed.", retries=40)
    await eng.wait(run_id)
    await wait_for(lambda: eng.get_run(run_id).status == "waiting")
    await wait_for(lambda: shown(user) == {"pause", "cancel"})
    assert eng.tasks.get(task_id)["status"] == "open"


async def test_cancel_asks_first_and_withdraws_the_task(user: User) -> None:
    run_id, task_id = await expense()
    await user.open(f"/runs/{run_id}")
    user.find(marker="run-cancel").click()
    await user.should_see("Cancel this run?", retries=40)
    user.find(marker="keep-run").click()
    await user.should_not_see(marker="confirm-cancel")
    eng = engine()
    assert eng.get_run(run_id).status == "waiting"
    user.find(marker="run-cancel").click()
    await user.should_see(marker="confirm-cancel", retries=40)
    user.find(marker="confirm-cancel").click()
    await user.should_see("Run canceled. Its open tasks were withdrawn from the inbox.", retries=40)
    assert eng.get_run(run_id).status == "canceled"
    assert eng.tasks.get(task_id)["status"] == "canceled"
    await wait_for(lambda: shown(user) == set())
    await user.should_not_see("Waiting for a person", retries=40)


async def test_a_failed_run_can_be_retried(user: User) -> None:
    eng = engine()
    eng.import_workflow(EXAMPLES / "seed004_amount_approval.json")
    run = await eng.run("workflow_1", {"data": {}})
    assert run.status == "failed"
    await user.open(f"/runs/{run.id}")
    assert shown(user) == {"retry"}
    user.find(marker="run-retry").click()
    await user.should_see("Retrying from the failed step.", retries=40)
    await eng.wait(run.id)
    assert eng.get_run(run.id).status == "failed"  # the same input fails again
    await wait_for(lambda: shown(user) == {"retry"})


async def test_a_finished_run_has_no_controls(user: User) -> None:
    eng = engine()
    eng.import_workflow(EXAMPLES / "seed004_amount_approval.json")
    run = await eng.run("workflow_1", {"data": {"amount": 5}})
    await user.open(f"/runs/{run.id}")
    assert shown(user) == set()
    await user.should_not_see("Waiting for a person")


async def test_an_action_no_longer_possible_says_so(user: User) -> None:
    run_id, _ = await expense()
    await user.open(f"/runs/{run_id}")
    await engine().control.cancel(run_id)  # from elsewhere (the command line, another tab)
    # the click raced the change: the button was still on the person's screen
    UserInteraction(user, {one(user, "run-pause")}, None).click()
    await user.should_see("This run can't be paused any more: it is canceled now.", retries=40)
    await wait_for(lambda: shown(user) == set())


async def test_a_waiting_step_shows_as_waiting_until_the_person_answers(user: User) -> None:
    eng = engine()
    run_id, task_id = await start_task(human_task("ask-once", {"title": "Say yes"}))
    await user.open(f"/runs/{run_id}")
    (view,) = live_pages(user, "RunView")
    assert view.rows["ask"]["status"] == "waiting"  # it has no step row until it wakes
    assert view.rows["ask"]["started_at"] is not None
    await user.should_see("waiting,")  # "waiting, 1.2 s since it started", not "took"
    user.find(ui.aggrid).trigger("rowClicked", {"data": {"key": "ask"}})
    await user.should_see("This step is waiting for a person's answer")

    eng.tasks.complete(task_id, "submit", {}, by="ana")
    await eng.wait(run_id)
    await wait_for(lambda: view.rows["ask"]["status"] == "succeeded")
    await wait_for(lambda: view.status == "succeeded" and view.expect is None)
    await user.should_see("took")


async def test_a_step_that_starts_waiting_while_the_page_is_open_shows_it(user: User) -> None:
    eng = engine()
    doc = human_task("nap-then-ask", {"title": "Say yes"})
    nap = {"type": "function", "config": {"function": "t.sleep", "args": {"seconds": 0.5}}}
    doc["nodes"].insert(1, {"id": "nap", **nap})
    doc["edges"][0] = {"source": "start", "target": "nap"}
    doc["edges"].append({"source": "nap", "target": "ask"})
    eng.import_workflow(doc)
    run_id = await eng.start_run("nap-then-ask", {})
    await user.open(f"/runs/{run_id}")
    (view,) = live_pages(user, "RunView")
    assert "ask" not in view.rows  # still napping when the page opened
    await wait_for(lambda: view.rows.get("ask", {}).get("status") == "waiting")
    await wait_for(lambda: view.status == "waiting")
    assert view.rows["ask"]["started_at"] is not None
