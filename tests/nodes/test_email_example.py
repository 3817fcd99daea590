"""examples/form_approval_email.json end to end on a real engine: a form submission asks the
manager, the approved request is appended to a CSV file and the requester is emailed (a real
aiosmtpd server); a rejection emails the requester and writes nothing."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.credentials.vault import folder_vault
from app.engine.form_triggers import find_form, submit
from app.engine.service import Engine
from tests.nodes.smtp_server import PASSWORD, USER, SmtpServer, serve
from tests.ui.conftest import EXAMPLES

WID = "purchase-request"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve()


def example(sheet: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / "form_approval_email.json").read_text())
    for node in doc["nodes"]:
        if node["id"] == "sheet":
            node["config"]["path"] = str(sheet)
    return doc


async def setup(engine: Engine, home: Path, smtp: SmtpServer, sheet: Path) -> None:
    folder_vault(home).put(
        "office-mail",
        "smtp",
        {
            "host": "127.0.0.1",
            "port": smtp.port,
            "security": "none",
            "username": USER,
            "password": PASSWORD,
            "from": "office@example.com",
        },
    )
    engine.import_workflow(example(sheet), publish=False)
    engine.workflows.trust.trust_spec(WID, engine.workflows.draft(WID), "review")  # appends
    engine.workflows.publish(WID)


async def request(engine: Engine, submission: str) -> tuple[str, str]:
    answers = {"name": "Ana", "email": "ana@example.com", "item": "a monitor", "amount": "240"}
    run_id = await submit(engine, find_form(engine, WID), answers, submission)
    assert (await engine.wait(run_id, timeout=30)).status == "waiting"
    (task,) = engine.tasks.open_tasks(run_id=run_id)
    assert task["title"] == "Ana asks to buy a monitor (240 EUR)"
    return run_id, str(task["id"])


async def test_approved_requests_are_added_to_the_sheet_and_emailed(
    engine: Engine, home: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    sheet = tmp_path / "requests.csv"
    await setup(engine, home, smtp, sheet)
    for number, who in enumerate(("maria", "li")):
        run_id, task_id = await request(engine, f"submission-{number:04d}")
        engine.tasks.complete(task_id, "approve", {"note": "Go ahead."}, by=who)
        run = await engine.wait(run_id, timeout=30)
        assert run.status == "succeeded", run.error
    with sheet.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [r["approved_by"] for r in rows] == ["maria", "li"]
    assert rows[0] | {"approved_by": ""} == {
        "name": "Ana",
        "email": "ana@example.com",
        "item": "a monitor",
        "amount": "240",
        "approved_by": "",
    }
    first = smtp.mailbox.received[0]
    assert first.recipients == ["ana@example.com"]
    assert first.message["Subject"] == "Approved: a monitor"
    assert "approved by maria" in first.message.get_content()
    assert "Go ahead." in first.message.get_content()


async def test_a_rejection_emails_and_writes_nothing(
    engine: Engine, home: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    sheet = tmp_path / "requests.csv"
    await setup(engine, home, smtp, sheet)
    run_id, task_id = await request(engine, "submission-reject")
    engine.tasks.complete(task_id, "reject", {"note": "Not this quarter."}, by="maria")
    assert (await engine.wait(run_id, timeout=30)).status == "succeeded"
    assert not sheet.exists()
    (got,) = smtp.mailbox.received
    assert got.message["Subject"] == "Not approved: a monitor"
    assert "Not this quarter." in got.message.get_content()
