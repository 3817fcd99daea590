"""The waiting side of the command line, as real processes: tasks, signals, control, worker.

Half of these tests hand their commands to a running `ren worker`, the rest run commands on
their own engine, so both paths of every command are exercised.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ren_cli import REN, ROOT, ren_env, run_ren

EXPENSE = str(ROOT / "examples" / "expense_approval.json")


def ren_json(home: Path, *args: str) -> tuple[int, Any]:
    result = run_ren(home, *args, "--json")
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture(params=["own engine", "handed to a worker"])
def home(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "home"
    if request.param == "own engine":
        yield folder
        return
    worker = subprocess.Popen(
        [*REN, "worker"],
        cwd=ROOT,
        env=ren_env(folder),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 30
    info = folder / "engine.json"
    while not info.exists() or "port" not in info.read_text():
        assert time.time() < deadline, "the worker did not start"
        time.sleep(0.05)
    yield folder
    worker.terminate()
    assert worker.wait(timeout=20) == 0  # SIGTERM stops it cleanly


def test_approval_from_the_command_line(home: Path) -> None:
    code, report = ren_json(home, "run", EXPENSE, "--input", '{"who": "Ana", "amount": 120}')
    assert code == 3 and report["status"] == "waiting"
    (task,) = report["tasks"]
    assert task["title"] == "Expense of 120 EUR for Ana"
    assert [f["name"] for f in task["fields"]] == ["comment", "budget_code"]
    code, tasks = ren_json(home, "tasks")
    assert code == 0 and [t["id"] for t in tasks] == [task["id"]]

    wrong = run_ren(
        home, "complete", task["id"], "--outcome", "approve", "--values", '{"budget_code": "FOOD"}'
    )
    assert wrong.returncode == 2
    assert "budget_code: Choose one of: TRAVEL, TRAINING, EQUIPMENT" in wrong.stderr

    code, done = ren_json(
        home,
        "complete",
        task["id"],
        "--outcome",
        "approve",
        "--values",
        '{"budget_code": "TRAVEL"}',
        "--as",
        "maria",
    )
    assert code == 0 and done["status"] == "succeeded"
    assert done["output"]["status"] == "paid" and done["output"]["code"] == "TRAVEL"
    again = run_ren(home, "complete", task["id"], "--outcome", "reject", "--values", "{}")
    assert again.returncode == 4 and "already completed" in again.stderr
    code, shown = ren_json(home, "show", report["run_id"])
    assert code == 0 and {s["node_id"]: s["status"] for s in shown["steps"]}["refused"] == "skipped"


def test_pause_resume_cancel_and_runs(home: Path) -> None:
    _, first = ren_json(home, "run", EXPENSE, "--input", '{"who": "Bo", "amount": 5}')
    run_id = first["run_id"]
    code, paused = ren_json(home, "pause", run_id)
    assert code == 0 and paused["status"] == "paused"
    code, resumed = ren_json(home, "resume", run_id)
    assert code == 3 and resumed["status"] == "waiting"
    code, canceled = ren_json(home, "cancel", run_id)
    assert code == 0 and canceled["status"] == "canceled"
    assert run_ren(home, "cancel", run_id).returncode == 4
    assert run_ren(home, "resume", run_id).returncode == 4
    code, runs = ren_json(home, "runs", "--status", "canceled")
    assert [r["run_id"] for r in runs] == [run_id]
    code, tasks = ren_json(home, "tasks")
    assert tasks == []
    missing = run_ren(home, "show", "no-such-run")
    assert missing.returncode == 2 and "no run 'no-such-run'" in missing.stderr


def test_signal_and_schedules(home: Path, tmp_path: Path) -> None:
    flow = tmp_path / "signal.json"
    flow.write_text(
        json.dumps(
            {
                "schema": "ren.workflow/1",
                "id": "paid",
                "name": "paid",
                "nodes": [
                    {"id": "start", "type": "start"},
                    {"id": "wait", "type": "signal", "config": {"name": "payment"}},
                ],
                "edges": [{"source": "start", "target": "wait"}],
            }
        )
    )
    code, report = ren_json(home, "run", str(flow))
    assert code == 3
    assert run_ren(home, "signal", report["run_id"], "refund").returncode == 4
    code, done = ren_json(home, "signal", report["run_id"], "payment", "--data", '{"eur": 9}')
    assert code == 0 and done["output"] == {"signal": "payment", "data": {"eur": 9}}

    code, added = ren_json(
        home,
        "schedule",
        "add",
        "paid",
        "--cron",
        "0 9 * * mon-fri",
        "--tz",
        "Europe/Paris",
        "--misfire",
        "skip",
    )
    assert code == 0 and added["cron"] == "0 9 * * mon-fri"
    code, listed = ren_json(home, "schedule", "list")
    assert [s["id"] for s in listed] == [added["id"]]
    bad = run_ren(home, "schedule", "add", "paid", "--cron", "whenever")
    assert bad.returncode == 2 and "bad cron expression" in bad.stderr
    assert run_ren(home, "schedule", "remove", added["id"]).returncode == 0
    _, listed = ren_json(home, "schedule", "list")
    assert listed == []


def test_worker_until_idle_finishes_due_timers(tmp_path: Path) -> None:
    home = tmp_path / "home"
    flow = tmp_path / "nap.json"
    flow.write_text(
        json.dumps(
            {
                "schema": "ren.workflow/1",
                "id": "nap",
                "name": "nap",
                "nodes": [
                    {"id": "start", "type": "start"},
                    {"id": "nap", "type": "wait", "config": {"seconds": 0.5}},
                ],
                "edges": [{"source": "start", "target": "nap"}],
            }
        )
    )
    code, report = ren_json(home, "run", str(flow))
    assert code == 3 and report["status"] == "waiting"
    time.sleep(0.7)  # due while no engine runs
    assert run_ren(home, "worker", "--until-idle").returncode == 0
    code, shown = ren_json(home, "show", report["run_id"])
    assert shown["status"] == "succeeded"
