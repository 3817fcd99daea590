"""/api/v1 on a LAN-style bind (tests.auth.lan_server: a real `ren` on 127.0.0.2 with accounts
boss (admin), ann and bob (assignees), and a task waiting for each of ann and bob): no token is
401, an assignee sees and answers only their own tasks and reads no runs or workflows, and a
token-driven `ren --url` works as the same person."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.auth.lan_server import LanServer, ren, start_lan_server
from tests.browser import stop_app
from tests.ren_cli import REN, ROOT, child_env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LanServer]:
    running = start_lan_server(tmp_path_factory.mktemp("lan-api") / "home")
    yield running
    stop_app(running.process)


def token(server: LanServer, name: str) -> str:
    made = ren(server.home, "tokens", "create", name, "--label", "api tests")
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def api(server: LanServer, secret: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.Client(base_url=f"{server.url}/api/v1", headers=headers, timeout=60)


def test_no_token_is_401_in_the_error_shape(server: LanServer) -> None:
    with api(server, None) as http:
        answer = http.get("/runs")
        assert answer.status_code == 401
        assert answer.json()["error"]["kind"] == "unauthorized"
    with api(server, "ren_not-a-token") as http:
        assert http.get("/tasks").status_code == 401


def test_an_assignee_sees_and_answers_only_their_tasks(server: LanServer) -> None:
    ann, bob = server.tasks["ann"], server.tasks["bob"]
    with api(server, token(server, "ann")) as http:
        assert [t["id"] for t in http.get("/tasks").json()] == [ann]
        assert http.get(f"/tasks/{bob}").json()["error"]["kind"] == "not_found"
        taken = http.post(f"/tasks/{bob}/complete", json={"outcome": "submit"})
        assert taken.status_code == 404
        for path in ("/runs", f"/runs/{server.runs['ann']}", "/workflows", "/schedules"):
            refused = http.get(path)
            assert refused.status_code == 403, path
            assert refused.json()["error"]["kind"] == "forbidden"
        refused = http.post("/runs", json={"workflow": "for_ann"})
        assert refused.status_code == 403
        done = http.post(f"/tasks/{ann}/complete", json={"outcome": "submit", "by": "someone"})
        assert done.status_code == 200 and done.json()["status"] == "succeeded"
    with api(server, token(server, "boss")) as http:
        assert http.get(f"/tasks/{ann}").json()["completed_by"] == "ann"  # not "someone"
        assert http.get(f"/tasks/{bob}").json()["status"] == "open"
        assert http.get("/runs").status_code == 200


def test_the_command_line_with_a_token(server: LanServer, tmp_path: Path) -> None:
    given = {"REN_URL": server.url, "REN_TOKEN": token(server, "bob"), "REN_HOME": str(tmp_path)}
    environment = child_env(given)
    done = subprocess.run(
        [*REN, "tasks", "--json"], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert server.tasks["bob"] in done.stdout and server.tasks["ann"] not in done.stdout
    refused = subprocess.run(
        [*REN, "runs"], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert refused.returncode == 2 and "runs.read" in refused.stderr
