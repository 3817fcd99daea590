"""A desktop notification when a task arrives for this person, from the process that serves
the data folder in the background: a task assigned to nobody or to the name the person gave the
app is announced (here, with no desktop notification service, into the app's list, as the
notify channel does); one assigned to someone else is not."""

from __future__ import annotations

import asyncio

import pytest

from app.engine.notifications import notifications_of
from app.engine.notifications_desktop import desktop_missing
from app.engine.service import Engine
from app.engine.tray_state import TrayState, for_this_person
from tests.always_on.approvals import approval_flow

URL = "http://127.0.0.1:8710"


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> None:
    """No D-Bus session: no desktop notification service (as on a headless Linux)."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    if desktop_missing() is None:
        pytest.skip("this machine has a desktop notification service")


async def titles_after(engine: Engine, workflow_id: str, item: str) -> list[str]:
    run_id = await engine.start_run(workflow_id, {"item": item})
    assert (await engine.wait(run_id, timeout=30)).status == "waiting"
    for _ in range(100):
        if any(item in n["title"] for n in notifications_of(engine).latest()):
            break
        await asyncio.sleep(0.02)
    return [n["title"] for n in notifications_of(engine).latest()]


async def test_a_task_for_this_person_is_announced_one_for_someone_else_is_not(
    engine: Engine, headless: None
) -> None:
    engine.import_workflow(approval_flow("anyone"))
    engine.import_workflow(approval_flow("ada", assignee="Ada"))
    engine.import_workflow(approval_flow("bob", assignee="bob"))
    state = TrayState(engine, URL, lambda: None, person_name=lambda: "ada")
    state.start()
    try:
        assert await titles_after(engine, "anyone", "laptop") == ["New task: Approve laptop?"]
        titles = await titles_after(engine, "ada", "desk")
        assert titles == ["New task: Approve desk?", "New task: Approve laptop?"]
        bob = await engine.start_run("bob", {"item": "chair"})
        assert (await engine.wait(bob, timeout=30)).status == "waiting"
        # announced in the order tasks arrive: once the next one is, bob's would have been
        after = await titles_after(engine, "anyone", "pen")
        assert after == ["New task: Approve pen?", *titles]  # not "Approve chair?": bob's
    finally:
        state.stop()
    (newest, *_) = notifications_of(engine).latest()
    assert newest["kind"] == "task" and newest["task_id"] is not None
    assert f"{URL}/tasks/{newest['task_id']}" in newest["message"]


def test_without_a_name_every_task_is_this_persons() -> None:
    assert for_this_person({"assignee": "bob"}, "")
    assert for_this_person({"assignee": None}, "ada")
    assert for_this_person({"assignee": " ADA "}, "ada")
    assert not for_this_person({"assignee": "bob"}, "ada")
