"""Task links: a signed address that opens one task's form for someone without an account.

    /t/<link id>.<expires>.<signature>

The signature is an HMAC-SHA256, with a key kept in the data folder (task-link.key, 0600), of
the link id, its task and its expiry: nobody can forge a link or stretch one. The link's row
(app.store migration 14, task_links) makes it single use and revocable; the answer records
who it was sent to (completed_by "link:<recipient>").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.auth.db import AuthDb

KEY_FILE = "task-link.key"
DEFAULT_VALID_S = 7 * 24 * 3600.0
MAX_VALID_S = 90 * 24 * 3600.0
MAX_RECIPIENT = 200

# Why a link does not open its form (the page says so in plain words).
USED, EXPIRED, REVOKED, UNKNOWN = "used", "expired", "revoked", "unknown"


class LinkError(ValueError):
    """A link that cannot be made (a bad recipient or validity); the message says why."""


@dataclass(frozen=True)
class TaskLink:
    id: str
    task_id: str
    recipient: str
    created_by: str
    created_at: float
    expires_at: float
    used_at: float | None
    revoked_at: float | None

    @property
    def completed_by(self) -> str:
        return f"link:{self.recipient}"


@dataclass(frozen=True)
class LinkCheck:
    link: TaskLink | None
    problem: str | None  # None: the link opens its form


def load_key(root: Path) -> bytes:
    """The data folder's link key, made (32 random bytes, mode 0600) on first use."""
    path = root / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes()
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    if sys.platform != "win32":
        os.chmod(path, 0o600)
    return key


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TaskLinks:
    def __init__(self, db: AuthDb, key: bytes) -> None:
        self.db = db
        self.key = key

    def _sign(self, link_id: str, task_id: str, expires: int) -> str:
        message = f"{link_id}.{task_id}.{expires}".encode()
        return b64url(hmac.new(self.key, message, hashlib.sha256).digest())

    def create(
        self, task_id: str, recipient: str, created_by: str, valid_s: float = DEFAULT_VALID_S
    ) -> tuple[TaskLink, str]:
        """A new link for the task; returns its record and its token (the part after /t/)."""
        recipient = recipient.strip()
        if not recipient or len(recipient) > MAX_RECIPIENT or any(c.isspace() for c in recipient):
            raise LinkError(
                f"the recipient must be a name or an e-mail address of 1 to {MAX_RECIPIENT} "
                "characters without spaces"
            )
        if not 0 < valid_s <= MAX_VALID_S:
            raise LinkError("a link is valid for more than 0 seconds and at most 90 days")
        now = time.time()
        expires = int(now + valid_s)
        link_id = secrets.token_hex(8)
        link = TaskLink(link_id, task_id, recipient, created_by, now, expires, None, None)
        self.db.execute(
            "INSERT INTO task_links (id, task_id, recipient, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (link.id, task_id, recipient, created_by, now, expires),
        )
        return link, f"{link.id}.{expires}.{self._sign(link.id, task_id, expires)}"

    def get(self, link_id: str) -> TaskLink | None:
        row = self.db.row("SELECT * FROM task_links WHERE id = ?", (link_id,))
        return TaskLink(**row) if row else None

    def of_task(self, task_id: str) -> list[TaskLink]:
        rows = self.db.rows(
            "SELECT * FROM task_links WHERE task_id = ? ORDER BY created_at", (task_id,)
        )
        return [TaskLink(**r) for r in rows]

    def check(self, token: str) -> LinkCheck:
        """Whether a token opens its task's form now, and if not, why."""
        parts = token.split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            return LinkCheck(None, UNKNOWN)
        link_id, expires, signature = parts
        link = self.get(link_id)
        if link is None or int(link.expires_at) != int(expires):
            return LinkCheck(None, UNKNOWN)
        if not hmac.compare_digest(signature, self._sign(link_id, link.task_id, int(expires))):
            return LinkCheck(None, UNKNOWN)
        if link.revoked_at is not None:
            return LinkCheck(link, REVOKED)
        if link.used_at is not None:
            return LinkCheck(link, USED)
        if time.time() >= link.expires_at:
            return LinkCheck(link, EXPIRED)
        return LinkCheck(link, None)

    def claim(self, link_id: str) -> bool:
        """Mark the link used; False when it was used, revoked or expired meanwhile."""
        now = time.time()
        return bool(
            self.db.execute(
                "UPDATE task_links SET used_at = ? WHERE id = ? AND used_at IS NULL "
                "AND revoked_at IS NULL AND expires_at > ?",
                (now, link_id, now),
            )
        )

    def check_state(self, link_id: str) -> str:
        """Why a link no longer works: revoked, used or expired."""
        link = self.get(link_id)
        if link is None or link.revoked_at is not None:
            return REVOKED
        return USED if link.used_at is not None else EXPIRED

    def release(self, link_id: str) -> None:
        """Undo a claim whose answer was refused (a wrong field): the link still works."""
        self.db.execute("UPDATE task_links SET used_at = NULL WHERE id = ?", (link_id,))

    def revoke(self, link_id: str) -> bool:
        return bool(
            self.db.execute(
                "UPDATE task_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), link_id),
            )
        )


def folder_links(root: Path, db_path: Path) -> TaskLinks:
    """The task links of the data folder served by this process (its engine has it open)."""
    from app.auth.audit_reader import reader_for

    return TaskLinks(reader_for(db_path), load_key(root))


def emailed_link(root: Path, db_path: Path, task_id: str, recipient: str, base: str) -> str:
    """A new link to the task for an e-mail to `recipient`; its full address on `base`."""
    _, token = folder_links(root, db_path).create(task_id, recipient, created_by="reminder")
    return f"{base.rstrip('/')}/t/{token}"
