"""Form links: a signed address that opens one workflow's form for anyone who has it.

    /f/<link id>.<signature>

A Form trigger with access "anyone with the link" is filled in through such a link when Ren
serves the network (its plain address, /forms/<workflow>, needs a login there). The signature
is an HMAC-SHA256 with the data folder's link key (app.auth.links.load_key) of the link id, the
workflow, the form's path and the expiry, so nobody can forge one or point it at another form.
Unlike a task link it works for many answers; its row (form_links, migration 18) makes it
revocable and, if given, expiring. A link opens its form only while the form's access is
"anyone with the link": switching the form back to "people signed in" closes every link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from app.auth.db import AuthDb
from app.auth.links import EXPIRED, MAX_VALID_S, REVOKED, UNKNOWN, b64url, load_key

MAX_LABEL = 200


class FormLinkError(ValueError):
    """A link that cannot be made (a bad label or validity); the message says why."""


@dataclass(frozen=True)
class FormLink:
    id: str
    workflow_id: str
    path: str
    label: str
    created_by: str
    created_at: float
    expires_at: float | None
    revoked_at: float | None

    @property
    def started_by(self) -> str:
        """Who a run started through the link is recorded as (the audit's `who`)."""
        return f"form-link:{self.label}"

    def state(self, now: float) -> str:
        if self.revoked_at is not None:
            return REVOKED
        if self.expires_at is not None and now >= self.expires_at:
            return EXPIRED
        return "open"


@dataclass(frozen=True)
class FormLinkCheck:
    link: FormLink | None
    problem: str | None  # None: the link opens its form


class FormLinks:
    def __init__(self, db: AuthDb, key: bytes) -> None:
        self.db = db
        self.key = key

    def _sign(self, link_id: str, workflow_id: str, path: str, expires: int) -> str:
        message = f"form.{link_id}.{workflow_id}.{path}.{expires}".encode()
        return b64url(hmac.new(self.key, message, hashlib.sha256).digest())

    def create(
        self,
        workflow_id: str,
        path: str,
        label: str,
        created_by: str,
        valid_s: float | None = None,
    ) -> tuple[FormLink, str]:
        """A new link to the form at /forms/<workflow_id>/<path>, named `label` (who it is
        for, e.g. "newsletter"); valid until revoked, or for `valid_s` seconds. Returns its
        record and its token (the part after /f/)."""
        label = label.strip()
        if not label or len(label) > MAX_LABEL:
            raise FormLinkError(f"the link's name must be 1 to {MAX_LABEL} characters")
        if valid_s is not None and not 0 < valid_s <= MAX_VALID_S:
            raise FormLinkError("a link is valid for more than 0 seconds and at most 90 days")
        now = time.time()
        expires = int(now + valid_s) if valid_s is not None else None
        link_id = secrets.token_hex(8)
        link = FormLink(link_id, workflow_id, path, label, created_by, now, expires, None)
        self.db.execute(
            "INSERT INTO form_links (id, workflow_id, path, label, created_by, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (link_id, workflow_id, path, label, created_by, now, expires),
        )
        return link, self.token_of(link)

    def token_of(self, link: FormLink) -> str:
        """The part of the link's address after /f/ (the same each time it is asked for)."""
        expires = int(link.expires_at or 0)
        return f"{link.id}.{self._sign(link.id, link.workflow_id, link.path, expires)}"

    def get(self, link_id: str) -> FormLink | None:
        row = self.db.row("SELECT * FROM form_links WHERE id = ?", (link_id,))
        return FormLink(**row) if row else None

    def of_form(self, workflow_id: str, path: str) -> list[FormLink]:
        rows = self.db.rows(
            "SELECT * FROM form_links WHERE workflow_id = ? AND path = ? ORDER BY created_at",
            (workflow_id, path),
        )
        return [FormLink(**r) for r in rows]

    def check(self, token: str) -> FormLinkCheck:
        """Whether a token opens its form now (the form's own access aside), and if not, why."""
        link_id, dot, signature = token.partition(".")
        link = self.get(link_id) if dot else None
        if link is None:
            return FormLinkCheck(None, UNKNOWN)
        expected = self._sign(link.id, link.workflow_id, link.path, int(link.expires_at or 0))
        if not hmac.compare_digest(signature, expected):
            return FormLinkCheck(None, UNKNOWN)
        state = link.state(time.time())
        return FormLinkCheck(link, None if state == "open" else state)

    def revoke(self, link_id: str) -> bool:
        return bool(
            self.db.execute(
                "UPDATE form_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), link_id),
            )
        )


def folder_form_links(root: Path, db_path: Path) -> FormLinks:
    """The form links of the data folder served by this process (its engine has it open)."""
    from app.auth.audit_reader import reader_for

    return FormLinks(reader_for(db_path), load_key(root))
