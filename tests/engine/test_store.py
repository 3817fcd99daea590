"""The store: migrations build exactly the SQLModel schema; batches are all or nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from app.store import schema  # noqa: F401 - registers the tables
from app.store.migrations import apply_migration, available_migrations, migrate, schema_version
from app.store.store import Store
from app.store.writes import INSERT_WORKFLOW, Batch


def columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: {r[1] for r in conn.execute(f"PRAGMA table_info('{t}')")} for t in tables}


def test_migrations_build_the_declared_schema(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    assert migrate(conn) == available_migrations()[-1].version
    declared = {t.name: {c.name for c in t.columns} for t in SQLModel.metadata.sorted_tables}
    assert columns(conn) == declared


def test_upgrade_keeps_a_backup_and_data(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    first = available_migrations()[0]
    apply_migration(conn, first)
    conn.execute(INSERT_WORKFLOW, ("w", "W", "{}", None, 0.0, 0.0))
    migrate(conn, db)
    assert schema_version(conn) == available_migrations()[-1].version
    assert (tmp_path / f"db.sqlite.v{first.version}.bak").exists()
    assert conn.execute("SELECT name FROM workflow").fetchone() == ("W",)


def test_a_failing_batch_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    batch = Batch()
    batch.add(INSERT_WORKFLOW, "w1", "One", "{}", None, 0.0, 0.0)
    batch.add(INSERT_WORKFLOW, "w1", "Duplicate id", "{}", None, 0.0, 0.0)
    with pytest.raises(sqlite3.IntegrityError):
        store.write(batch)
    with store.session() as session:
        from app.store.reads import list_workflows

        assert list_workflows(session) == []
    store.close()
