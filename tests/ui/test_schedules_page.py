"""The schedules page through NiceGUI's simulated user: adding (a timetable or an interval),
the engine's and the form's refusals shown in place, switching a schedule off and on, and
removing one after asking."""

from __future__ import annotations

from typing import Any

from nicegui.testing import User

from app.ui.schedule_text import describe_cron, every
from tests.ui.conftest import EXAMPLES
from tests.ui.people import engine


def one(user: User, marker: str) -> Any:
    (element,) = [e for e in user.find(marker=marker).elements if not e.is_deleted]
    return element


def shown_error(user: User, name: str) -> str:
    try:
        return str(one(user, f"error-{name}").text)
    except AssertionError:  # hidden: no message
        return ""


def publish_expense() -> None:
    engine().import_workflow(EXAMPLES / "expense_approval.json")


async def open_dialog(user: User) -> None:
    await user.open("/schedules")
    user.find(marker="new-schedule").click()
    await user.should_see("New schedule")


async def test_without_schedules_the_page_explains_them(user: User) -> None:
    await user.open("/schedules")
    await user.should_see("No schedules yet")
    await user.should_see("next and last run")


async def test_add_a_timetable_schedule(user: User) -> None:
    publish_expense()
    await open_dialog(user)
    assert one(user, "workflow").value == "expense-approval"
    await user.should_see("This workflow takes: who (string, required), amount (number, required)")
    one(user, "cron").set_value("0 9 * * mon-fri")
    await user.should_see("Next runs:")
    one(user, "timezone").set_value("Europe/Paris")
    one(user, "input").set_value('{"who": "weekly report", "amount": 0}')
    one(user, "misfire").set_value("skip")
    await user.should_see("Missed times are dropped")
    user.find(marker="save-schedule").click()
    await user.should_see("Schedule added.")
    (added,) = engine().schedules.all()
    assert added["cron"] == "0 9 * * mon-fri" and added["timezone"] == "Europe/Paris"
    assert added["input"] == {"who": "weekly report", "amount": 0}
    assert added["misfire"] == "skip" and added["enabled"]
    await user.should_see("Weekdays at 09:00")
    await user.should_see("0 9 * * mon-fri · Europe/Paris")
    await user.should_see("Skip the missed times")
    await user.should_see("Last: not yet")


async def test_add_an_interval_schedule(user: User) -> None:
    publish_expense()
    await open_dialog(user)
    one(user, "mode").set_value("every")
    one(user, "every").set_value("2")
    one(user, "unit").set_value("hours")
    one(user, "input").set_value('{"who": "Ana", "amount": 5}')
    user.find(marker="save-schedule").click()
    await user.should_see("Schedule added.")
    (added,) = engine().schedules.all()
    assert added["interval_s"] == 7200 and added["cron"] is None
    assert added["misfire"] == "once"
    await user.should_see("Every 2 hours")
    await user.should_see("Run once to catch up")


async def test_wrong_entries_are_shown_in_place_and_nothing_is_added(user: User) -> None:
    publish_expense()
    await open_dialog(user)
    user.find(marker="save-schedule").click()
    await user.should_see("Type a timetable, or pick one of the examples.")
    one(user, "cron").set_value("61 * * * *")  # checked as it is typed
    await user.should_see("This timetable is not valid")
    assert "maximum value (59)" in shown_error(user, "cron")
    one(user, "input").set_value('{"who": "Ana",')
    user.find(marker="save-schedule").click()
    assert shown_error(user, "input").startswith("Not valid JSON")
    one(user, "input").set_value('{"who": "Ana"}')
    one(user, "cron").set_value("0 8 * * *")
    user.find(marker="save-schedule").click()
    assert shown_error(user, "input") == "input: 'amount' is a required property"
    assert shown_error(user, "cron") == ""
    one(user, "mode").set_value("every")
    one(user, "every").set_value("0")
    user.find(marker="save-schedule").click()
    assert shown_error(user, "every") == "Type a number greater than 0, e.g. 15."
    assert engine().schedules.all() == []


async def test_the_engines_refusal_is_shown_under_its_field(user: User) -> None:
    publish_expense()
    await open_dialog(user)
    one(user, "cron").set_value("0 8 * * * * *")  # seven parts: the engine refuses it
    one(user, "input").set_value('{"who": "Ana", "amount": 1}')
    user.find(marker="save-schedule").click()
    assert shown_error(user, "cron").startswith("This timetable is not valid")
    engine().workflows.delete("expense-approval")  # gone while the dialog was open
    one(user, "cron").set_value("0 8 * * *")
    user.find(marker="save-schedule").click()
    assert shown_error(user, "workflow") == "This workflow has no published version any more."
    assert engine().schedules.all() == []


async def test_without_published_workflows_the_dialog_says_what_to_do(user: User) -> None:
    engine().workflows.create("Only a draft")
    await open_dialog(user)
    await user.should_see(marker="no-published")
    await user.should_see("Only published workflows can be scheduled")


async def test_switch_a_schedule_off_and_on(user: User) -> None:
    publish_expense()
    added = engine().schedules.add(
        "expense-approval", interval_s=600, input={"who": "Ana", "amount": 1}
    )
    await user.open("/schedules")
    await user.should_see("Next:")
    one(user, f"enabled-{added['id']}").set_value(False)
    await user.should_see("Schedule paused")
    assert engine().schedules.get(added["id"])["enabled"] == 0
    await user.should_see("Paused — no runs start")
    one(user, f"enabled-{added['id']}").set_value(True)
    await user.should_see("Schedule on")
    assert engine().schedules.get(added["id"])["enabled"] == 1


async def test_remove_asks_first(user: User) -> None:
    publish_expense()
    added = engine().schedules.add(
        "expense-approval", cron="0 8 * * *", input={"who": "Ana", "amount": 1}
    )
    await user.open("/schedules")
    user.find(marker=f"remove-{added['id']}").click()
    await user.should_see("Remove this schedule?", retries=40)
    await user.should_see("“Expense approval” will no longer start every day at 08:00.")
    user.find(marker="keep-schedule").click()
    await user.should_not_see(marker="confirm-remove")
    assert len(engine().schedules.all()) == 1
    user.find(marker=f"remove-{added['id']}").click()
    await user.should_see(marker="confirm-remove", retries=40)
    user.find(marker="confirm-remove").click()
    await user.should_see("Schedule removed.", retries=40)
    await user.should_see("No schedules yet")
    assert engine().schedules.all() == []


async def test_last_run_links_to_the_run_a_schedule_started(user: User) -> None:
    publish_expense()
    eng = engine()
    added = eng.schedules.add(
        "expense-approval", interval_s=60, input={"who": "Ana", "amount": 1}, misfire="once"
    )
    key = f"sched:{added['id']}:2026-01-01T00:00:00+00:00"
    run_id = await eng.start_run("expense-approval", added["input"], idempotency_key=key)
    await eng.wait(run_id)
    await user.open("/schedules")
    await user.should_see("Last: just now")
    hrefs = {e.props.get("href") for e in user.client.elements.values()}
    assert f"/runs/{run_id}" in hrefs


def test_timetables_in_words() -> None:
    assert describe_cron("0 9 * * mon-fri") == "Weekdays at 09:00"
    assert describe_cron("*/15 * * * *") == "Every 15 minutes"
    assert describe_cron("30 * * * *") == "Every hour at :30"
    assert describe_cron("0 8 1 * *") == "Day 1 of every month at 08:00"
    assert describe_cron("0 9 * * mon") == "Mondays at 09:00"
    assert describe_cron("0 9 1-7 * mon") == "On a custom timetable"
    assert every(3600) == "Every hour" and every(90) == "Every 90 seconds"
    assert every(86400 * 2) == "Every 2 days"
