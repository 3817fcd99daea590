"""Live events over real HTTP (Server-Sent Events): a stream replays the event log, then follows;
a client that reconnects with Last-Event-ID misses nothing and sees nothing twice; a server
stopping with streams open exits."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from app.engine.service import Engine
from tests.api.v1_server import EXPENSE, client, served
from tests.browser import free_port, start_app, stop_app
from tests.ren_cli import REN, ROOT, ren_env

ANSWER = {"outcome": "approve", "values": {"budget_code": "TRAVEL"}}


async def read_events(lines: AsyncIterator[str], count: int) -> list[tuple[int, dict[str, Any]]]:
    """The next `count` events of an SSE stream as (id, data); comments are skipped."""
    found: list[tuple[int, dict[str, Any]]] = []
    event_id: int | None = None
    async for line in lines:
        if line.startswith("id: "):
            event_id = int(line[4:])
        elif line.startswith("data: "):
            assert event_id is not None
            found.append((event_id, json.loads(line[6:])))
            if len(found) == count:
                break
    return found


async def test_run_stream_replays_after_a_disconnect(engine: Engine) -> None:
    engine.import_workflow(EXPENSE)
    async with served(engine) as api, client(api.url) as http:
        body = {"workflow": "expense-approval", "input": {"who": "Ana", "amount": 5}, "wait": True}
        run_id = (await http.post("/runs", json=body)).json()["run_id"]
        logged = [
            json.loads(line) for line in (await http.get(f"/runs/{run_id}/log")).text.splitlines()
        ]
        async with http.stream("GET", f"/runs/{run_id}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            first = await read_events(stream.aiter_lines(), 2)  # then the client goes away
        assert [i for i, _ in first] == [1, 2]
        assert first[0][1]["type"] == "run.created"
        task_id = (await http.get("/tasks")).json()[0]["id"]
        assert (await http.post(f"/tasks/{task_id}/complete", json=ANSWER)).json()[
            "status"
        ] == "succeeded"
        every = [
            json.loads(line) for line in (await http.get(f"/runs/{run_id}/log")).text.splitlines()
        ]
        assert len(every) > len(logged)
        headers = {"Last-Event-ID": "2"}
        async with http.stream("GET", f"/runs/{run_id}/events", headers=headers) as stream:
            rest = await read_events(stream.aiter_lines(), len(every) - 2)
        assert [i for i, _ in rest] == list(range(3, len(every) + 1))
        assert [d["type"] for _, d in rest] == [e["type"] for e in every[2:]]
        assert rest[-1][1]["type"] == "run.succeeded"
        bad = await http.get(f"/runs/{run_id}/events", headers={"Last-Event-ID": "x"})
        assert bad.status_code == 422 and bad.json()["error"]["kind"] == "invalid"
        assert (await http.get("/runs/nope/events")).status_code == 404


async def test_live_events_reach_an_open_stream(engine: Engine) -> None:
    engine.import_workflow(EXPENSE)
    async with served(engine) as api, client(api.url) as http:
        body = {"workflow": "expense-approval", "input": {"who": "Bo", "amount": 5}, "wait": True}
        run_id = (await http.post("/runs", json=body)).json()["run_id"]
        known = len((await http.get(f"/runs/{run_id}/log")).text.splitlines())
        async with (
            http.stream("GET", "/events", params={"after": 0}) as everything,
            http.stream("GET", f"/runs/{run_id}/events", params={"after": 1}) as one_run,
        ):
            lines, run_lines = everything.aiter_lines(), one_run.aiter_lines()
            replayed = await read_events(lines, known)
            assert all(d["run_id"] == run_id for _, d in replayed)
            run_replayed = await read_events(run_lines, known - 1)
            task_id = (await http.get("/tasks")).json()[0]["id"]
            await http.post(f"/tasks/{task_id}/complete", json=ANSWER)
            total = len((await http.get(f"/runs/{run_id}/log")).text.splitlines())
            live = await read_events(lines, total - known)
            run_live = await read_events(run_lines, total - known)
        ids = [i for i, _ in replayed + live]
        assert ids == sorted(set(ids))  # increasing, no repeats
        assert [d["seq"] for _, d in replayed + live] == list(range(1, total + 1))
        assert live[-1][1]["type"] == "run.succeeded"
        assert [i for i, _ in run_replayed + run_live] == list(range(2, total + 1))
        assert [d for _, d in run_live] == [d for _, d in live]  # the bus and the log agree


def open_streams(stack: ExitStack, url: str, count: int) -> None:
    """`count` event streams open on `url` (each past its replay) until `stack` closes."""
    for _ in range(count):
        http = stack.enter_context(httpx.Client(timeout=30))
        answer = stack.enter_context(http.stream("GET", url))
        assert answer.status_code == 200
        assert next(answer.iter_lines()) == ": live"


def test_worker_stops_with_streams_open(tmp_path: Path) -> None:
    """`ren worker` with event streams open still stops on SIGTERM (a hang would time out)."""
    home = tmp_path / "home"
    worker = subprocess.Popen(
        [*REN, "worker"], cwd=ROOT, env=ren_env(home), stderr=subprocess.PIPE, text=True
    )
    try:
        info = home / "engine.json"
        while not info.exists() or "port" not in info.read_text():
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            time.sleep(0.05)
        port = json.loads(info.read_text())["port"]
        with ExitStack() as stack:
            open_streams(stack, f"http://127.0.0.1:{port}/api/v1/events", 3)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_the_app_stops_with_streams_open(tmp_path: Path) -> None:
    """`ren` (the app) with event streams open stops on SIGTERM too, not killed by stop_app."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*REN, "--no-browser", "--port", str(port)]
    app = start_app(command, url + "/api/v1/runs", tmp_path / "ren.log", ren_env(tmp_path / "h"))
    with ExitStack() as stack:
        open_streams(stack, url + "/api/v1/events", 3)
        assert stop_app(app, seconds=30) == 0  # a kill would give -9
