"""Task links through NiceGUI's simulated user: a signed link opens only its task's form,
works once and then says it was used; expired, revoked and forged links say so; the answer
records who the link was sent to; the task page's "Copy link for…" dialog makes one."""

from __future__ import annotations

import asyncio
import stat
import time
from pathlib import Path

import pytest
from nicegui.testing import User

from app.auth.db import AuthDb
from app.auth.links import LinkError, TaskLinks, folder_links, load_key
from app.engine.paths import DataFolder
from tests.auth.lan_server import approval
from tests.ui.conftest import forget_pages, ren_home  # noqa: F401  (the UI tests' fixtures)
from tests.ui.people import engine


async def open_task() -> dict[str, object]:
    engine().import_workflow(approval("ann", "approve"))
    run_id = await engine().start_run("approve", {})
    await engine().wait(run_id)
    (task,) = engine().tasks.open_tasks(run_id=run_id)
    return task


def links() -> TaskLinks:
    folder = engine().folder
    return folder_links(folder.root, folder.db_path)


async def test_a_link_answers_its_task_once_then_says_it_was_used(user: User) -> None:
    await user.open("/workflows")  # starts the app's engine
    task = await open_task()
    _, token = links().create(str(task["id"]), "carol@example.com", created_by="local")

    await user.open(f"/t/{token}")
    await user.should_see("For ann")
    await user.should_see("Sent to carol@example.com.")
    await user.should_not_see("Workflows")  # no navigation: only this task
    user.find(marker="outcome-submit").click()
    await user.should_see("Thanks — your answer was recorded")
    answered = engine().tasks.get(str(task["id"]))
    assert (answered["status"], answered["completed_by"]) == (
        "completed",
        "link:carol@example.com",
    )
    run = await engine().wait(str(task["run_id"]), timeout=30)
    assert run.status == "succeeded"

    await user.open(f"/t/{token}")
    await user.should_see("This link was already used")
    await user.should_not_see("Submit")
    key = engine().folder.root / "task-link.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


async def test_expired_revoked_and_forged_links_open_nothing(user: User) -> None:
    await user.open("/workflows")
    task_id = str((await open_task())["id"])
    expired, expired_token = links().create(task_id, "dan", created_by="local", valid_s=0.001)
    while time.time() < expired.expires_at:  # bounded: under a second
        await asyncio.sleep(0.05)
    await user.open(f"/t/{expired_token}")
    await user.should_see("This link has expired")

    revoked, revoked_token = links().create(task_id, "erin", created_by="local")
    assert links().revoke(revoked.id)
    await user.open(f"/t/{revoked_token}")
    await user.should_see("This link was withdrawn")

    _, token = links().create(task_id, "fay", created_by="local")
    link_id, expires, signature = token.split(".")
    longer = f"{link_id}.{int(expires) + 86400}.{signature}"
    for forged in (longer, f"{link_id}.{expires}.{signature[:-2]}xx", "nonsense"):
        await user.open(f"/t/{forged}")
        await user.should_see("This link does not work")
    assert engine().tasks.get(task_id)["status"] == "open"


def test_a_link_needs_a_recipient_and_a_sane_validity(tmp_path: Path) -> None:
    folder = DataFolder.resolve(tmp_path / "home")
    db = AuthDb(folder.db_path)
    made = TaskLinks(db, load_key(folder.root))
    with pytest.raises(LinkError, match="recipient"):
        made.create("t1", "two words", created_by="local")
    with pytest.raises(LinkError, match="90 days"):
        made.create("t1", "gus", created_by="local", valid_s=365 * 86400)
    assert made.of_task("t1") == []
    db.close()


async def test_the_task_page_makes_a_link_to_copy(user: User) -> None:
    await user.open("/workflows")
    task = await open_task()
    await user.open(f"/tasks/{task['id']}")
    user.find(marker="copy-link").click()
    user.find(marker="link-recipient").type("hal@example.com")
    user.find(marker="create-link").click()
    await user.should_see("hal@example.com · open")
    (made,) = links().of_task(str(task["id"]))
    assert (made.recipient, made.created_by) == ("hal@example.com", "local")
    (url,) = user.find(marker="link-url").elements
    assert f"/t/{made.id}." in str(url.value)
    user.find(marker=f"revoke-{made.id}").click()
    await user.should_see("hal@example.com · revoked")
