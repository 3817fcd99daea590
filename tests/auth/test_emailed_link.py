"""A reminder e-mail carries a signed task link when Ren serves its pages: a real engine, its
real reminder timer and a real SMTP server on loopback (tests.nodes.smtp_server)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.auth.links import folder_links
from app.engine.service import Engine
from tests.engine.test_reminders import add_credential, task, until
from tests.nodes.smtp_server import SmtpServer, serve


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve()


async def test_a_reminder_email_links_to_the_task_for_its_recipient(
    engine: Engine, home: Path, smtp: SmtpServer
) -> None:
    engine.lock.describe({"base": "http://ren.office.lan:8710"})  # as the app says where it is
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
    body = smtp.mailbox.received[0].message.get_content()
    found = re.search(r"http://ren\.office\.lan:8710/t/(\S+)", body)
    assert found is not None, body
    checked = folder_links(engine.folder.root, engine.folder.db_path).check(found[1])
    assert checked.problem is None and checked.link is not None
    (open_task,) = engine.tasks.open_tasks(run_id=run_id)
    assert (checked.link.task_id, checked.link.recipient) == (open_task["id"], "ana@example.com")
    engine.tasks.complete(open_task["id"], "submit", {}, by=checked.link.completed_by)
    assert (await engine.wait(run_id, timeout=30)).status == "succeeded"


async def test_without_a_served_address_the_reminder_has_no_link(
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
    await engine.start_run("wf", {"item": "desk"})
    await until(lambda: bool(smtp.mailbox.received), "a reminder email")
    body = smtp.mailbox.received[0].message.get_content()
    assert "still waiting" in body and "/t/" not in body
