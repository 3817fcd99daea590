"""Shared pieces of the example tests: loading an example as it ships, a home folder of the
test's own (so `~` in an example points into the test's temporary folder), credentials in the
test's data folder (trusting an imported example is tests.flows.publish_reviewed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.trash_home import use_home

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str) -> dict[str, Any]:
    """The example file as it ships (a dict, so a test can point a URL at its local server)."""
    doc: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return doc


def node(doc: dict[str, Any], node_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(n for n in doc["nodes"] if n["id"] == node_id)
    return found


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`~` for this test: a folder inside its temporary folder (the trash lives there too)."""
    folder = tmp_path / "user-home"
    folder.mkdir()
    use_home(monkeypatch, folder)
    yield folder
