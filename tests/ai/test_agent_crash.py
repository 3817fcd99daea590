"""kill -9 between tool calls: a real engine process runs an agent against the local stub and
is killed while its second tool runs; a new process resumes the run. Every reply recorded
before the kill is requested from the model exactly once, and the first tool is not run again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.ai.openai_stub import OpenAIStub, Reply, Step, tool_call
from tests.ai.test_agent import tool_messages, two_tools

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("agent_worker.py")


def spawn(mode: str, home: Path, marks: Path, base_url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["PYTHONPATH"] = str(ROOT)
    env["AI_TEST_MARKS"] = str(marks)
    return subprocess.Popen(
        [sys.executable, str(WORKER), mode, str(home), base_url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, worker: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not path.exists():
        if worker.poll() is not None:
            raise AssertionError(
                f"the worker ended early: {worker.stderr.read() if worker.stderr else ''}"
            )
        if time.time() > deadline:
            raise AssertionError("the worker did not reach the slow tool in time")
        time.sleep(0.01)


def journal_kinds(home: Path) -> list[str]:
    with sqlite3.connect(home / "ren.sqlite") as conn:
        return [k for (k,) in conn.execute("SELECT kind FROM ai_journal ORDER BY seq")]


@pytest.mark.slow
def test_kill_9_between_tool_calls_replays_recorded_replies(tmp_path: Path) -> None:
    home, marks = tmp_path / "home", tmp_path / "marks"
    marks.mkdir()
    with OpenAIStub(responder=slow_second) as stub:
        worker = spawn("start", home, marks, stub.base_url)
        wait_for(marks / "slow-started", worker)  # note ran, slow is running
        assert journal_kinds(home) == ["model", "tool", "model"]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        before = len(stub.chat_requests())

        worker = spawn("resume", home, marks, stub.base_url)
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        requests = stub.chat_requests()

    assert before == 2
    by_turn = Counter(len(tool_messages(body)) for body in requests)
    assert by_turn == {0: 1, 1: 1, 2: 1}  # each recorded reply requested exactly once
    calls = (marks / "calls.txt").read_text().split()
    assert calls == ["note", "slow", "slow"]  # only the call cut by the kill ran again
    assert journal_kinds(home) == ["model", "tool", "model", "tool", "model"]
    with sqlite3.connect(home / "ren.sqlite") as conn:
        (status,) = conn.execute("SELECT status FROM run").fetchone()
        (output,) = conn.execute("SELECT output FROM step WHERE node_id='agent'").fetchone()
    assert status == "succeeded"
    assert '"steps": 3' in output.replace('"steps":3', '"steps": 3')


def slow_second(body: dict[str, Any]) -> Step:
    """As two_tools, but the slow tool is asked to sleep a minute (the first time it runs)."""
    if len(tool_messages(body)) == 1:
        return Reply(None, [tool_call("c2", "ai_slow", {"seconds": 60})], usage=(30, 4))
    return two_tools(body)
