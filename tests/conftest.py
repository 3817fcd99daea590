"""Shared fixtures: every test gets its own data folder (REN_HOME) and a real engine on it."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ren-home"
    monkeypatch.setenv("REN_HOME", str(folder))
    return folder


@pytest.fixture
async def engine(home: Path) -> AsyncIterator[Engine]:
    eng = Engine(home)
    await eng.start()
    yield eng
    await eng.stop()


def chain_workflow(*node_types: dict[str, Any], wid: str = "wf") -> dict[str, Any]:
    """start -> the given nodes (ids n1, n2, …) -> end."""
    nodes = [{"id": "start", "type": "start"}]
    for i, node in enumerate(node_types, 1):
        nodes.append({"id": f"n{i}", **node})
    nodes.append({"id": "end", "type": "end"})
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {"schema": "ren.workflow/1", "id": wid, "name": wid, "nodes": nodes, "edges": edges}


@pytest.fixture
def calls() -> Iterator[list[Any]]:
    """A list functions append to, so tests can see what ran (and how often)."""
    record: list[Any] = []
    yield record
