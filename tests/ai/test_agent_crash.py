"""kill -9 between tool calls: a real engine process runs an agent against the local stub and
is killed while its second tool (an http_tool) waits for the test's API server; a new process
resumes the run. Every reply recorded before the kill is requested from the model exactly once,
the first tool does not run again, and the call cut off by the kill is sent again with the same
Idempotency-Key (so a server that honours it does the work once).

No timing assumptions: the test kills the worker once the API server holds the request (an
event in this process, set when the request has arrived), and waits on events and process
exits, never on sleeps. (It once checked a marker file the worker wrote just before the
record it then read, and a kill between the two writes made a loaded run fail.)"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.ai.openai_stub import OpenAIStub, Reply, Step, tool_call
from tests.ai.test_agent import tool_messages, two_tools
from tests.ren_cli import child_env, ended_well, kill_9

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("agent_worker.py")
PATIENCE_S = 300  # only bounds a hang; a loaded machine is slow, not wrong


class HeldApi:
    """An API on 127.0.0.1 that records each request's Idempotency-Key and holds the first
    request unanswered (until the test ends), answering later ones at once."""

    def __init__(self) -> None:
        self.keys: list[str | None] = []
        self.bodies: list[Any] = []
        self.first = threading.Event()  # the first request has arrived and is recorded
        self.release = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                api.keys.append(self.headers.get("Idempotency-Key"))
                api.bodies.append(json.loads(raw or b"null"))
                if len(api.keys) == 1:
                    api.first.set()
                    api.release.wait(PATIENCE_S)
                payload = b'{"slept": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with suppress(OSError):  # the held request's client was killed
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/slow"

    def __enter__(self) -> HeldApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def spawn(mode: str, home: Path, marks: Path, *urls: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), mode, str(home), *urls],
        cwd=ROOT,
        env=child_env({"PYTHONPATH": str(ROOT), "AI_TEST_MARKS": str(marks)}),
        stdout=subprocess.DEVNULL,  # nothing reads them while it runs: a full pipe would block
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(event: threading.Event, worker: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not event.wait(0.05):
        if worker.poll() is not None:
            _, err = worker.communicate()
            raise AssertionError(f"the worker ended early: {err}")
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not call the slow tool")


def journal_kinds(home: Path) -> list[str]:
    conn = sqlite3.connect(home / "ren.sqlite")
    try:
        return [k for (k,) in conn.execute("SELECT kind FROM ai_journal ORDER BY seq")]
    finally:
        conn.close()


@pytest.fixture
def api() -> Iterator[HeldApi]:
    with HeldApi() as server:
        yield server


@pytest.mark.slow
def test_kill_9_between_tool_calls_replays_recorded_replies(tmp_path: Path, api: HeldApi) -> None:
    home, marks = tmp_path / "home", tmp_path / "marks"
    marks.mkdir()
    with OpenAIStub(responder=slow_second) as stub:
        worker = spawn("start", home, marks, stub.base_url, api.url)
        wait_for(api.first, worker)  # note ran, the http tool's request is held
        assert journal_kinds(home) == ["model", "tool", "model"]
        kill_9(worker)
        before = len(stub.chat_requests())

        ended_well(spawn("resume", home, marks, stub.base_url), PATIENCE_S)
        requests = stub.chat_requests()

    assert before == 2
    by_turn = Counter(len(tool_messages(body)) for body in requests)
    assert by_turn == {0: 1, 1: 1, 2: 1}  # each recorded reply requested exactly once
    assert all(body["stream"] for body in requests)  # streamed, recorded whole, replayed whole
    assert (marks / "calls.txt").read_text().split() == ["note"]  # not run again
    assert journal_kinds(home) == ["model", "tool", "model", "tool", "model"]

    # the cut-off call was sent again, with the same key: run, agent step, place, call id
    assert api.bodies == [{"seconds": 60}, {"seconds": 60}]
    first, again = api.keys
    conn = sqlite3.connect(home / "ren.sqlite")
    try:
        (run_id, status) = conn.execute("SELECT id, status FROM run").fetchone()
        (output,) = conn.execute("SELECT output FROM step WHERE node_id='agent'").fetchone()
    finally:
        conn.close()
    assert first == again == f"{run_id}:agent:3:c2"  # journal entry 3
    assert status == "succeeded"
    out = json.loads(output)
    assert out["steps"] == 3
    assert out["text"].startswith('finished: {"noted": "milk"} | {"status": 200')
    assert out["text"].endswith('"body": {"slept": true}}')


def slow_second(body: dict[str, Any]) -> Step:
    """As two_tools, but the slow tool is asked to sleep a minute."""
    if len(tool_messages(body)) == 1:
        return Reply(None, [tool_call("c2", "ai_slow", {"seconds": 60})], usage=(30, 4))
    return two_tools(body)
