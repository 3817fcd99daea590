"""Deleting finished runs: their rows in every table that refers to a run, then their files
(artifacts and the run's own folder).

The tables are found from the schema's foreign keys (any table with a column referencing
`run.id`), so a table added later is covered without a change here. Rows go in one
transaction with foreign keys checked at its end: all of a run goes, or nothing does.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sqlalchemy import text

from app.engine.artifacts import Artifacts
from app.store.store import Store
from app.store.writes import Batch

FINISHED = ("succeeded", "failed", "canceled")
# Rows that belong to a run only through one of its tasks, without a foreign key (task links
# are written by the accounts' own connection): (table, column naming the task).
BY_TASK = (("task_links", "task_id"),)


def by_task_deletes(marks: str) -> list[str]:
    """DELETE statements for the rows of BY_TASK whose task belongs to the runs bound to
    `marks` ("?,?,…"); run them before the tasks themselves go."""
    return [
        f'DELETE FROM "{table}" WHERE "{column}" IN (SELECT id FROM task WHERE run_id IN ({marks}))'
        for table, column in BY_TASK
    ]


class RunNotFinished(Exception):
    """Only finished runs can be deleted (cancel a run first)."""


class RemovalHost(Protocol):
    """What deleting runs needs from the engine."""

    store: Store
    artifacts: Artifacts

    def is_live(self, run_id: str) -> bool: ...

    def run_folder(self, run_id: str) -> Path: ...


def run_references(store: Store) -> list[tuple[str, str]]:
    """(table, column) of every column that refers to `run.id`."""
    found: list[tuple[str, str]] = []
    with store.session() as session:
        tables = session.execute(
            text("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ).scalars()
        for table in list(tables):
            keys = session.execute(text(f"PRAGMA foreign_key_list('{table}')")).all()
            found.extend((table, str(key[3])) for key in keys if key[2] == "run")
    return found


async def delete_runs(host: RemovalHost, run_ids: Sequence[str]) -> int:
    """Delete finished runs with everything recorded for them; returns how many were deleted.
    Raises RunNotFinished (and deletes nothing) if one of them is still going."""
    runs = [host.store.fetch_run(run_id) for run_id in dict.fromkeys(run_ids)]
    present = [run for run in runs if run is not None]
    going = [r.id for r in present if r.status not in FINISHED or host.is_live(r.id)]
    if going:
        raise RunNotFinished(
            f"run {', '.join(going)} has not finished; cancel it before deleting it"
        )
    ids = [run.id for run in present]
    if not ids:
        return 0
    batch = Batch()
    batch.add("PRAGMA defer_foreign_keys=ON")  # child rows and the run in any order
    for run_id in ids:
        for statement in by_task_deletes("?"):
            batch.add(statement, run_id)
    for table, column in run_references(host.store):
        for run_id in ids:
            batch.add(f'DELETE FROM "{table}" WHERE "{column}"=?', run_id)
    for run_id in ids:
        batch.add("DELETE FROM run WHERE id=?", run_id)
    host.store.write(batch)
    await asyncio.to_thread(_remove_files, host, ids)
    return len(ids)


def _remove_files(host: RemovalHost, run_ids: list[str]) -> None:
    host.artifacts.remove_files(run_ids)
    for run_id in run_ids:
        shutil.rmtree(host.run_folder(run_id), ignore_errors=True)
