"""`ren trust WORKFLOW` approves an imported command node: it prints the command line as JSON,
trusts it and publishes (real processes on a real data folder)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from app.engine.workflows import WorkflowInvalid
from tests.conftest import chain_workflow
from tests.ren_cli import run_ren

ARGS = ["-c", "print(6 * 7)"]


def command_doc() -> dict[str, Any]:
    config = {"program": sys.executable, "args": ARGS}
    return chain_workflow({"type": "command", "config": config}, wid="cmd")


def test_ren_trust_approves_an_imported_command(home: Path) -> None:
    async def import_then_run(after_trust: bool) -> Any:
        async with Engine(home) as engine:
            if not after_trust:
                with pytest.raises(WorkflowInvalid) as refused:
                    engine.import_workflow(command_doc())
                assert "this workflow was imported with a command" in str(refused.value)
                return None
            run = await engine.run("cmd", {})
            return run.output

    asyncio.run(import_then_run(after_trust=False))
    shown = run_ren(home, "trust", "cmd", "--show", "--json")
    assert shown.returncode == 0, shown.stderr
    [node] = json.loads(shown.stdout)
    assert node["node_id"] == "n1" and node["type"] == "command"
    assert json.loads(node["code"])["args"] == ARGS
    trusted = run_ren(home, "trust", "cmd")
    assert trusted.returncode == 0, trusted.stderr
    assert "--- node 'n1' (command)" in trusted.stdout
    assert "cmd: trusted what 1 node(s) run (1 needing trust)" in trusted.stdout
    assert "published as version 1: it can run" in trusted.stdout
    output = asyncio.run(import_then_run(after_trust=True))
    assert output["exit_code"] == 0 and output["stdout"].strip() == "42"
