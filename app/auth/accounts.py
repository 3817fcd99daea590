"""Accounts: people with a name, a role, groups and an argon2id password hash.

Names are short and plain (they appear in task assignees and the audit log); a group is
named like a person and a task assigned to "group:NAME" (or NAME) is for its members.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.auth.db import AuthDb
from app.auth.principal import ADMIN, ROLES, VIA_SESSION, Principal

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
RESERVED = frozenset({"local", "link", "system"})  # names Ren itself writes as "who"
MIN_PASSWORD = 8

# argon2id with argon2-cffi's defaults (RFC 9106's "low memory" profile: 64 MiB, 3 passes).
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")  # verify against it for unknown names


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    groups: frozenset[str]
    created_at: float

    def principal(self, via: str = VIA_SESSION) -> Principal:
        return Principal(self.name, self.role, self.groups, via)


def check_name(name: str, what: str = "user name") -> str:
    if not NAME.fullmatch(name):
        raise AccountError(
            f"{what} {name!r} is not allowed: use 1 to 64 lower-case letters, digits, '.', "
            "'_' or '-', starting with a letter or digit"
        )
    if name in RESERVED:
        raise AccountError(f"{what} {name!r} is reserved by Ren; choose another")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


class Accounts:
    def __init__(self, db: AuthDb) -> None:
        self.db = db

    # -- reading ------------------------------------------------------------------------------
    def get(self, name: str) -> User | None:
        row = self.db.row("SELECT name, role, created_at FROM users WHERE name = ?", (name,))
        if row is None:
            return None
        return User(row["name"], row["role"], self._groups(name), row["created_at"])

    def all(self) -> list[User]:
        rows = self.db.rows("SELECT name, role, created_at FROM users ORDER BY name")
        return [User(r["name"], r["role"], self._groups(r["name"]), r["created_at"]) for r in rows]

    def has_admin(self) -> bool:
        return (
            self.db.row("SELECT 1 AS one FROM users WHERE role = ? LIMIT 1", (ADMIN,)) is not None
        )

    def _groups(self, name: str) -> frozenset[str]:
        rows = self.db.rows("SELECT group_name FROM memberships WHERE user_name = ?", (name,))
        return frozenset(r["group_name"] for r in rows)

    # -- changing -----------------------------------------------------------------------------
    def add(self, name: str, password: str, role: str, groups: tuple[str, ...] = ()) -> User:
        check_name(name)
        check_role(role)
        check_password(password)
        for group in groups:
            check_name(group, "group name")
        if self.get(name) is not None:
            raise AccountError(f"there is already a user {name!r}")
        hashed = _hasher.hash(password)
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                (name, role, hashed, now),
            )
            for group in groups:
                conn.execute(
                    "INSERT OR IGNORE INTO groups (name, created_at) VALUES (?, ?)", (group, now)
                )
                conn.execute(
                    "INSERT INTO memberships (user_name, group_name) VALUES (?, ?)", (name, group)
                )
        user = self.get(name)
        assert user is not None
        return user

    def remove(self, name: str) -> None:
        """Delete an account with its sessions and tokens (their rows cascade)."""
        user = self._existing(name)
        if user.role == ADMIN and sum(u.role == ADMIN for u in self.all()) == 1:
            raise AccountError(f"{name!r} is the only admin; add another admin first")
        self.db.execute("DELETE FROM users WHERE name = ?", (name,))

    def set_password(self, name: str, password: str) -> None:
        """A new password; every session of the account ends (tokens stay)."""
        self._existing(name)
        check_password(password)
        hashed = _hasher.hash(password)
        with self.db.transaction() as conn:
            conn.execute("UPDATE users SET password_hash = ? WHERE name = ?", (hashed, name))
            conn.execute("DELETE FROM sessions WHERE user_name = ?", (name,))

    def _existing(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise AccountError(f"there is no user {name!r} (see `ren users list`)")
        return user

    # -- signing in ---------------------------------------------------------------------------
    def verify(self, name: str, password: str) -> User | None:
        """The account when the password is right, else None. Slow on purpose (argon2, tens of
        milliseconds): call it off the event loop. An unknown name costs the same time."""
        row = self.db.row("SELECT password_hash FROM users WHERE name = ?", (name,))
        try:
            _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        return self.get(name) if row else None
