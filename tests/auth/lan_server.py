"""A real `ren` app served LAN-style for the access tests.

It binds 127.0.0.2: Linux routes all of 127.0.0.0/8 to the loopback interface, so nothing
leaves the machine, yet Ren treats every address but 127.0.0.1, localhost and ::1 as one
others can reach (app.auth.mode), exactly as it treats 0.0.0.0 or a LAN address: accounts
are required. Before the server starts, a real engine on the same data folder publishes a
workflow with a task for ann and one for bob, and leaves both runs waiting, and publishes a
form shared by link (/forms/signup).
"""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.engine.service import Engine
from tests.browser import free_port, start_app, stop_app
from tests.conftest import chain_workflow
from tests.nodes.test_form_trigger import form_flow
from tests.ren_cli import REN, ROOT, ren_env

LAN_HOST = "127.0.0.2"
PASSWORDS = {"boss": "boss-password-1", "ann": "ann-password-1", "bob": "bob-password-1"}


def approval(assignee: str, wid: str) -> dict[str, object]:
    doc = chain_workflow(
        {"type": "human_task", "config": {"title": f"For {assignee}", "assignee": assignee}},
        wid=wid,
    )
    doc["edges"][1]["source_port"] = "submit"  # type: ignore[index]
    return doc


async def prepare_runs(home: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Runs waiting for ann's and bob's answers; returns {assignee: task id}, {assignee: run}."""
    async with Engine(home) as engine:
        engine.import_workflow(form_flow(title="Book a table", access="link"))  # /forms/signup
        tasks: dict[str, str] = {}
        runs: dict[str, str] = {}
        for person in ("ann", "bob"):
            engine.import_workflow(approval(person, f"for_{person}"))
            run_id = runs[person] = await engine.start_run(f"for_{person}", {})
            for _ in range(400):
                found = engine.tasks.open_tasks(run_id=run_id)
                if found:
                    tasks[person] = str(found[0]["id"])
                    break
                await asyncio.sleep(0.025)
        return tasks, runs


def ren(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*REN, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=ren_env(home),
        cwd=ROOT,
        timeout=120,
    )


def add_users(home: Path) -> None:
    for name, role in (("boss", "admin"), ("ann", "assignee"), ("bob", "assignee")):
        done = ren(
            home,
            "users",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            stdin=PASSWORDS[name] + "\n",
        )
        assert done.returncode == 0, done.stderr


@dataclass
class LanServer:
    home: Path
    url: str
    process: subprocess.Popen[bytes]
    tasks: dict[str, str]
    runs: dict[str, str]

    @property
    def origin(self) -> dict[str, str]:
        return {"Origin": self.url}


def serve(home: Path, url: str) -> subprocess.Popen[bytes]:
    port = url.rsplit(":", 1)[1]
    command = [*REN, "--no-browser", "--host", LAN_HOST, "--port", port]
    return start_app(command, url + "/login", home / "ren.log", {"REN_HOME": str(home)})


def start_lan_server(home: Path) -> LanServer:
    tasks, runs = asyncio.run(prepare_runs(home))
    add_users(home)
    url = f"http://{LAN_HOST}:{free_port()}"
    return LanServer(home, url, serve(home, url), tasks, runs)


def restart(server: LanServer) -> None:
    """Stop the server's process and start a new one on the same folder and address."""
    stop_app(server.process)
    server.process = serve(server.home, server.url)
