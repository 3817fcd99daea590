"""Storage increments are exactly-once under kill -9: a real engine process is killed at
many points of a counting run, restarted, and the counters always equal the increments that
completed (the write commits with its step), ending at exactly one count per increment."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.nodes.storage_crash_worker import CHAIN, ITEMS
from tests.ren_cli import ended_well, kill_9, start_script

WORKER = Path(__file__).with_name("storage_crash_worker.py")


def spawn(mode: str, home: Path) -> subprocess.Popen[str]:
    """The worker, to `start` the run or `resume` it, on the data folder `home`."""
    return start_script(WORKER, mode, str(home))


def snapshot(home: Path) -> tuple[dict[str, int], dict[str, int]]:
    """In one read transaction: the counters, and the succeeded increment steps of each."""
    conn = sqlite3.connect(home / "ren.sqlite", isolation_level=None)
    try:
        conn.execute("BEGIN")
        counters = {k: int(v) for k, v in conn.execute("SELECT key, value FROM kv")}
        steps = conn.execute(
            "SELECT count(*) FILTER (WHERE node_id LIKE 'inc%'),"
            " count(*) FILTER (WHERE node_id = 'item_inc')"
            " FROM step WHERE status='succeeded'"
        ).fetchone()
        conn.execute("COMMIT")
    finally:
        conn.close()
    return counters, {"chain": steps[0], "loop": steps[1]}


def counted(home: Path) -> int:
    if not (home / "ren.sqlite").exists():
        return 0
    try:
        counters, _ = snapshot(home)
    except sqlite3.OperationalError:  # the tables are not there yet
        return 0
    return sum(counters.values())


def wait_until_counted(home: Path, at_least: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while counted(home) < at_least:
        if time.time() > deadline:
            raise AssertionError("the worker did not get far enough in time")
        time.sleep(0.005)


def assert_counts_match_completed_steps(home: Path) -> None:
    counters, steps = snapshot(home)
    assert counters.get("chain", 0) == steps["chain"]
    assert counters.get("loop", 0) == steps["loop"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_increments_are_exactly_once_under_kill_9(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    home = tmp_path / "home"
    worker = spawn("start", home)
    total = CHAIN + ITEMS
    # kill at rising points: early in the chain, mid chain, in the loop, late in the loop
    for target in sorted(rng.sample(range(1, total - 10), 4)):
        wait_until_counted(home, target)
        time.sleep(rng.uniform(0.0, 0.03))  # land anywhere: in a nap, an increment, a commit
        kill_9(worker)
        assert_counts_match_completed_steps(home)
        worker = spawn("resume", home)
    ended_well(worker)

    with sqlite3.connect(home / "ren.sqlite") as conn:
        (status,) = conn.execute("SELECT status FROM run").fetchone()
        twice = conn.execute(
            "SELECT node_key FROM step WHERE status='succeeded' GROUP BY node_key"
            " HAVING count(*) > 1"
        ).fetchall()
    assert status == "succeeded"
    assert twice == []
    counters, steps = snapshot(home)
    assert counters == {"chain": CHAIN, "loop": ITEMS}
    assert steps == {"chain": CHAIN, "loop": ITEMS}
