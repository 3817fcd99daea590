"""An integer in a webhook's JSON body or query stays an integer in the run's input, a
template's text and the output: a real `ren worker` on 127.0.0.1, called over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.engine.service import Engine
from tests.api.test_webhooks_http import start_worker
from tests.browser import stop_app

FLOW: dict[str, Any] = {
    "schema": "ren.workflow/1",
    "id": "order",
    "name": "Order",
    "params": {
        "type": "object",
        "properties": {"amount": {"type": "number"}, "count": {"type": "integer"}},
    },
    "nodes": [
        {"id": "hook", "type": "webhook", "config": {"path": "", "method": "POST"}},
        {
            "id": "note",
            "type": "set",
            "config": {
                "values": {
                    "text": "Order of {{ params.amount }} x{{ params.count }}",
                    "double": "{{ params.amount * 2 }}",
                }
            },
        },
    ],
    "edges": [{"source": "hook", "target": "note"}],
}


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    home = tmp_path_factory.mktemp("ints-hook")

    async def seed() -> str:
        async with Engine(home) as engine:
            engine.import_workflow(FLOW)
            secret: str = engine.webhooks.secrets.get("order")
            return secret

    secret = asyncio.run(seed())
    process, url = start_worker(home)
    yield url, home, secret
    assert stop_app(process) == 0


def finished(url: str, home: Path, run_id: str) -> dict[str, Any]:
    token = json.loads((home / "engine.json").read_text())["token"]
    deadline = time.monotonic() + 20
    while True:
        response = httpx.post(
            f"{url}/api/rpc/show", json={"run_id": run_id}, headers={"X-Ren-Token": token}
        )
        report: dict[str, Any] = response.json()["result"]
        if report["status"] not in ("running", "created") or time.monotonic() > deadline:
            return report
        time.sleep(0.05)


def test_integers_in_a_webhook_body_stay_integers(worker: tuple[str, Path, str]) -> None:
    url, home, secret = worker
    response = httpx.post(
        f"{url}/hooks/order",
        content=b'{"amount": 1500, "count": 3}',
        headers={"X-Ren-Secret": secret, "Content-Type": "application/json"},
    )
    assert response.status_code == 202, response.text
    report = finished(url, home, response.json()["run_id"])
    assert report["status"] == "succeeded", report
    output = report["output"]
    assert output["amount"] == 1500 and type(output["amount"]) is int
    assert output["double"] == 3000 and type(output["double"]) is int
    assert output["text"] == "Order of 1500 x3"
    assert type(output["count"]) is int
