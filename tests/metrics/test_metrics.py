"""Metrics on a real engine: counts, percentiles, and /metrics over real HTTP as Prometheus
text, parsed by Prometheus's own parser."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app.api.metrics import metrics_router
from app.api.server import free_port
from app.auth.principal import (
    OPERATOR,
    SCOPE_KEY,
    VIA_TOKEN,
    Principal,
    install_error_handler,
)
from app.engine.metrics import collect, nearest_rank
from app.engine.metrics_text import label, render
from app.engine.service import Engine
from tests.conftest import chain_workflow

SET = {"type": "set", "config": {"values": {"done": True}}}
ASK = {"type": "human_task", "config": {"title": "Go?", "outcomes": [{"name": "out"}]}}
FAIL = {"type": "read_file", "config": {"path": "/nonexistent/x.json"}}


async def make_runs(engine: Engine) -> dict[str, list[str]]:
    """Ten succeeded runs of 'quick' lasting 1..10 s, two failed runs of 'bad', one waiting."""
    made: dict[str, list[str]] = {"quick": [], "bad": [], "ask": []}
    for wid, node, count in (("quick", SET, 10), ("bad", FAIL, 2), ("ask", ASK, 1)):
        engine.import_workflow(chain_workflow(node, wid=wid))
        for _ in range(count):
            made[wid].append((await engine.wait(await engine.start_run(wid, {}))).id)
    for seconds, run_id in enumerate(made["quick"], 1):
        engine.store.write_raw(
            "UPDATE run SET finished_at = started_at + ? WHERE id = ?", float(seconds), run_id
        )
    return made


def parsed(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def test_counts_and_percentiles(engine: Engine) -> None:
    await make_runs(engine)

    figures = await asyncio.to_thread(collect, engine.store)

    assert figures.runs["succeeded"] == 10 and figures.runs["failed"] == 2
    assert figures.runs["waiting"] == figures.waiting_runs == 1
    assert figures.open_tasks == 1
    assert figures.steps["succeeded"] == 10 * 3 + 2 * 1 + 1  # start, set, end; starts; start
    assert figures.steps["failed"] == 2
    quick = figures.durations["quick"]
    assert (quick.p50, quick.p95, quick.count, quick.total) == (5.0, 10.0, 10, 55.0)
    assert "ask" not in figures.durations  # it has not ended
    assert sum(sum(day.values()) for _, day in figures.per_day) == 13


def test_nearest_rank() -> None:
    assert [nearest_rank(50, n) for n in (1, 2, 3, 10, 11)] == [1, 1, 2, 5, 6]
    assert [nearest_rank(95, n) for n in (1, 10, 20, 21, 100)] == [1, 10, 19, 20, 95]


class As:
    """Hands the route a principal, as the access middleware does on a LAN bind."""

    def __init__(self, app: Any, principal: Principal) -> None:
        self.app, self.principal = app, principal

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["query_string"] == b"as=operator":
            scope[SCOPE_KEY] = self.principal
        await self.app(scope, receive, send)


@pytest.fixture
def metrics_url(engine: Engine) -> Iterator[str]:
    """/metrics of `engine`, served by a real uvicorn on 127.0.0.1 (on its own thread)."""
    app = FastAPI()
    install_error_handler(app)
    app.include_router(metrics_router(lambda: engine))
    app.add_middleware(As, principal=Principal("olga", OPERATOR, via=VIA_TOKEN))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}/metrics"
    server.should_exit = True
    thread.join()


async def test_metrics_endpoint_is_prometheus_text(engine: Engine, metrics_url: str) -> None:
    await make_runs(engine)
    async with httpx.AsyncClient() as client:
        answer = await client.get(metrics_url)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = parsed(answer.text)
    assert samples[("ren_runs", (("status", "succeeded"),))] == 10
    assert samples[("ren_runs", (("status", "failed"),))] == 2
    assert samples[("ren_runs", (("status", "running"),))] == 0
    assert samples[("ren_steps", (("status", "failed"),))] == 2
    assert samples[("ren_runs_waiting", ())] == 1
    assert samples[("ren_tasks_open", ())] == 1
    p95: tuple[tuple[str, str], ...] = (("quantile", "0.95"), ("workflow", "quick"))
    assert samples[("ren_run_duration_seconds", p95)] == 10.0
    assert samples[("ren_run_duration_seconds_count", (("workflow", "quick"),))] == 10
    assert samples[("ren_run_duration_seconds_sum", (("workflow", "quick"),))] == 55.0


async def test_only_an_admin_reads_metrics(metrics_url: str) -> None:
    async with httpx.AsyncClient() as client:
        refused = await client.get(metrics_url, params={"as": "operator"})
    assert refused.status_code == 403
    assert refused.json()["error"]["kind"] == "forbidden"
    assert "may not read /metrics" in refused.json()["error"]["message"]


def test_label_values_are_escaped() -> None:
    from app.engine.metrics import Durations, Metrics

    odd = 'a "quoted"\\path\nname'
    text = render(Metrics(durations={odd: Durations(1.0, 2.0, 2, 3.0)}))
    assert label(odd) == 'a \\"quoted\\"\\\\path\\nname'
    found: dict[Any, float] = parsed(text)
    assert found[("ren_run_duration_seconds_count", (("workflow", odd),))] == 2
