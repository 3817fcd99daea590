"""Webhooks over HTTP, against real Ren processes on 127.0.0.1: the app (`ren`) and the headless
`ren worker`, each on a data folder seeded beforehand. Runs are read back through the process's
own local API (the one other `ren` commands use), so nothing is looked at behind its back."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.engine.service import Engine
from tests.browser import REN, ROOT, free_port, start_ren, stop_app

PARAMS = {
    "type": "object",
    "properties": {"amount": {"type": "number"}, "note": {"type": "string"}},
    "required": ["amount"],
}


def hook_workflow(wid: str, method: str = "POST", path: str = "") -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "id": wid,
        "name": wid,
        "params": PARAMS,
        "nodes": [
            {"id": "hook", "type": "webhook", "config": {"path": path, "method": method}},
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "hook", "target": "end"}],
    }


def seed(home: Path) -> dict[str, str]:
    """The workflows the tests call; returns each webhook workflow's secret."""

    async def fill() -> dict[str, str]:
        engine = Engine(home)
        await engine.start(recover=False)
        try:
            engine.import_workflow(hook_workflow("orders", "POST", "/new"))
            engine.import_workflow(hook_workflow("pings", "GET"))
            engine.import_workflow(hook_workflow("rotate", "PUT", "x"))
            engine.import_workflow(hook_workflow("draft"), publish=False)
            engine.import_workflow(hook_workflow("gone"))
            secrets = {w: engine.webhooks.secrets.get(w) for w in ("orders", "pings", "rotate")}
            secrets["gone"] = engine.webhooks.secrets.get("gone")
            engine.delete_workflow("gone")
            return secrets
        finally:
            await engine.stop()

    return asyncio.run(fill())


@dataclass
class Served:
    kind: str  # app | worker
    url: str
    home: Path
    secrets: dict[str, str]

    def rpc(self, name: str, **args: Any) -> Any:
        """An operation through the process's local API (as other `ren` commands call it)."""
        holder = json.loads((self.home / "engine.json").read_text())
        response = httpx.post(
            f"{self.url}/api/rpc/{name}",
            json=args,
            headers={"X-Ren-Token": holder["token"]},
            timeout=30,
        )
        body = response.json()
        assert body["ok"], body
        return body["result"]

    def finished(self, run_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while True:
            report: dict[str, Any] = self.rpc("show", run_id=run_id)
            if report["status"] not in ("running", "created") or time.monotonic() > deadline:
                return report
            time.sleep(0.05)

    def run_count(self) -> int:
        return len(self.rpc("runs"))


def start_worker(home: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`ren worker --port N` (plus `args`) on the folder; ready once its webhook route answers
    (404 here)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    with (home / "worker.log").open("wb") as log:
        process = subprocess.Popen(
            [*REN, "worker", "--port", str(port), *args],
            cwd=ROOT,
            env={**env, "REN_HOME": str(home)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 40
    while True:
        try:
            httpx.get(f"{url}/hooks/none", timeout=2)
            return process, url
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_app(process)
                pytest.fail(f"ren worker did not start:\n{(home / 'worker.log').read_text()}")
            time.sleep(0.1)


@pytest.fixture(scope="module", params=["app", "worker"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    home = tmp_path_factory.mktemp(f"hooks-{request.param}")
    secrets = seed(home)
    process, url = start_ren(home) if request.param == "app" else start_worker(home)
    yield Served(request.param, url, home, secrets)
    assert stop_app(process) == 0


def error_of(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    assert error["kind"] == kind
    return error


def test_a_delivery_starts_a_run_whose_input_is_the_body(served: Served) -> None:
    response = httpx.post(
        f"{served.url}/hooks/orders/new",
        content=b'{"amount": 42, "note": "from a test"}',
        headers={"X-Ren-Secret": served.secrets["orders"], "Content-Type": "application/json"},
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"run_id", "status", "url", "duplicate"}
    assert body["status"] in ("running", "succeeded") and body["duplicate"] is False
    # the app and `ren worker` both serve the app's pages
    assert body["url"] == f"{served.url}/runs/{body['run_id']}"
    assert response.headers["location"] == body["url"]
    assert httpx.get(body["url"]).status_code == 200  # the run's page
    report = served.finished(body["run_id"])
    assert report["status"] == "succeeded"
    assert report["workflow_id"] == "orders"
    assert report["output"] == {"amount": 42, "note": "from a test"}


def test_get_takes_the_query_parameters_and_the_secret_from_the_url(served: Served) -> None:
    secret = served.secrets["pings"]
    response = httpx.get(
        f"{served.url}/hooks/pings", params={"secret": secret, "amount": "7", "note": "q"}
    )
    assert response.status_code == 202, response.text
    report = served.finished(response.json()["run_id"])
    assert report["output"] == {"amount": 7, "note": "q"}  # no secret in the input


def test_path_and_method_must_match_the_webhook_node(served: Served) -> None:
    before = served.run_count()
    headers = {"X-Ren-Secret": served.secrets["orders"]}
    other = httpx.post(f"{served.url}/hooks/orders/old", json={"amount": 1}, headers=headers)
    error = error_of(other, 404, "not_found")
    assert "no webhook at /hooks/orders/old" in error["message"]
    assert "POST /hooks/orders/new" in error["message"]
    for method in ("GET", "PUT", "DELETE", "PATCH", "HEAD"):
        response = httpx.request(method, f"{served.url}/hooks/orders/new", headers=headers)
        assert response.status_code == 405, method
        assert response.headers["allow"] == "POST"
    error = error_of(
        httpx.get(f"{served.url}/hooks/orders/new", headers=headers), 405, "method_not_allowed"
    )
    assert error["message"] == "the webhook /hooks/orders/new takes POST, not GET"
    # `?path=` in the query is no sub-path
    query_path = httpx.post(
        f"{served.url}/hooks/orders", params={"path": "new"}, json={"amount": 1}, headers=headers
    )
    error_of(query_path, 404, "not_found")
    assert served.run_count() == before


def test_a_missing_or_wrong_secret_is_refused(served: Served) -> None:
    before = served.run_count()
    url = f"{served.url}/hooks/orders/new"
    missing = httpx.post(url, json={"amount": 1})
    error = error_of(missing, 404, "not_found")
    assert "X-Ren-Secret" in error["message"]
    wrong = httpx.post(url, json={"amount": 1}, headers={"X-Ren-Secret": "guess"})
    another = httpx.post(url, json={"amount": 1}, params={"secret": served.secrets["pings"]})
    for response in (wrong, another):  # another workflow's secret is as wrong as a guess
        assert (response.status_code, response.json()) == (404, missing.json())
    for response in (missing, wrong, another):
        assert served.secrets["orders"] not in response.text
    assert served.run_count() == before


def test_regenerating_refuses_the_old_secret_at_once(served: Served) -> None:
    url = f"{served.url}/hooks/rotate/x"
    old = served.secrets["rotate"]
    assert httpx.put(url, json={"amount": 1}, headers={"X-Ren-Secret": old}).status_code == 202
    command = subprocess.run(
        [*REN, "webhook", "rotate", "--regenerate", "--json"],
        cwd=ROOT,
        env={**os.environ, "REN_HOME": str(served.home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert command.returncode == 0, command.stderr
    shown = json.loads(command.stdout)  # handed to the running process
    new = shown["secret"]
    assert new != old
    assert shown["hooks"] == [{"node_id": "hook", "method": "PUT", "path": "/hooks/rotate/x"}]
    error_of(httpx.put(url, json={"amount": 1}, headers={"X-Ren-Secret": old}), 404, "not_found")
    assert httpx.put(url, json={"amount": 1}, headers={"X-Ren-Secret": new}).status_code == 202


def test_an_idempotency_key_starts_one_run(served: Served) -> None:
    before = served.run_count()
    headers = {"X-Ren-Secret": served.secrets["orders"], "Idempotency-Key": "evt-1"}
    url = f"{served.url}/hooks/orders/new"
    first = httpx.post(url, json={"amount": 5}, headers=headers)
    again = httpx.post(url, json={"amount": 5}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["run_id"] == first.json()["run_id"]
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    assert served.run_count() == before + 1


def test_a_body_that_is_no_json_object_is_a_bad_request(served: Served) -> None:
    before = served.run_count()
    url = f"{served.url}/hooks/orders/new"
    headers = {"X-Ren-Secret": served.secrets["orders"]}
    broken = httpx.post(url, content=b'{"amount": 1,}', headers=headers)
    error = error_of(broken, 400, "bad_request")
    assert error["message"] == (
        "the request body is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 1, column 14 (character 13)"
    )
    listed = httpx.post(url, json=[{"amount": 1}], headers=headers)
    error = error_of(listed, 400, "bad_request")
    assert error["message"] == "the request body must be a JSON object, got an array"
    assert served.run_count() == before


def test_an_input_that_does_not_fit_params_names_each_field(served: Served) -> None:
    before = served.run_count()
    response = httpx.post(
        f"{served.url}/hooks/orders/new",
        json={"amount": "many", "note": 3},
        headers={"X-Ren-Secret": served.secrets["orders"]},
    )
    error = error_of(response, 422, "bad_input")
    assert error["problems"] == [
        "input.amount: 'many' is not of type 'number'",
        "input.note: 3 is not of type 'string'",
    ]
    assert served.run_count() == before


@pytest.mark.parametrize("workflow", ["nothing", "gone", "draft"])
def test_unknown_deleted_and_draft_only_workflows_are_not_found(
    served: Served, workflow: str
) -> None:
    before = served.run_count()
    secret = served.secrets.get(workflow, "whatever")
    response = httpx.post(
        f"{served.url}/hooks/{workflow}", json={"amount": 1}, headers={"X-Ren-Secret": secret}
    )
    assert error_of(response, 404, "not_found")["message"] == (
        f"no webhook at /hooks/{workflow} takes this request: check the address, that the "
        "workflow is published, and its secret (the X-Ren-Secret header or ?secret=)"
    )
    assert served.run_count() == before
