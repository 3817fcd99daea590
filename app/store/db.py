"""Opening the SQLite file: WAL mode, one writer, a busy timeout, foreign keys on."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

Synchronous = Literal["OFF", "NORMAL", "FULL"]

BUSY_TIMEOUT_MS = 5000


def connect(path: Path, synchronous: Synchronous = "NORMAL") -> sqlite3.Connection:
    """The writer connection. Transactions are explicit (`BEGIN IMMEDIATE` … `COMMIT`).

    WAL with synchronous=NORMAL survives a crash of the process (a committed step is never
    lost); FULL also survives a power cut, at the price of an fsync per commit.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn
