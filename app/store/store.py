"""The store: one writer connection for every write, SQLModel sessions for reads."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import configure_mappers
from sqlmodel import Session, create_engine

from app.store.db import BUSY_TIMEOUT_MS, Synchronous, connect
from app.store.migrations import migrate
from app.store.schema import Run
from app.store.writes import INSERT_RUN, Batch

_RUN_FIELDS = tuple(Run.model_fields)
_RUN_COLUMNS = ", ".join(_RUN_FIELDS)


class Store:
    def __init__(self, db_path: Path, synchronous: Synchronous = "NORMAL") -> None:
        self.db_path = db_path
        self.synchronous = synchronous
        self._conn = connect(db_path, synchronous)
        self.schema_version = migrate(self._conn, db_path)
        self._engine = _reader_engine(db_path)
        configure_mappers()  # rows built with model_construct need the mappers ready

    def write(self, batch: Batch) -> None:
        """Commit a batch in one transaction; on any error nothing of it is written."""
        if not batch.ops:
            return
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sql, rows in batch.grouped():
                if len(rows) == 1:
                    conn.execute(sql, rows[0])
                else:
                    conn.executemany(sql, rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def insert_run(self, params: tuple[Any, ...], batch: Batch) -> bool:
        """Insert a run and `batch` in one transaction unless its idempotency key exists.

        Returns False (and writes nothing) when a run with the same key is already there.
        """
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            created = conn.execute(INSERT_RUN, params).rowcount == 1
            if created:
                for sql, rows in batch.grouped():
                    conn.executemany(sql, rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return created

    def run_id_for_key(self, idempotency_key: str) -> str | None:
        row = self._conn.execute(
            "SELECT id FROM run WHERE idempotency_key=?", (idempotency_key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def fetch_run(self, run_id: str) -> Run | None:
        """One run, read on the writer connection: the cheap path for `Engine.wait`."""
        cursor = self._conn.execute(f"SELECT {_RUN_COLUMNS} FROM run WHERE id=?", (run_id,))
        row = cursor.fetchone()
        if row is None:
            return None
        values = dict(zip(_RUN_FIELDS, row, strict=True))
        for name in ("input", "output", "error", "overrides"):
            if values[name] is not None:
                values[name] = json.loads(values[name])
        return Run.model_construct(**values)  # trusted: our own row, no validation needed

    def run_row(self, run_id: str) -> dict[str, Any] | None:
        """The cheapest read of a run, for the engine's own bookkeeping."""
        return self.row(
            "SELECT id, workflow_id, version_id, status, input, overrides, idempotency_key,"
            " parent_run_id, output, error, started_at, created_at FROM run WHERE id=?",
            run_id,
        )

    def write_if(self, cas: tuple[str, tuple[Any, ...]], batch: Batch) -> bool:
        """Compare-and-set: run `cas`; only if it changed exactly one row, also write `batch`.

        All in one transaction: when the row was no longer in the expected state (a second
        submit, a double fire), nothing at all is written and False is returned.
        """
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute(*cas).rowcount != 1:
                conn.execute("ROLLBACK")
                return False
            for sql, rows in batch.grouped():
                conn.executemany(sql, rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return True

    def write_raw(self, sql: str, *params: Any) -> None:
        """One statement in its own transaction (maintenance and tests)."""
        batch = Batch()
        batch.add(sql, *params)
        self.write(batch)

    def row(self, sql: str, *params: Any) -> dict[str, Any] | None:
        """One row as a dict (JSON columns decoded), read on the writer connection."""
        cursor = self._conn.execute(sql, params)
        found = cursor.fetchone()
        if found is None:
            return None
        names = [d[0] for d in cursor.description]
        return {n: _decode(n, v) for n, v in zip(names, found, strict=True)}

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        cursor = self._conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [
            {n: _decode(n, v) for n, v in zip(names, found, strict=True)}
            for found in cursor.fetchall()
        ]

    def wait_row(self, wait_id: str) -> dict[str, Any] | None:
        return self.row("SELECT * FROM wait WHERE id=?", wait_id)

    def timer_ids(self, wait_id: str) -> list[str]:
        return [
            str(r[0])
            for r in self._conn.execute("SELECT id FROM timer WHERE wait_id=?", (wait_id,))
        ]

    def next_event_seq(self, run_id: str) -> int:
        found = self._conn.execute("SELECT max(seq) FROM event WHERE run_id=?", (run_id,))
        return int(found.fetchone()[0] or 0) + 1

    def runs_to_resume(self) -> list[str]:
        """Runs a previous process left in flight: running, or waiting with no open wait."""
        found = self._conn.execute(
            "SELECT id FROM run WHERE status IN ('pending', 'running') OR (status = 'waiting'"
            " AND NOT EXISTS (SELECT 1 FROM wait WHERE wait.run_id = run.id"
            " AND wait.status = 'open')) ORDER BY created_at"
        )
        return [str(r[0]) for r in found]

    def session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def close(self) -> None:
        self._engine.dispose()
        self._conn.close()


_JSON_COLUMNS = frozenset(
    {
        "input",
        "output",
        "error",
        "result",
        "form",
        "outcomes",
        "values",
        "data",
        "ports",
        "overrides",
        "definition",
        "draft",
    }
)


def _decode(name: str, value: Any) -> Any:
    if name in _JSON_COLUMNS and isinstance(value, str):
        return json.loads(value)
    return value


def _reader_engine(db_path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{db_path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
        dbapi_conn.execute("PRAGMA query_only=ON")  # readers never write

    return engine
