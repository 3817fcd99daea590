"""Versioned schema migrations, tracked in SQLite's `user_version`.

Each `migrations/NNNN_name.sql` file moves the schema from version NNNN-1 to NNNN. An existing
database is copied to `<file>.v<old>.bak` before it is upgraded, and each migration runs in one
transaction, so a failed upgrade leaves the file as it was.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from app.store.db import FILE_MODE


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    found = []
    for entry in files("app.store").joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, db_path: Path | None = None) -> int:
    """Bring the schema up to date; returns the version now in force."""
    current = schema_version(conn)
    pending = [m for m in available_migrations() if m.version > current]
    if not pending:
        return current
    latest = pending[-1].version
    if current > 0 and db_path is not None:
        _backup(conn, db_path.with_name(f"{db_path.name}.v{current}.bak"))
    for migration in pending:
        apply_migration(conn, migration)
    return latest


def apply_migration(conn: sqlite3.Connection, migration: Migration) -> None:
    """Run one migration in one transaction and record its version."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _statements(migration.sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version={migration.version}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(sql: str) -> list[str]:
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def _backup(conn: sqlite3.Connection, target: Path) -> None:
    copy = sqlite3.connect(target)  # creates the file, empty
    try:
        target.chmod(FILE_MODE)  # private like the database, before anything is written
        conn.backup(copy)
    finally:
        copy.close()
