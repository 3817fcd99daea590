"""What an http_request step costs over the request itself, against a local server.

    .venv/bin/python bench/http_bench.py [--requests 50] [--repeats 20]

The server (Starlette on uvicorn, a small JSON answer) runs in its own process, so it does not
share the GIL with what is measured. Like with like, in the same process and event loop, one
shared keep-alive `httpx.AsyncClient` (the node's own client settings):

- direct: `client.get(url)` and `response.json()`, N times in a row;
- node: the http_request node's `execute` with its context, N times (templates rendered,
  request built, answer read and parsed, output made) -- the node's own overhead;
- step: a run of N http_request steps in a chain, minus a run of N `set` steps giving the same
  output (the cost every durable step has: its row, events, commit and the data it carries),
  so what is left is the request plus the node.

The measurements take turns, `repeats` times; printed are the medians per request, and of the
overheads (node - direct; http step - set step - direct) computed per turn.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAYLOAD = {"id": 1, "name": "ren", "tags": ["a", "b", "c"], "ok": True}


def serve(port: int) -> None:
    """The server process: one small JSON route."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def item(request: Request) -> JSONResponse:
        return JSONResponse(PAYLOAD)

    app = Starlette(routes=[Route("/item", item)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chain(wid: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    all_nodes = [{"id": "start", "type": "start"}]
    all_nodes += [{"id": f"n{i}", **n} for i, n in enumerate(nodes, 1)]
    all_nodes.append({"id": "end", "type": "end"})
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(all_nodes)]
    return {"schema": "ren.workflow/1", "id": wid, "name": wid, "nodes": all_nodes, "edges": edges}


async def direct_ms(url: str, n: int) -> float:
    from app.nodes.http_send import shared_client

    client = shared_client()
    started = time.perf_counter()
    for _ in range(n):
        response = await client.get(url, timeout=30.0, follow_redirects=True)
        response.json()
    return (time.perf_counter() - started) * 1000 / n


async def node_ms(url: str, n: int, folder: Path) -> float:
    from app.nodes.context import RunControl, StepContext
    from app.nodes.http import HttpRequestNode

    node = HttpRequestNode()
    config = node.parse_config({"url": url})
    ctx = StepContext(
        run_id="bench",
        node_id="n1",
        node_key="n1",
        attempt=1,
        params={},
        run_info={},
        nodes_source=dict,
        upstream={},
        control=RunControl(),
        emit=lambda kind, data: None,
        data_dir=folder / "runs" / "bench",
    )
    started = time.perf_counter()
    for _ in range(n):
        result = await node.execute(ctx, config, {})
        assert result.output["body"] == PAYLOAD
    return (time.perf_counter() - started) * 1000 / n


async def interleaved(url: str, n: int, repeats: int, folder: Path) -> dict[str, list[float]]:
    """Each measurement `repeats` times, taking turns, so a busy machine slows all alike."""
    from app.engine.service import Engine

    engine = Engine(folder / "engine")
    await engine.start()
    found: dict[str, list[float]] = {}
    try:
        echo = {"status": 200, "headers": {"content-type": "application/json"}, "body": PAYLOAD}
        http = chain("http", [{"type": "http_request", "config": {"url": url}}] * n)
        sets = chain("sets", [{"type": "set", "config": {"values": echo}}] * n)
        engine.import_workflow(http)
        engine.import_workflow(sets)
        await engine.run("http", {})  # warm: imports, the client's connection
        await engine.run("sets", {})
        await direct_ms(url, 20)
        for _ in range(repeats):
            direct = await direct_ms(url, n)
            node = await node_ms(url, n, folder)
            http_step = await _run_ms(engine, "http", n)
            set_step = await _run_ms(engine, "sets", n)
            for name, ms in (
                ("direct httpx request", direct),
                ("http_request node (execute)", node),
                ("http_request step in a run", http_step),
                ("set step with the same output (any step's cost)", set_step),
                ("node overhead (node - direct)", node - direct),
                ("step overhead (http step - set step - direct)", http_step - set_step - direct),
            ):
                found.setdefault(name, []).append(ms)
    finally:
        await engine.stop()
    return found


async def _run_ms(engine: Any, workflow_id: str, n: int) -> float:
    started = time.perf_counter()
    run = await engine.run(workflow_id, {})
    assert run.status == "succeeded", run.error
    return (time.perf_counter() - started) * 1000 / n


async def one_round(url: str, n: int, repeats: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        return await interleaved(url, n, repeats, Path(folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50, help="per measurement")
    parser.add_argument("--repeats", type=int, default=20, help="measurements, taking turns")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve)
        return
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        url = f"http://127.0.0.1:{port}/item"
        _wait_for(port)
        rows = asyncio.run(one_round(url, options.requests, options.repeats))
    finally:
        server.terminate()
        server.wait(timeout=10)
    shown = f"{options.repeats} x {options.requests} requests"
    print(f"| {shown} | median ms per request | quartiles |")
    print("|---|---|---|")
    for name, values in rows.items():
        low, _, high = statistics.quantiles(values, n=4)
        print(f"| {name} | {statistics.median(values):.3f} | {low:.3f} – {high:.3f} |")


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the bench server did not start")


if __name__ == "__main__":
    main()
