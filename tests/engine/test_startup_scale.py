"""Start-up over many waiting runs: the recovery query costs one index lookup per run.

Cost is counted in SQLite virtual-machine steps (no timings): linear work grows 4x when the
runs grow 4x; the query it replaces scanned every open wait once per run (16x).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.engine.service import Engine
from app.store.runs import RESUME_SQL


def fill(db: Path, waiting: int) -> None:
    """`waiting` runs waiting on an open task, one run left running, one whose wait resolved."""
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO run (id, workflow_id, version_id, status, created_at, updated_at)"
            " VALUES (?, 'wf', 'v', ?, ?, 0)",
            [(f"r{i}", "waiting", i) for i in range(waiting)]
            + [("busy", "running", waiting), ("woken", "waiting", waiting + 1)],
        )
        conn.executemany(
            "INSERT INTO wait (id, run_id, node_key, node_id, kind, status, created_at)"
            " VALUES (?, ?, 'ask', 'ask', 'task', ?, 0)",
            [(f"w{i}", f"r{i}", "open") for i in range(waiting)] + [("ww", "woken", "done")],
        )
    conn.close()


def vm_steps(db: Path) -> tuple[list[str], int]:
    conn = sqlite3.connect(db)
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn.set_progress_handler(count, 100)
    found = [row[0] for row in conn.execute(RESUME_SQL)]
    conn.close()
    return found, steps


async def make_db(folder: Path) -> Path:
    engine = Engine(folder)
    await engine.start(recover=False)
    await engine.stop()
    return folder / "ren.sqlite"


async def test_recovery_query_is_linear_in_waiting_runs(tmp_path: Path) -> None:
    small, big = await make_db(tmp_path / "small"), await make_db(tmp_path / "big")
    fill(small, 1000)
    fill(big, 4000)
    (found_small, cost_small), (found_big, cost_big) = vm_steps(small), vm_steps(big)
    assert found_small == found_big == ["busy", "woken"]
    assert cost_big < 6 * cost_small  # quadratic work would be about 16x


async def test_recovery_query_looks_waits_up_by_run(tmp_path: Path) -> None:
    conn = sqlite3.connect(await make_db(tmp_path))
    plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + RESUME_SQL))
    conn.close()
    assert "ix_wait_run_status (run_id=? AND status=?)" in plan
