"""The accounts' own connection to the data folder's database.

`ren users …` and `ren tokens …` work whether or not Ren is running (SQLite in WAL mode lets
both write, one at a time), so accounts do not go through the engine: they open the database
themselves, bring its schema up to date and serialise their statements with a lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.store.db import BUSY_TIMEOUT_MS, connect
from app.store.migrations import migrate


class AuthDb:
    def __init__(self, db_path: Path, *, in_server: bool = False) -> None:
        """`in_server`: this process already has the database open (the engine), so open it
        plainly: no start-up check, which reads the file through another descriptor, and
        closing that descriptor would drop this process's SQLite locks (another process could
        then take the WAL away); no migration either, the engine did it."""
        self.path = db_path
        if in_server:
            self._conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA foreign_keys=ON")
        else:
            self._conn = connect(db_path)
            migrate(self._conn, db_path)
        self._lock = threading.Lock()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._conn.execute(sql, tuple(params))
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it or nothing."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement in its own transaction; returns the rows it changed."""
        with self.transaction() as conn:
            return conn.execute(sql, tuple(params)).rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()
