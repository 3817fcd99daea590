"""Shared fixtures: every test gets its own data folder (REN_HOME) and a real engine on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from app.engine.service import Engine
from tests.flows import chain

# No per-example deadline anywhere: a deadline is a timed assertion, and on a busy machine
# (or with tests run side by side) a first call that imports a module overruns it.
settings.register_profile("ren", deadline=None)
settings.load_profile("ren")


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
    """start -> the given nodes (ids n1, n2, …) -> end, named `wid`."""
    return chain(wid, *node_types)


@pytest.fixture
def calls() -> Iterator[list[Any]]:
    """A list functions append to, so tests can see what ran (and how often)."""
    record: list[Any] = []
    yield record
