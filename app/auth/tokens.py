"""Personal API tokens: `Authorization: Bearer ren_…`, shown once, stored as a hash, revocable.

A token acts as its owner with the owner's role; a revoked token (or a removed owner) fails on
the very next request, because every request looks the token up.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from app.auth.accounts import AccountError, Accounts
from app.auth.db import AuthDb
from app.auth.principal import VIA_TOKEN, Principal
from app.auth.secrets import digest, new_secret

TOKEN_PREFIX = "ren_"
LAST_USED_EVERY_S = 60.0  # how often a token's "last used" time is written, at most


@dataclass(frozen=True)
class TokenInfo:
    id: str
    user_name: str
    label: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None


class Tokens:
    def __init__(self, db: AuthDb, accounts: Accounts) -> None:
        self.db = db
        self.accounts = accounts

    def create(self, user_name: str, label: str = "") -> tuple[TokenInfo, str]:
        """A new token for `user_name`: its record and the secret (shown once, never stored)."""
        if self.accounts.get(user_name) is None:
            raise AccountError(f"there is no user {user_name!r} (see `ren users list`)")
        secret = new_secret(TOKEN_PREFIX)
        token_id = "tok_" + secrets.token_hex(4)
        now = time.time()
        self.db.execute(
            "INSERT INTO api_tokens (id, user_name, label, token_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (token_id, user_name, label, digest(secret), now),
        )
        return TokenInfo(token_id, user_name, label, now, None, None), secret

    def list(self, user_name: str | None = None) -> list[TokenInfo]:
        sql = "SELECT id, user_name, label, created_at, last_used_at, revoked_at FROM api_tokens"
        params: tuple[str, ...] = ()
        if user_name is not None:
            sql += " WHERE user_name = ?"
            params = (user_name,)
        return [TokenInfo(**row) for row in self.db.rows(sql + " ORDER BY created_at", params)]

    def revoke(self, token_id: str) -> None:
        changed = self.db.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (time.time(), token_id),
        )
        if not changed:
            known = self.db.row("SELECT revoked_at FROM api_tokens WHERE id = ?", (token_id,))
            if known is None:
                raise AccountError(f"there is no token {token_id!r} (see `ren tokens list`)")
            raise AccountError(f"token {token_id!r} is already revoked")

    def principal_for(self, secret: str) -> Principal | None:
        """Who a bearer token acts for, or None (unknown, revoked, or its owner removed)."""
        if not secret.startswith(TOKEN_PREFIX):
            return None
        row = self.db.row(
            "SELECT id, user_name, last_used_at FROM api_tokens "
            "WHERE token_hash = ? AND revoked_at IS NULL",
            (digest(secret),),
        )
        if row is None:
            return None
        user = self.accounts.get(row["user_name"])
        if user is None:
            return None
        now = time.time()
        if row["last_used_at"] is None or now - row["last_used_at"] > LAST_USED_EVERY_S:
            self.db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, row["id"]))
        return user.principal(VIA_TOKEN)
