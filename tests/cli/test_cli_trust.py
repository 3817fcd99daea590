"""`ren run FILE` trusts the file's code; `ren trust WORKFLOW` approves imported code (real
processes on a real data folder)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from app.engine.workflows import WorkflowInvalid
from tests.conftest import chain_workflow
from tests.ren_cli import run_ren


def code_doc(code: str) -> dict[str, Any]:
    return chain_workflow({"type": "code", "config": {"code": code}}, wid="calc")


def test_ren_run_file_runs_its_code(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "calc.json"
    path.write_text(json.dumps(code_doc("return {'y': state['x'] * 2}")))
    done = run_ren(home, "run", str(path), "--input", '{"x": 21}', "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["output"] == {"y": 42}


def test_ren_trust_approves_imported_code(home: Path) -> None:
    async def import_then_run(after_trust: bool) -> Any:
        async with Engine(home) as engine:
            if not after_trust:
                with pytest.raises(WorkflowInvalid):
                    engine.import_workflow(code_doc("return {'y': state['x'] + 1}"))
                return None
            run = await engine.run("calc", {"x": 1})
            return run.output

    asyncio.run(import_then_run(after_trust=False))
    shown = run_ren(home, "trust", "calc", "--show")
    assert shown.returncode == 0, shown.stderr
    assert "--- node 'n1'" in shown.stdout and "return {'y': state['x'] + 1}" in shown.stdout
    trusted = run_ren(home, "trust", "calc")
    assert trusted.returncode == 0, trusted.stderr
    assert "calc: trusted the code of 1 Code node(s) (1 in all)" in trusted.stdout
    assert "published as version 1: it can run" in trusted.stdout
    assert asyncio.run(import_then_run(after_trust=True)) == {"y": 2}
    again = run_ren(home, "trust", "calc", "--show")
    assert again.stdout.strip() == "calc: no untrusted code"


def test_ren_trust_of_an_unknown_workflow_says_so(home: Path) -> None:
    done = run_ren(home, "trust", "nope")
    assert done.returncode == 2
    assert done.stderr.strip() == "ren: no workflow 'nope'"
    assert "Traceback" not in done.stderr
