"""Notifications: the in-app list (the header's bell), desktop notifications and email.

One `Notifications` per engine (made with its `Tasks`, reached as `notifications_of(engine)`).
`notify` delivers a title and message through a channel — desktop, app or both — and, where
the desktop has no notification service, puts it in the app's list and says why. The list's
listeners (the bell) hear the unread count whenever it changes. `email` sends a plain message
with an smtp credential of the data folder (reminders to a task's assignee).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.core.ids import new_id
from app.engine.notifications_desktop import show_desktop
from app.nodes.email_message import Draft, build, parse_addresses
from app.nodes.email_smtp import EmailFailed, account_from, send_message
from app.nodes.notify import register_sink
from app.store import notifications as table
from app.store.writes import Batch

if TYPE_CHECKING:
    from app.engine.service import Engine

log = logging.getLogger(__name__)

SETTINGS_FILE = "notifications.json"  # in the data folder: the default smtp credential
KEEP = 500  # read notifications beyond the newest this many are dropped


class NotificationStore(Protocol):
    """What the list needs of the store: its writes and its reads on the writer connection."""

    def write(self, batch: Batch) -> None: ...

    def row(self, sql: str, *params: Any) -> dict[str, Any] | None: ...

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]: ...


Listener = Callable[[int], None]


class Notifications:
    def __init__(self, store: NotificationStore, root: Path) -> None:
        self.store = store
        self.root = root
        self.listeners: list[Listener] = []
        register_sink(root, self)

    # -- the in-app list --------------------------------------------------------------------

    def add(
        self,
        title: str,
        message: str,
        kind: str = "notify",
        run_id: str | None = None,
        task_id: str | None = None,
    ) -> str:
        notification_id = new_id()
        batch = Batch()
        batch.add(
            table.INSERT_NOTIFICATION,
            notification_id,
            time.time(),
            title,
            message,
            kind,
            run_id,
            task_id,
        )
        batch.add(table.DELETE_OLDEST_READ, KEEP)
        self.store.write(batch)
        self._changed()
        return notification_id

    def latest(self, limit: int = 50) -> list[dict[str, Any]]:
        return table.latest(self.store, limit)

    def unread_count(self) -> int:
        return table.unread_count(self.store)

    def mark_read(self, notification_id: str) -> None:
        batch = Batch()
        batch.add(table.MARK_READ, time.time(), notification_id)
        self.store.write(batch)
        self._changed()

    def mark_all_read(self) -> None:
        batch = Batch()
        batch.add(table.MARK_ALL_READ, time.time())
        self.store.write(batch)
        self._changed()

    def _changed(self) -> None:
        count = self.unread_count()
        for listener in list(self.listeners):
            try:
                listener(count)
            except Exception:  # a page that is gone must not stop the others
                log.debug("notification listener failed", exc_info=True)

    # -- delivery ---------------------------------------------------------------------------

    async def notify(
        self,
        title: str,
        message: str,
        channel: str,
        kind: str = "notify",
        run_id: str | None = None,
        task_id: str | None = None,
    ) -> dict[str, Any]:
        """Deliver through `channel` (desktop | app | both). A desktop notification that
        cannot be shown goes to the app's list instead; `problems` says why."""
        delivered: list[str] = []
        problems: list[str] = []
        notification_id = None
        in_app = channel in ("app", "both")
        if channel in ("desktop", "both"):
            reason = await show_desktop(title, message)
            if reason is None:
                delivered.append("desktop")
            else:
                log.warning("desktop notification '%s' not shown: %s", title, reason)
                problems.append(reason)
                in_app = True
        if in_app:
            notification_id = self.add(title, message, kind, run_id, task_id)
            delivered.append("app")
        return {"delivered": delivered, "notification_id": notification_id, "problems": problems}

    async def email(
        self, to: Sequence[str], subject: str, text: str, credential: str | None = None
    ) -> list[str]:
        """Send a plain message with the smtp credential `credential` (else the default set
        in Settings); the accepted recipients. Raises EmailFailed saying what went wrong."""
        name = credential or self.default_credential()
        if not name:
            raise EmailFailed("no smtp credential: name one on the task or set a default")
        from app.credentials.kinds import CredentialError
        from app.credentials.vault import folder_vault

        try:
            found = await asyncio.to_thread(folder_vault(self.root).get, name)  # keyring
        except CredentialError as err:
            raise EmailFailed(str(err)) from None
        if found.kind != "smtp":
            raise EmailFailed(f"credential '{name}' is a {found.kind} credential, not smtp")
        account = account_from(found)
        recipients = parse_addresses("to", list(to))
        sender = parse_addresses("from", [account.from_address or account.username])
        if not sender:
            raise EmailFailed(f"the smtp credential '{name}' has no sender address")
        draft = Draft(sender=sender[0], to=recipients, subject=subject, text=text)
        return await send_message(account, build(draft), draft.recipients())

    # -- settings ---------------------------------------------------------------------------

    def default_credential(self) -> str:
        """The smtp credential reminders use when a task names none ("" when unset)."""
        try:
            data = json.loads((self.root / SETTINGS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ""
        value = data.get("default_smtp_credential") if isinstance(data, dict) else None
        return str(value or "")

    def set_default_credential(self, name: str) -> None:
        target = self.root / SETTINGS_FILE
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps({"default_smtp_credential": name.strip()}), "utf-8")
        os.replace(temporary, target)  # whole or not at all


def notifications_of(engine: Engine) -> Notifications:
    notifications: Notifications = engine.tasks.notifications
    return notifications
