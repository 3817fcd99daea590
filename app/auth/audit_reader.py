"""Reading the audit log from the process that serves it (the API route and the Audit page).

The engine has the database open, so the log is read through a plain connection of its own
(app.auth.db, in_server), one per data folder, reused.
"""

from __future__ import annotations

import threading
from pathlib import Path

from app.auth.audit import AuditEntry, read_entries
from app.auth.db import AuthDb

_readers: dict[Path, AuthDb] = {}
_lock = threading.Lock()


def reader_for(db_path: Path) -> AuthDb:
    with _lock:
        db = _readers.get(db_path)
        if db is None:
            db = _readers[db_path] = AuthDb(db_path, in_server=True)
        return db


def entries(
    db_path: Path,
    *,
    who: str | None = None,
    what: str | None = None,
    target: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first, filtered (exact matches), paged with `before_id` (blocking: a thread)."""
    return read_entries(
        reader_for(db_path), who=who, what=what, target=target, before_id=before_id, limit=limit
    )
