"""Task reminders and escalations delivered through their channel: real reminder timers (the
engine's alarm clock, intervals shortened) put them in the in-app list or email them to the
assignee through a real aiosmtpd server; a failed email is recorded, never fatal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.credentials.vault import folder_vault
from app.engine.notifications import notifications_of
from app.engine.service import Engine
from tests.conftest import chain_workflow
from tests.nodes.smtp_server import PASSWORD, USER, SmtpServer, serve


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve()


def add_credential(home: Path, port: int, name: str = "mail") -> None:
    folder_vault(home).put(
        name,
        "smtp",
        {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "username": USER,
            "password": PASSWORD,
            "from": "ren@example.com",
        },
    )


def task(**config: Any) -> dict[str, Any]:
    """start -> a human task (n1) -> end, through its `submit` outcome."""
    doc = chain_workflow(
        {"type": "human_task", "config": {"title": "Approve {{ input.item }}", **config}}
    )
    doc["edges"][1]["source_port"] = "submit"
    return doc


async def until(check: Callable[[], bool], what: str) -> None:
    """Wait (bounded) for a timer's effect: the alarm clock rings on the event loop."""
    for _ in range(400):
        if check():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"never happened: {what}")


def events(engine: Engine, run_id: str, type_: str) -> list[dict[str, Any]]:
    return [e.data for e in engine.events(run_id) if e.type == type_]


async def test_a_reminder_lands_in_the_app_list(engine: Engine) -> None:
    engine.import_workflow(task(remind_every_s=0.2, remind_via="app"))
    run_id = await engine.start_run("wf", {"item": "laptop"})
    notifications = notifications_of(engine)
    await until(lambda: notifications.unread_count() >= 1, "a reminder in the list")
    entry = notifications.latest()[-1]
    (open_task,) = engine.tasks.open_tasks()
    assert entry["title"] == "Reminder: Approve laptop"
    assert entry["kind"] == "reminder"
    assert (entry["run_id"], entry["task_id"]) == (run_id, open_task["id"])
    assert f"/tasks/{open_task['id']}" in entry["message"]
    sent = events(engine, run_id, "task.notice_sent")
    assert sent and sent[0]["channel"] == "app" and sent[0]["delivered"] == ["app"]

    engine.tasks.complete(open_task["id"], "submit", {})
    assert (await engine.wait(run_id, timeout=30)).status == "succeeded"


async def test_a_reminder_is_emailed_to_the_assignee(
    engine: Engine, home: Path, smtp: SmtpServer
) -> None:
    add_credential(home, smtp.port)
    engine.import_workflow(
        task(
            assignee="ana@example.com",
            remind_every_s=0.2,
            remind_via="email",
            smtp_credential="mail",
        )
    )
    run_id = await engine.start_run("wf", {"item": "laptop"})
    await until(lambda: bool(smtp.mailbox.received), "a reminder email")
    got = smtp.mailbox.received[0]
    assert got.recipients == ["ana@example.com"] and got.login == USER
    assert got.message["Subject"] == "Reminder: Approve laptop"
    assert "still waiting" in got.message.get_content()
    await until(lambda: bool(events(engine, run_id, "task.notice_sent")), "the sent event")
    assert events(engine, run_id, "task.notice_sent")[0]["to"] == ["ana@example.com"]
    assert notifications_of(engine).unread_count() == 0  # email only: nothing in the list


async def test_assignee_email_template_and_the_default_credential(
    engine: Engine, home: Path, smtp: SmtpServer
) -> None:
    add_credential(home, smtp.port, name="office")
    notifications_of(engine).set_default_credential("office")
    engine.import_workflow(
        task(
            assignee="Ana",
            assignee_email="{{ input.manager }}",
            remind_every_s=0.2,
            remind_via="email",
        )
    )
    await engine.start_run("wf", {"item": "desk", "manager": "boss@example.com"})
    await until(lambda: bool(smtp.mailbox.received), "a reminder email")
    assert smtp.mailbox.received[0].recipients == ["boss@example.com"]


async def test_an_email_that_cannot_be_sent_is_recorded_and_listed(engine: Engine) -> None:
    # no credential at all: the reminder cannot be emailed; the run keeps waiting
    engine.import_workflow(task(assignee="ana@example.com", remind_every_s=0.2, remind_via="email"))
    run_id = await engine.start_run("wf", {"item": "chair"})
    await until(lambda: bool(events(engine, run_id, "task.notice_failed")), "a failure event")
    failed = events(engine, run_id, "task.notice_failed")[0]
    assert "no smtp credential" in failed["error"]
    assert engine.get_run(run_id).status == "waiting"
    entry = notifications_of(engine).latest()[-1]
    assert "Not emailed: no smtp credential" in entry["message"]


async def test_an_escalation_on_reassign_reaches_the_list(engine: Engine) -> None:
    engine.import_workflow(
        task(
            assignee="ana",
            due_in_s=0.2,
            on_timeout="reassign",
            reassign_to="boss",
            remind_via="app",
        )
    )
    run_id = await engine.start_run("wf", {"item": "car"})
    notifications = notifications_of(engine)
    await until(lambda: notifications.unread_count() >= 1, "an escalation in the list")
    (entry,) = notifications.latest()
    assert entry["kind"] == "escalation" and entry["run_id"] == run_id
    assert entry["title"] == "Escalated: Approve car"
    assert "now waits for boss" in entry["message"]


async def test_remind_via_none_only_records_the_reminder(engine: Engine) -> None:
    engine.import_workflow(task(remind_every_s=0.1))
    run_id = await engine.start_run("wf", {"item": "pen"})
    await until(lambda: len(events(engine, run_id, "task.reminder")) >= 2, "two reminders")
    assert notifications_of(engine).latest() == []
    assert events(engine, run_id, "task.notice_sent") == []
