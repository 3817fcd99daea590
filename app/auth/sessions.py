"""Login sessions: a cookie with a random id, kept as its hash, that expires when idle and
absolutely. The cookie is HttpOnly and SameSite=Strict: another site's page cannot send it."""

from __future__ import annotations

import time

from app.auth.accounts import Accounts
from app.auth.db import AuthDb
from app.auth.principal import VIA_SESSION, Principal
from app.auth.secrets import digest, new_secret

COOKIE = "ren_session"
IDLE_S = 8 * 3600.0  # a session unused this long ends
ABSOLUTE_S = 7 * 24 * 3600.0  # and every session ends this long after login
SEEN_EVERY_S = 60.0  # how often a session's "last seen" time is written, at most


class Sessions:
    def __init__(
        self, db: AuthDb, accounts: Accounts, idle_s: float = IDLE_S, absolute_s: float = ABSOLUTE_S
    ) -> None:
        self.db = db
        self.accounts = accounts
        self.idle_s = idle_s
        self.absolute_s = absolute_s

    def start(self, user_name: str) -> str:
        """A new session for the account; returns the cookie value."""
        secret = new_secret("s_")
        now = time.time()
        self.db.execute(
            "INSERT INTO sessions (id_hash, user_name, created_at, seen_at) VALUES (?, ?, ?, ?)",
            (digest(secret), user_name, now, now),
        )
        return secret

    def principal_for(self, secret: str, touch: bool = True) -> Principal | None:
        """Who a session cookie belongs to, or None (unknown, ended or expired). `touch`:
        count this as using the session (False for checks of a page already open, which
        must not keep an idle session alive)."""
        key = digest(secret)
        row = self.db.row(
            "SELECT user_name, created_at, seen_at FROM sessions WHERE id_hash = ?", (key,)
        )
        if row is None:
            return None
        now = time.time()
        if now - row["seen_at"] > self.idle_s or now - row["created_at"] > self.absolute_s:
            self.db.execute("DELETE FROM sessions WHERE id_hash = ?", (key,))
            return None
        user = self.accounts.get(row["user_name"])
        if user is None:
            return None
        if touch and now - row["seen_at"] > SEEN_EVERY_S:
            self.db.execute("UPDATE sessions SET seen_at = ? WHERE id_hash = ?", (now, key))
        return user.principal(VIA_SESSION)

    def end(self, secret: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE id_hash = ?", (digest(secret),))
