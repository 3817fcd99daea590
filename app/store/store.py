"""The store: one writer connection for every write, SQLModel sessions for reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import configure_mappers
from sqlmodel import Session, create_engine

from app.store.db import BUSY_TIMEOUT_MS, Synchronous, abort, connect
from app.store.kv import KvQueries
from app.store.migrations import migrate
from app.store.runs import RunQueries
from app.store.schedules import ScheduleQueries
from app.store.tasks import TaskQueries
from app.store.timers import TimerQueries
from app.store.waits import WaitQueries
from app.store.webhooks import WebhookQueries
from app.store.writes import INSERT_RUN, Batch


class Store(
    RunQueries,
    WaitQueries,
    TimerQueries,
    TaskQueries,
    ScheduleQueries,
    WebhookQueries,
    KvQueries,
):
    """The database. Writes go through one connection, in batches that commit together (the
    statements are in app.store.writes). The engine's named reads use that connection too;
    they are grouped by table in the query classes it inherits (app.store.runs, waits, timers,
    tasks, schedules, webhooks). The app's lists read through SQLModel sessions
    (app.store.reads)."""

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
        except BaseException as err:
            abort(conn, err, self.db_path)

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
        except BaseException as err:
            abort(conn, err, self.db_path)
        return created

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
        except BaseException as err:
            abort(conn, err, self.db_path)
        return True

    def write_raw(self, sql: str, *params: Any) -> None:
        """One statement in its own transaction (maintenance and tests)."""
        batch = Batch()
        batch.add(sql, *params)
        self.write(batch)

    def session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def close(self) -> None:
        self._engine.dispose()
        self._conn.close()


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
