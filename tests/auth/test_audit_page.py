"""The Audit page through NiceGUI's simulated user (loopback: the local admin sees it): what
the engine recorded, newest first, and the filters narrowing it."""

from __future__ import annotations

from typing import Any

from nicegui.testing import User

from app.auth.audit import acting
from tests.auth.lan_server import approval
from tests.ui.conftest import forget_pages, ren_home  # noqa: F401  (the UI tests' fixtures)
from tests.ui.people import engine


def table_rows(user: User) -> list[dict[str, Any]]:
    (table,) = user.find(marker="audit-table").elements
    return list(table.rows)


async def test_the_audit_page_lists_and_filters_what_happened(user: User) -> None:
    await user.open("/workflows")  # starts the app's engine
    with acting("erin"):
        engine().import_workflow(approval("ann", "approve"))
        run_id = await engine().start_run("approve", {})
    await engine().wait(run_id)
    await engine().control.cancel(run_id)

    await user.open("/audit")
    await user.should_see("Audit")
    rows = table_rows(user)
    assert [(r["who"], r["what"], r["target"]) for r in rows] == [
        ("local", "canceled", run_id),
        ("erin", "started", run_id),
        ("erin", "published", "approve"),
    ]
    assert '"version": 1' in rows[2]["details"]

    await user.open("/audit?who=erin&what=started")
    assert [r["target"] for r in table_rows(user)] == [run_id]
    await user.open("/audit?who=nobody")
    await user.should_see("Nothing recorded")
    await user.should_not_see("Show older")  # no older page


async def test_the_navigation_shows_audit_to_the_local_admin(user: User) -> None:
    await user.open("/workflows")
    await user.should_see("Audit")
