"""The header's notification bell through NiceGUI's simulated user: the unread count follows
the list live, the menu lists the newest first, opening one marks it read and leads to its
task or run, and "Mark all read" clears the count."""

from __future__ import annotations

from typing import Any

from nicegui.testing import User

from app.engine.notifications import notifications_of
from tests.ui.people import engine, wait_for


def marked(user: User, marker: str) -> Any:
    """The page's element with `marker`, shown or hidden (`find` sees shown ones only)."""
    (element,) = [e for e in user.client.elements.values() if marker in e._markers]
    return element


async def test_the_count_follows_the_list_and_opening_one_marks_it_read(user: User) -> None:
    notifications = notifications_of(engine())
    await user.open("/runs")
    badge = marked(user, "notifications-count")
    assert badge.visible is False

    notifications.add("Backup done", "All 3 folders copied.", run_id="r-1")
    notifications.add("Approve laptop", "Still waiting.", "reminder", task_id="t-1")
    await wait_for(lambda: badge.text == "2" and badge.visible)

    user.find(marker="notifications").click()
    await user.should_see("All 3 folders copied.")
    shown = {e.props["data-notification"] for e in user.find(marker="notification").elements}
    newest, oldest = notifications.latest()
    assert shown == {newest["id"], oldest["id"]} and newest["title"] == "Approve laptop"

    user.find(marker=f"notification-{newest['id']}").click()
    await user.should_see("We couldn't find this task")  # it leads to the task's page
    assert notifications.unread_count() == 1
    assert [n["title"] for n in notifications.latest() if n["read_at"] is None] == ["Backup done"]


async def test_mark_all_read_clears_the_count(user: User) -> None:
    notifications = notifications_of(engine())
    for number in range(3):
        notifications.add(f"Report {number}", "")
    await user.open("/runs")
    badge = marked(user, "notifications-count")
    assert badge.text == "3"
    user.find(marker="notifications").click()
    await user.should_see("Report 2")
    user.find(marker="notifications-mark-all").click()
    await wait_for(lambda: not badge.visible)
    assert notifications.unread_count() == 0


async def test_an_empty_list_says_so(user: User) -> None:
    await user.open("/runs")
    user.find(marker="notifications").click()
    await user.should_see("Nothing yet.")


async def test_settings_choose_the_default_smtp_credential_for_reminders(user: User) -> None:
    from app.credentials.vault import folder_vault

    eng = engine()
    vault = folder_vault(eng.folder.root)
    vault.put("office", "smtp", {"host": "127.0.0.1", "port": 2525, "security": "none"})
    vault.put("api", "bearer", {"token": "not-for-email-123"})
    await user.open("/settings")
    await user.should_see("Default smtp credential")
    select = marked(user, "default-smtp")
    assert "office" in select.options and "api" not in select.options
    select.set_value("office")
    await wait_for(lambda: notifications_of(eng).default_credential() == "office")
