"""Opening the SQLite file: private, checked, WAL mode, one writer, a busy timeout, foreign keys.

A new database is made under a temporary name and renamed into place once it has a header, so
`ren.sqlite` is never an empty file Ren made: an empty one was damaged. An existing one is
checked before anything is written (see app.store.integrity). SQLite errors that are about the
environment (disk full, read-only, damaged file) become `DataFolderError`s whose message says
what happened and what to do.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Literal, NoReturn

from app.store.errors import DatabaseCorrupt, DataFolderError, DiskFull
from app.store.integrity import check_at_start

Synchronous = Literal["OFF", "NORMAL", "FULL"]

BUSY_TIMEOUT_MS = 5000
FILE_MODE = 0o600  # SQLite gives the -wal and -shm files the database file's mode

# SQLite's primary result codes (https://sqlite.org/rescode.html)
_PERM, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 8, 10, 11, 13, 14, 26


def connect(path: Path, synchronous: Synchronous = "NORMAL") -> sqlite3.Connection:
    """The writer connection. Transactions are explicit (`BEGIN IMMEDIATE` … `COMMIT`).

    WAL with synchronous=NORMAL survives a crash of the process (a committed step is never
    lost); FULL also survives a power cut, at the price of an fsync per commit.
    """
    if not path.exists():
        _create(path)
    check_at_start(path)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as err:
        raise environment_error(err, path) or err from None
    return conn


def _create(path: Path) -> None:
    """A new, empty database (a header and no tables) with mode 0600, atomically in place."""
    temp = path.with_name(path.name + ".new")
    for leftover in (temp, temp.with_name(temp.name + "-wal"), temp.with_name(temp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(temp, isolation_level=None)
        try:
            temp.chmod(FILE_MODE)  # before the first write, so no file is ever readable by others
            conn.execute("PRAGMA journal_mode=WAL")  # writes the header
        finally:
            conn.close()
        temp.replace(path)
    except (OSError, sqlite3.Error) as err:
        temp.unlink(missing_ok=True)
        reason = err.strerror if isinstance(err, OSError) else str(err)
        raise DataFolderError(f"cannot create the database {path}: {reason}") from None


def environment_error(err: BaseException, path: Path) -> DataFolderError | None:
    """The clear error for a SQLite failure that is about the disk or the file, else None."""
    if not isinstance(err, sqlite3.Error):
        return None
    code = getattr(err, "sqlite_errorcode", 0) & 0xFF
    folder = path.parent
    if code == _FULL:
        return DiskFull(folder)
    if code in (_READONLY, _PERM, _CANTOPEN):
        return DataFolderError(
            f"cannot write to the database {path} ({err}): check that the data folder and "
            "its files are yours and writable, or choose another folder with --home"
        )
    if code in (_CORRUPT, _NOTADB):
        return DatabaseCorrupt(path, str(err))
    if code == _IOERR:
        return DataFolderError(f"the disk failed while Ren used {path}: {err}")
    return None


def abort(conn: sqlite3.Connection, err: BaseException, path: Path) -> NoReturn:
    """End a failed transaction and raise: the clear error when the failure is the disk's.

    After some errors (disk full among them) SQLite has already rolled the transaction back;
    a second ROLLBACK would hide the cause behind "cannot rollback - no transaction is active".
    """
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # the first error is the one to tell
            conn.execute("ROLLBACK")
    clear = environment_error(err, path)
    if clear is not None:
        raise clear from None
    raise err
