"""The audit log, written by the engine's own service methods on a real engine and database:
who published, started, paused, resumed, canceled and completed a task with which values."""

from __future__ import annotations

from pathlib import Path

from app.auth import audit
from app.auth.audit import acting, read_entries
from app.auth.db import AuthDb
from app.credentials.vault import folder_vault
from app.engine.service import Engine
from tests.auth.lan_server import approval


def entries(home: Path, **filters: str) -> list[audit.AuditEntry]:
    db = AuthDb(home / "ren.sqlite", in_server=True)  # the engine has it open
    try:
        return read_entries(db, **filters)  # type: ignore[arg-type]
    finally:
        db.close()


async def test_each_action_is_recorded_once_with_who_did_it(engine: Engine, home: Path) -> None:
    with acting("erin"):
        engine.import_workflow(approval("ann", "approve"))
        run_id = await engine.start_run("approve", {})
    await engine.wait(run_id)
    (task,) = engine.tasks.open_tasks(run_id=run_id)
    with acting("olga"):
        assert await engine.control.pause(run_id) == "paused"
        assert await engine.control.resume(run_id) == "running"
    await engine.wait(run_id)
    engine.tasks.complete(task["id"], "submit", {}, by="ann")
    assert (await engine.wait(run_id, timeout=30)).status == "succeeded"

    found = [(e.who, e.what, e.target) for e in reversed(entries(home))]
    assert found == [
        ("erin", "published", "approve"),
        ("erin", "started", run_id),
        ("olga", "paused", run_id),
        ("olga", "resumed", run_id),
        ("ann", "task completed", task["id"]),
    ]
    (done,) = entries(home, what="task completed")
    assert done.details == {"run_id": run_id, "outcome": "submit", "values": {}}
    assert [e.what for e in entries(home, who="olga")] == ["resumed", "paused"]


async def test_a_canceled_run_and_a_link_answer_are_recorded(engine: Engine, home: Path) -> None:
    engine.import_workflow(approval("bob", "approve"))
    first = await engine.start_run("approve", {})
    second = await engine.start_run("approve", {})
    await engine.wait(first)
    await engine.wait(second)
    await engine.control.cancel(first)
    (task,) = engine.tasks.open_tasks(run_id=second)
    engine.tasks.complete(task["id"], "submit", {}, by="link:bob@example.com")
    canceled = entries(home, what="canceled")
    assert [(e.who, e.target) for e in canceled] == [("local", first)]
    (answered,) = entries(home, what="task completed")
    assert answered.who == "link:bob@example.com"
    newest_first = entries(home)
    assert [e.id for e in newest_first] == sorted((e.id for e in newest_first), reverse=True)
    assert entries(home, target=first)[0].what == "canceled"


async def test_schedule_and_credential_changes_are_recorded(engine: Engine, home: Path) -> None:
    engine.import_workflow(approval("ann", "approve"))
    with acting("erin"):
        schedule = engine.schedules.add("approve", interval_s=3600)
        engine.schedules.set_enabled(schedule["id"], False)
        engine.schedules.remove(schedule["id"])
        vault = folder_vault(home)
        vault.put("crm", "api_key", {"name": "X-Key", "value": "s3cret-value"})
        vault.put("crm", "api_key", {"name": "X-Key", "value": "another-s3cret"})
        vault.remove("crm")
    changes = [(e.what, e.target, e.details.get("change")) for e in reversed(entries(home))]
    assert changes[1:] == [
        ("schedule changed", schedule["id"], "added"),
        ("schedule changed", schedule["id"], "disabled"),
        ("schedule changed", schedule["id"], "removed"),
        ("credential changed", "crm", "added"),
        ("credential changed", "crm", "replaced"),
        ("credential changed", "crm", "removed"),
    ]
    assert all(e.who == "erin" for e in entries(home, what="credential changed"))
    log_text = repr([e.details for e in entries(home)])
    assert "s3cret" not in log_text  # a credential's values never reach the log
