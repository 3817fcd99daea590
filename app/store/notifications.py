"""The in-app notification list: its statements and reads (table `notifications`)."""

from __future__ import annotations

from typing import Any, Protocol


class RowReader(Protocol):
    def row(self, sql: str, *params: Any) -> dict[str, Any] | None: ...

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]: ...


INSERT_NOTIFICATION = (
    "INSERT INTO notifications (id, created_at, title, message, kind, run_id, task_id, read_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, NULL)"
)
MARK_READ = "UPDATE notifications SET read_at=? WHERE id=? AND read_at IS NULL"
MARK_ALL_READ = "UPDATE notifications SET read_at=? WHERE read_at IS NULL"
DELETE_OLDEST_READ = (
    "DELETE FROM notifications WHERE read_at IS NOT NULL AND id NOT IN"
    " (SELECT id FROM notifications ORDER BY created_at DESC LIMIT ?)"
)


def latest(reader: RowReader, limit: int = 50) -> list[dict[str, Any]]:
    """The newest notifications first."""
    return reader.rows(
        "SELECT * FROM notifications ORDER BY created_at DESC, id DESC LIMIT ?", limit
    )


def unread_count(reader: RowReader) -> int:
    found = reader.row("SELECT count(*) AS n FROM notifications WHERE read_at IS NULL")
    return int(found["n"]) if found else 0


def get(reader: RowReader, notification_id: str) -> dict[str, Any] | None:
    return reader.row("SELECT * FROM notifications WHERE id=?", notification_id)
