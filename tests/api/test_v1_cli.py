"""`ren --url URL` against a real `ren worker` serving another data folder: the commands go
through /api/v1 and print and exit as they do locally."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from tests.api.v1_server import EXPENSE, SIGNAL_FLOW
from tests.ren_cli import REN, ROOT, child_env, ren_env


def seed(home: Path) -> None:
    async def fill() -> None:
        engine = Engine(home)
        await engine.start(recover=False)
        try:
            engine.import_workflow(EXPENSE)
            engine.import_workflow(SIGNAL_FLOW)
        finally:
            await engine.stop()

    asyncio.run(fill())


pytestmark = pytest.mark.timeout(300)  # each `ren` is a process of its own: slow on a busy box


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("remote") / "served"
    seed(home)
    worker = subprocess.Popen(
        [*REN, "worker"], cwd=ROOT, env=ren_env(home), stderr=subprocess.PIPE, text=True
    )
    info = home / "engine.json"
    deadline = time.time() + 60
    while not info.exists() or "port" not in info.read_text():
        assert worker.poll() is None and time.time() < deadline, "the worker did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{json.loads(info.read_text())['port']}"
    worker.terminate()
    assert worker.wait(timeout=30) == 0


def ren(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, Any, str]:
    """`ren args` on an empty data folder of its own (so nothing can run locally)."""
    environment = child_env({"REN_HOME": str(tmp_path / "empty"), **(env or {})})
    done = subprocess.run(
        [*REN, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    out = done.stdout.strip()
    return done.returncode, json.loads(out) if "--json" in args else out, done.stderr


def test_commands_run_on_the_remote_ren(url: str, tmp_path: Path) -> None:
    given = '{"who": "Ana", "amount": 40}'
    code, report, _ = ren(
        tmp_path, "--url", url, "start", "expense-approval", "--input", given, "--json"
    )
    assert code == 3 and report["status"] == "waiting"
    run_id = report["run_id"]
    code, tasks, _ = ren(tmp_path, "--url", url, "tasks", "--json")
    assert code == 0 and [t["run_id"] for t in tasks] == [run_id]
    code, text, _ = ren(tmp_path, "tasks", env={"REN_URL": url, "REN_TOKEN": "unused-on-loopback"})
    assert code == 0 and tasks[0]["id"] in text
    values = '{"budget_code": "TRAVEL"}'
    answer = ("complete", tasks[0]["id"], "--outcome", "approve", "--values", values, "--as", "Bo")
    code, done, _ = ren(tmp_path, "--url", url, *answer, "--json")
    assert code == 0 and done["status"] == "succeeded"
    code, _, err = ren(tmp_path, "--url", url, *answer)
    assert code == 4 and err.strip()  # no longer possible: it was answered
    code, shown, _ = ren(tmp_path, "--url", url, "show", run_id, "--json")
    assert shown["answered"][0]["completed_by"] == "Bo"
    code, text, _ = ren(tmp_path, "--url", url, "show", run_id, "--log")
    assert code == 0 and json.loads(text.splitlines()[0])["type"] == "run.created"
    code, runs, _ = ren(tmp_path, "--url", url, "runs", "--json")
    assert run_id in [r["run_id"] for r in runs]


def test_rerun_and_schedules_on_the_remote_ren(url: str, tmp_path: Path) -> None:
    code, report, _ = ren(tmp_path, "--url", url, "start", "pay", "--json")
    run_id = report["run_id"]
    assert ren(tmp_path, "--url", url, "signal", run_id, "payment", "--json")[0] == 0
    code, again, _ = ren(tmp_path, "--url", url, "rerun", run_id, "--from", "end", "--json")
    assert code == 0 and again["rerun_of"] == run_id and again["run_id"] != run_id
    code, made, _ = ren(
        tmp_path, "--url", url, "schedule", "add", "pay", "--every", "3600", "--json"
    )
    assert code == 0
    code, listed, _ = ren(tmp_path, "--url", url, "schedule", "list", "--json")
    assert [s["id"] for s in listed] == [made["id"]]
    code, _, _ = ren(tmp_path, "--url", url, "schedule", "remove", made["id"])
    assert code == 0 and ren(tmp_path, "--url", url, "schedule", "list", "--json")[1] == []


def test_control_and_signals_on_the_remote_ren(url: str, tmp_path: Path) -> None:
    code, report, _ = ren(tmp_path, "--url", url, "start", "pay", "--json")
    assert code == 3
    run_id = report["run_id"]
    assert ren(tmp_path, "--url", url, "pause", run_id, "--json")[1]["status"] == "paused"
    assert ren(tmp_path, "--url", url, "resume", run_id, "--json")[1]["status"] == "waiting"
    code, report, _ = ren(
        tmp_path, "--url", url, "signal", run_id, "payment", "--data", "7", "--json"
    )
    assert code == 0 and report["status"] == "succeeded"
    code, other, _ = ren(tmp_path, "--url", url, "start", "pay", "--json")
    assert (
        ren(tmp_path, "--url", url, "cancel", other["run_id"], "--json")[1]["status"] == "canceled"
    )
    code, _, err = ren(tmp_path, "--url", url, "retry", "no-such-run")
    assert code == 2 and "no-such-run" in err
    code, _, err = ren(tmp_path, "--url", url, "start", "nope")
    assert code == 2 and "nope" in err


def test_an_unreachable_url_says_so(tmp_path: Path) -> None:
    code, _, err = ren(tmp_path, "--url", "http://127.0.0.1:9", "runs")
    assert code == 1 and "cannot reach Ren at http://127.0.0.1:9" in err
    code, _, err = ren(tmp_path, "--url", "http://127.0.0.1:9")  # not the app: a command
    assert code == 2 and "name one" in err
    code, _, err = ren(tmp_path, "--url", "http://127.0.0.1:9", "run", str(EXPENSE))
    assert code == 2 and "does not work with --url" in err


def test_start_runs_on_the_own_engine_too(tmp_path: Path) -> None:
    """`ren start` without --url: the same operation on the folder's own engine."""
    home = tmp_path / "own"
    seed(home)
    environment = ren_env(home)
    environment.pop("REN_URL", None)
    done = subprocess.run(
        [*REN, "start", "pay", "--json", "--key", "k1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    first = json.loads(done.stdout)
    assert first["status"] == "waiting" and first["waits"][0]["kind"] == "signal"
    again = subprocess.run(
        [*REN, "start", "pay", "--json", "--key", "k1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(again.stdout)["run_id"] == first["run_id"]  # the key started one run
