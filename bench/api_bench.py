"""The REST API at scale: the runs list at 100,000 runs, and 1,000 live-event clients on one run.

    python bench/api_bench.py                    # 100,000 runs, 1,000 SSE clients
    python bench/api_bench.py --runs 20000 --clients 200
    python bench/api_bench.py --api-only         # the API served alone, without the pages

Runs are written as bench/lists_bench.py writes them (one transaction), then a real
`ren worker` serves the data folder on 127.0.0.1 (with --api-only: a process serving only the
engine and the API, as `ren worker --until-idle` does) and:

- GET /api/v1/runs is timed (first page of 50, a status filter, page 20 through the cursors),
  median of --repeat requests on one keep-alive connection;
- --clients connections open GET /api/v1/runs/{id}/events on one waiting run (raw sockets, so
  the clients cost this process little); the server's RSS (psutil) is read before and once
  every stream is live; then the run's task is answered through the API and the time until
  every client has seen `run.succeeded` is taken.

Prints one line `RESULT {json}` (milliseconds, MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from timing import median_ms  # bench/timing.py, next to this script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


now = time.perf_counter
SETTLE_S = 10.0  # a big database's integrity check runs on a thread after start
MB = 1024 * 1024


def served_url(home: Path, process: subprocess.Popen[bytes], what: str) -> str:
    """The API's address once `process` wrote its port to the folder's engine.json."""
    info = home / "engine.json"
    deadline = time.time() + 120
    while not info.exists() or "port" not in info.read_text():
        if process.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)
    return f"http://127.0.0.1:{json.loads(info.read_text())['port']}"


def start_worker(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "REN_HOME": str(home)}
    env.pop("PYTEST_CURRENT_TEST", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return worker, served_url(home, worker, "ren worker")


async def serve_only_the_api(home: Path) -> None:
    """`--serve HOME`: the engine and the API alone (app.api.server), as `ren worker
    --until-idle` serves them, without the app's pages and their middleware."""
    from app.api.server import serve_api
    from app.engine.service import Engine

    engine = Engine(home)
    await engine.start()
    await serve_api(engine)  # writes the port to engine.json
    await asyncio.Event().wait()  # until killed


def start_api_only(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(home)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server, served_url(home, server, "the API server")


def timed(http: httpx.Client, path: str, params: dict[str, Any], repeat: int) -> float:
    http.get(path, params=params).raise_for_status()  # warm: imports, caches
    return median_ms(lambda: http.get(path, params=params).raise_for_status(), repeat)


def measure_list(http: httpx.Client, repeat: int) -> dict[str, float]:
    figures = {
        "runs_first_page_ms": timed(http, "/api/v1/runs", {"limit": 50}, repeat),
        "runs_failed_first_page_ms": timed(
            http, "/api/v1/runs", {"limit": 50, "status": "failed"}, repeat
        ),
    }
    cursor = None
    for _ in range(19):  # to page 20
        page = http.get("/api/v1/runs", params={"limit": 50, "cursor": cursor}).json()
        cursor = page["next"]
    figures["runs_page_20_ms"] = timed(
        http, "/api/v1/runs", {"limit": 50, "cursor": cursor}, repeat
    )
    return figures


async def sse_client(port: int, path: str, live: asyncio.Event, done: asyncio.Event) -> int:
    """One EventSource-like client: reads until `run.succeeded`; returns bytes read."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
    writer.write(request.encode())
    await writer.drain()
    read = 0
    seen_live = False
    while True:
        line = await reader.readline()
        if not line:
            break
        read += len(line)
        if not seen_live and b": live" in line:
            seen_live = True
            live.set()
        if b'"type":"run.succeeded"' in line:
            done.set()
            break
    writer.close()
    return read


async def measure_sse(url: str, pid: int, clients: int) -> dict[str, float]:
    port = int(url.rsplit(":", 1)[1])
    server = psutil.Process(pid)
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        body = {"workflow": "wf0", "wait": True}
        run_id = (await http.post("/api/v1/runs", json=body)).json()["run_id"]
        task_id = (await http.get(f"/api/v1/runs/{run_id}")).json()["tasks"][0]["id"]
        before = server.memory_info().rss
        lives = [asyncio.Event() for _ in range(clients)]
        dones = [asyncio.Event() for _ in range(clients)]
        path = f"/api/v1/runs/{run_id}/events"
        started = now()
        tasks = [
            asyncio.create_task(sse_client(port, path, lives[i], dones[i])) for i in range(clients)
        ]
        for live in lives:
            await live.wait()
        connected_ms = (now() - started) * 1000
        await asyncio.sleep(1.0)
        during = server.memory_info().rss
        started = now()
        answer = {"outcome": "submit", "values": {}}
        (await http.post(f"/api/v1/tasks/{task_id}/complete", json=answer)).raise_for_status()
        for done in dones:
            await done.wait()
        fan_out_ms = (now() - started) * 1000
        await asyncio.gather(*tasks)
    return {
        "sse_clients": clients,
        "sse_connect_all_ms": connected_ms,
        "sse_rss_before_mb": before / MB,
        "sse_rss_with_clients_mb": during / MB,
        "sse_rss_delta_mb": (during - before) / MB,
        "sse_all_saw_the_end_ms": fan_out_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--api-only", action="store_true", help="serve the API alone, not the whole app"
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # see serve_only_the_api
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(serve_only_the_api(args.serve))
        return
    from lists_bench import fill

    with tempfile.TemporaryDirectory(prefix="ren-api-") as tmp:
        home = Path(tmp) / "home"
        started = now()
        asyncio.run(fill(home, args.runs, args.tasks))
        figures: dict[str, Any] = {"runs": args.runs, "fill_s": now() - started}
        worker, url = start_api_only(home) if args.api_only else start_worker(home)
        figures["api_only"] = int(args.api_only)
        try:
            time.sleep(SETTLE_S)
            with httpx.Client(base_url=url, timeout=60) as http:
                figures.update(measure_list(http, args.repeat))
            figures.update(asyncio.run(measure_sse(url, worker.pid, args.clients)))
        finally:
            worker.terminate()
            worker.wait(60)
    print("RESULT " + json.dumps({k: round(v, 2) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
