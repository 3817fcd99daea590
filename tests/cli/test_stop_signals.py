"""`ren worker` and the app stop within 5 s on SIGTERM or Ctrl+C while functions hang, and the
interrupted steps run again after a restart with the same idempotency key (real processes)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser import start_ren
from tests.ren_cli import REN, ROOT, ren_env, run_ren

HANGING = 6  # foreach items whose function hangs, plus one async function that ignores cancel

FUNCTIONS = textwrap.dedent(
    """
    import asyncio
    import time
    from pathlib import Path

    from app import register_function

    HERE = Path(__file__).parent


    def note(ctx):
        with (HERE / "calls.log").open("a") as f:
            f.write(f"{ctx.node_key} {ctx.idempotency_key}\\n")


    @register_function("stop.hang")
    def hang(state, ctx):
        note(ctx)
        while not (HERE / "release").exists():
            time.sleep(0.05)  # a sync call that only returns once released
        return {"item": ctx.loop_vars.get("item")}


    @register_function("stop.stubborn")
    async def stubborn(state, ctx):
        note(ctx)
        while not (HERE / "release").exists():
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                pass  # an async function that swallows cancellation
        return {}


    @register_function("stop.blocker")
    async def blocker(state, ctx):
        note(ctx)
        while not (HERE / "release").exists():
            time.sleep(0.05)  # blocks the event loop itself: only the stop deadline ends it
        return {}
    """
)


def workflow(odd_one: str = "stop.stubborn") -> dict[str, object]:
    return {
        "schema": "ren.workflow/1",
        "id": "hangs",
        "name": "hangs",
        "nodes": [
            {"id": "start", "type": "start"},
            {
                "id": "each",
                "type": "foreach",
                "config": {"items": "params.items", "concurrency": HANGING},
            },
            {
                "id": "work",
                "parent": "each",
                "type": "function",
                "config": {"function": "stop.hang"},
            },
            {"id": "stubborn", "type": "function", "config": {"function": odd_one}},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"source": "start", "target": "each"},
            {"source": "start", "target": "stubborn"},
            {"source": "each", "target": "end"},
            {"source": "stubborn", "target": "end"},
        ],
    }


def calls(folder: Path) -> list[tuple[str, str]]:
    path = folder / "calls.log"
    if not path.exists():
        return []
    return [tuple(line.split()) for line in path.read_text().splitlines() if line]  # type: ignore[misc]


def wait_until(predicate: object, what: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.time() < deadline, what
        time.sleep(0.05)


def run_status(home: Path) -> str:
    with sqlite3.connect(home / "ren.sqlite") as conn:
        (status,) = conn.execute("SELECT status FROM run").fetchone()
    return str(status)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "functions.py").write_text(FUNCTIONS)
    (tmp_path / "hangs.json").write_text(json.dumps(workflow()))
    (tmp_path / "blocks.json").write_text(json.dumps(workflow("stop.blocker")))
    return tmp_path


def start_hanging_run(folder: Path, home: Path, file: str = "hangs.json") -> subprocess.Popen[str]:
    """`ren run` handed to the serving process; returns once every hung call has begun."""
    client = subprocess.Popen(
        [
            *REN,
            "run",
            str(folder / file),
            "--functions",
            str(folder / "functions.py"),
            "--input",
            json.dumps({"items": list(range(HANGING - 1))}),
        ],
        cwd=ROOT,
        env=ren_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if file == "hangs.json":
        wait_until(lambda: len(calls(folder)) == HANGING, "the hung calls did not all start")
    else:  # the blocking function holds the event loop: the others may never begin
        wait_until(lambda: "stubborn" in dict(calls(folder)), "the blocker did not start")
    return client


def stop_within_5_s(process: subprocess.Popen[Any], sig: signal.Signals) -> int:
    started = time.monotonic()
    process.send_signal(sig)
    try:
        code = process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"still running 5 s after {sig.name}") from None
    assert time.monotonic() - started < 5
    return code


def restart_and_finish(folder: Path, home: Path, first: list[tuple[str, str]]) -> None:
    """After the stop: release the functions, restart, and check what ran again and how."""
    assert run_status(home) == "running"  # nothing interrupted was recorded as done or failed
    (folder / "release").touch()
    again = run_ren(home, "worker", "--until-idle", "--functions", str(folder / "functions.py"))
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert run_status(home) == "succeeded"
    second = calls(folder)[len(first) :]
    assert set(first) <= set(second)  # each interrupted step once more, with the same key
    assert len(second) == HANGING  # and nothing twice


def start_worker(folder: Path, home: Path) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [*REN, "worker", "--functions", str(folder / "functions.py")],
        cwd=ROOT,
        env=ren_env(home),
        stderr=subprocess.PIPE,
        text=True,
    )
    engine_json = home / "engine.json"

    def started() -> bool:
        if worker.poll() is not None:  # it ended: say why at once instead of waiting out the clock
            assert worker.stderr is not None
            raise AssertionError(f"the worker exited {worker.returncode}: {worker.stderr.read()}")
        return engine_json.exists() and "port" in engine_json.read_text()

    wait_until(started, "the worker did not start")
    return worker


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_worker_stops_within_5_s_while_functions_hang_and_reruns_them_with_the_same_key(
    folder: Path, sig: signal.Signals
) -> None:
    home = folder / "home"
    worker = start_worker(folder, home)
    try:
        client = start_hanging_run(folder, home)
        code = stop_within_5_s(worker, sig)
    finally:
        if worker.poll() is None:
            worker.kill()
    client.kill()
    client.wait()
    assert worker.stderr is not None
    stderr = worker.stderr.read()
    assert "Traceback" not in stderr, stderr
    assert "ren worker: stopped" in stderr
    assert code == 0
    first = calls(folder)
    assert len({key for _, key in first}) == HANGING
    restart_and_finish(folder, home, first)


def test_worker_blocked_by_a_function_ends_at_the_stop_deadline(folder: Path) -> None:
    """An async function that blocks the event loop: no handler on the loop can run, so the
    stop deadline ends the process (exit 1, one line saying why); the restart recovers."""
    home = folder / "home"
    worker = start_worker(folder, home)
    try:
        client = start_hanging_run(folder, home, "blocks.json")
        code = stop_within_5_s(worker, signal.SIGTERM)
    finally:
        if worker.poll() is None:
            worker.kill()
    client.kill()
    client.wait()
    assert worker.stderr is not None
    stderr = worker.stderr.read()
    assert code == 1
    assert "Traceback" not in stderr, stderr
    assert "ren worker: did not stop within 4.5 s (a function blocks the event loop" in stderr
    restart_and_finish(folder, home, calls(folder))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_app_stops_within_5_s_while_functions_hang_and_reruns_them_with_the_same_key(
    folder: Path, sig: signal.Signals
) -> None:
    home = folder / "home"
    app, _ = start_ren(home, "--functions", str(folder / "functions.py"))
    try:
        client = start_hanging_run(folder, home)
        code = stop_within_5_s(app, sig)
    finally:
        if app.poll() is None:
            app.kill()
    client.kill()
    client.wait()
    log = (home / "ren.log").read_text()
    assert code == 0
    assert "Traceback" not in log, log
    assert log.rstrip().endswith("Ren stopped."), log
    first = calls(folder)
    assert len({key for _, key in first}) == HANGING
    restart_and_finish(folder, home, first)
