"""Shared pieces of the http_request and credentials tests: a workflow with one HTTP step,
running it on a real engine, and a data folder whose credentials key is a key file (no test
touches the OS keyring of the machine running it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from app.credentials.vault import Vault, close_vault, folder_vault
from app.engine.service import Engine
from app.store.schema import Run
from tests.conftest import chain_workflow


@pytest.fixture
def vault(home: Path) -> Iterator[Vault]:
    """The test data folder's credentials, with the keyring out of the way (a key file)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    home.mkdir(parents=True, exist_ok=True)
    yield folder_vault(home)
    keyring.set_keyring(previous)
    close_vault(home)


def http_flow(wid: str = "wf", **config: Any) -> dict[str, Any]:
    return chain_workflow({"type": "http_request", "config": config}, wid=wid)


async def run_http(engine: Engine, input: Any = None, wid: str = "wf", **config: Any) -> Run:
    engine.import_workflow(http_flow(wid, **config))
    return await engine.run(wid, input or {})


def http_step(engine: Engine, run_id: str) -> Any:
    """The HTTP step's last attempt (its output, or its error)."""
    steps = [s for s in engine.steps(run_id) if s.node_id == "n1"]
    assert steps, "the HTTP step did not run"
    return steps[-1]
