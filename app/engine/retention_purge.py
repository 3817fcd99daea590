"""Deleting many finished runs in small transactions, off the event loop.

Called on a worker thread. It opens its own connection to the database (SQLite in WAL mode
lets it and the engine's writer take turns; each transaction holds the write lock for one
batch only), so the event loop never waits on a purge. Each batch, in one transaction:
re-checks that its runs are finished and not being advanced (a retry may have started one
since they were chosen), optionally appends them to a JSON Lines export, and deletes their
rows in every table that refers to a run (found from the schema, as `run_removal` does),
and the links to its tasks.
After the commit their artifact files and run folders go; their log lines are removed at the
end of the whole purge (app.engine.retention_logs), once per purge rather than per batch.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from app.engine.run_removal import FINISHED, by_task_deletes
from app.store.db import BUSY_TIMEOUT_MS

BATCH_SIZE = 200  # runs per transaction: the engine's writer waits at most for one batch
KEEP_ROWS = frozenset({"file_seen"})  # rows that outlive their run, without its id
_JSON_COLUMNS = {"input", "output", "error", "overrides", "ports", "data"}


@dataclass
class PurgeResult:
    deleted: int = 0
    exported: int = 0
    batches: int = 0
    skipped: list[str] = field(default_factory=list)  # chosen, but no longer finished
    ids: list[str] = field(default_factory=list)
    first_event: float | None = None  # when the deleted runs' events were logged
    last_event: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "deleted": self.deleted,
            "exported": self.exported,
            "batches": self.batches,
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class PurgeFiles:
    """Where a run's files are, to delete them after its rows."""

    artifacts_root: Path
    runs_root: Path

    def remove(self, run_ids: Iterable[str]) -> None:
        from app.engine.artifacts import safe_name

        for run_id in run_ids:
            shutil.rmtree(self.artifacts_root / safe_name(run_id), ignore_errors=True)
            shutil.rmtree(self.runs_root / run_id, ignore_errors=True)


@contextmanager
def own_connection(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for this thread only, writing in explicit transactions."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        yield conn
    finally:
        conn.close()


def run_references(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of every column that refers to `run.id`: by a foreign key, or named
    `run_id` without one (notifications about a run). The audit log is not among them: it is
    append-only and outlives the runs it mentions."""
    found: list[tuple[str, str]] = []
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for (table,) in tables:
        keys = conn.execute(f"PRAGMA foreign_key_list('{table}')").fetchall()
        linked = [(table, str(key[3])) for key in keys if key[2] == "run"]
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info('{table}')")}
        if not linked and "run_id" in columns and table != "run":
            linked = [(table, "run_id")]
        found.extend(linked)
    return found


def purge_runs(
    db_path: Path,
    run_ids: Sequence[str],
    files: PurgeFiles,
    is_live: Callable[[str], bool],
    export: IO[str] | None = None,
    batch_size: int = BATCH_SIZE,
    stopping: Callable[[], bool] = lambda: False,
) -> PurgeResult:
    """Delete these runs (those still finished and not live) batch by batch; stop between
    batches once `stopping()` says so (Ren is stopping)."""
    result = PurgeResult()
    with own_connection(db_path) as conn:
        references = run_references(conn)
        for start in range(0, len(run_ids), batch_size):
            if stopping():
                break
            chunk = list(run_ids[start : start + batch_size])
            deleted = _delete_batch(conn, references, chunk, is_live, export, result)
            files.remove(deleted)
    return result


def _delete_batch(
    conn: sqlite3.Connection,
    references: list[tuple[str, str]],
    run_ids: list[str],
    is_live: Callable[[str], bool],
    export: IO[str] | None,
    result: PurgeResult,
) -> list[str]:
    marks = ",".join("?" * len(run_ids))
    finished = ",".join(f"'{s}'" for s in FINISHED)
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = conn.execute(
            f"SELECT id FROM run WHERE id IN ({marks}) AND status IN ({finished})", run_ids
        ).fetchall()
        ids = [row[0] for row in rows if not is_live(row[0])]
        result.skipped += sorted(set(run_ids) - set(ids))
        if ids:
            marks = ",".join("?" * len(ids))
            span = conn.execute(  # when their log lines were written, give or take
                f"SELECT min(at), max(at) FROM event WHERE run_id IN ({marks})", ids
            ).fetchone()
            if export is not None:
                result.exported += _export(conn, ids, export)
            conn.execute("PRAGMA defer_foreign_keys=ON")  # children and runs in any order
            for statement in by_task_deletes(marks):  # task links, before their tasks
                conn.execute(statement, ids)
            for table, column in references:
                # a file trigger's record of what it saw stays (else the file would start a
                # run again); it just no longer names the run
                verb = (
                    f'UPDATE "{table}" SET "{column}"=NULL'
                    if table in KEEP_ROWS
                    else f'DELETE FROM "{table}"'
                )
                conn.execute(f'{verb} WHERE "{column}" IN ({marks})', ids)
            conn.execute(f"DELETE FROM run WHERE id IN ({marks})", ids)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    result.deleted += len(ids)
    result.batches += 1
    result.ids += ids
    if ids and span[0] is not None:
        result.first_event = min(span[0], result.first_event or span[0])
        result.last_event = max(span[1], result.last_event or 0.0)
    return ids


def _export(conn: sqlite3.Connection, ids: list[str], out: IO[str]) -> int:
    """Append one line per run: {"run": …, "steps": […], "events": […]}; flushed to disk
    before the rows are deleted, so an export that fails deletes nothing."""
    marks = ",".join("?" * len(ids))
    runs = _rows(conn, f"SELECT * FROM run WHERE id IN ({marks}) ORDER BY created_at, id", ids)
    steps = _grouped(conn, f"SELECT * FROM step WHERE run_id IN ({marks}) ORDER BY id", ids)
    events = _grouped(conn, f"SELECT * FROM event WHERE run_id IN ({marks}) ORDER BY seq", ids)
    for run in runs:
        line = {"run": run, "steps": steps.get(run["id"], []), "events": events.get(run["id"], [])}
        out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()
    os.fsync(out.fileno())
    return len(runs)


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    found = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        for name in _JSON_COLUMNS & row.keys():
            if isinstance(row[name], str):
                row[name] = json.loads(row[name])
        found.append(row)
    return found


def _grouped(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any]
) -> dict[str, list[dict[str, Any]]]:
    by_run: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(conn, sql, params):
        by_run.setdefault(row["run_id"], []).append(row)
    return by_run
