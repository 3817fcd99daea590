"""Kill a real engine process with SIGKILL mid-run, restart it, and check what ran again."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest

from tests.ren_cli import ended_well, kill_9, start_script

WORKER = Path(__file__).with_name("crash_worker.py")


def spawn(mode: str, home: Path) -> subprocess.Popen[str]:
    """The worker, to `start` the run or `resume` it, on the data folder `home`."""
    return start_script(WORKER, mode, str(home))


def calls(home: Path) -> list[tuple[str, str]]:
    path = home.parent / "calls.log"
    if not path.exists():
        return []
    return [tuple(line.split()) for line in path.read_text().splitlines() if line]  # type: ignore[misc]


def committed_keys(home: Path) -> set[str]:
    with sqlite3.connect(home / "ren.sqlite") as conn:
        return {r[0] for r in conn.execute("SELECT node_key FROM step WHERE status='succeeded'")}


def wait_for_calls(home: Path, predicate: object, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate(calls(home)):  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError("the worker did not get far enough in time")


@pytest.mark.slow
@pytest.mark.parametrize("kill_when", ["chain", "foreach"])
def test_sigkill_mid_run_then_restart_finishes_without_rerunning_committed_steps(
    tmp_path: Path, kill_when: str
) -> None:
    home = tmp_path / "home"
    worker = spawn("start", home)
    if kill_when == "chain":
        wait_for_calls(home, lambda c: len(c) >= 12)
    else:
        wait_for_calls(home, lambda c: sum(1 for k, _ in c if k.startswith("item[")) >= 700)
    kill_9(worker)
    before = calls(home)
    done_before = committed_keys(home)

    restarted = spawn("resume", home)
    ended_well(restarted)

    with sqlite3.connect(home / "ren.sqlite") as conn:
        (status,) = conn.execute("SELECT status FROM run").fetchone()
        (count,) = conn.execute("SELECT json_extract(output, '$.count') FROM run").fetchone()
    assert status == "succeeded"
    assert count == 2000

    after = calls(home)[len(before) :]
    rerun = {key for key, _ in after}
    assert not (rerun & done_before), "a committed step ran again"
    keys_by_step: dict[str, set[str]] = defaultdict(set)
    for node_key, idem in calls(home):
        keys_by_step[node_key].add(idem)
    assert all(len(ids) == 1 for ids in keys_by_step.values()), "a re-run used another key"
    expected = {f"c{i}" for i in range(30)} | {f"item[{i}]" for i in range(2000)}
    assert set(keys_by_step) == expected
    # only steps in flight at the kill (not committed) ran twice: at most one batch of items
    twice = {k for k, n in _counts(calls(home)).items() if n > 1}
    assert twice <= (expected - done_before)
    assert len(twice) <= 2000 // 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_at_random_points_many_times(tmp_path: Path, seed: int) -> None:
    """Three kills at random moments (chain, foreach, or the timer wait), then a clean finish."""
    rng = random.Random(seed)
    home = tmp_path / "home"
    worker = spawn("start", home)
    wait_for_calls(home, lambda c: len(c) >= 1)  # the run exists
    for _ in range(3):
        time.sleep(rng.uniform(0.0, 1.2))
        kill_9(worker)
        worker = spawn("resume", home)
    ended_well(worker)
    with sqlite3.connect(home / "ren.sqlite") as conn:
        (status,) = conn.execute("SELECT status FROM run").fetchone()
        steps = conn.execute(
            "SELECT node_key, count(*) FROM step WHERE status='succeeded' GROUP BY node_key"
        ).fetchall()
    assert status == "succeeded"
    assert all(n == 1 for _, n in steps), "a step was recorded as done twice"
    keys_by_step: dict[str, set[str]] = defaultdict(set)
    for node_key, idem in calls(home):
        keys_by_step[node_key].add(idem)
    assert len(keys_by_step) == 30 + 2000
    assert all(len(ids) == 1 for ids in keys_by_step.values())


def _counts(entries: list[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for key, _ in entries:
        counts[key] += 1
    return counts
