"""schemathesis against /api/v1/openapi.json: requests generated from the document (valid and
invalid ones) never get a 5xx, and every answer matches the document (status codes, content
types, bodies). A real uvicorn on 127.0.0.1 serves a real engine (on its own thread and loop);
a published workflow with a waiting run gives the generated requests something to find.
The event streams never end by themselves, so tests/api/test_v1_events.py covers them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.server import serve_api
from app.api.v1 import build_v1
from app.engine.service import Engine
from tests.api.v1_server import EXPENSE

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class Background:
    """An engine and the API on a loop of their own thread (the tests' requests are sync)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(60)

    async def _start(self) -> str:
        self.engine = Engine(self.home)
        await self.engine.start()
        self.engine.import_workflow(EXPENSE)
        await self.engine.run("expense-approval", {"who": "Ana", "amount": 1})
        self.server = await serve_api(self.engine)
        return f"http://127.0.0.1:{self.server.config.port}/api/v1"

    async def _stop(self) -> None:
        self.server.should_exit = self.server.force_exit = True
        await self.server.shutdown()
        await self.engine.stop()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def served_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Background]:
    background = Background(tmp_path_factory.mktemp("api") / "home")
    yield background
    background.stop()


DOCUMENT = build_v1(lambda: None).openapi()  # the same document /api/v1/openapi.json serves
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT).exclude(path_regex=r"/events$")
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def test_the_served_document_is_the_one_tested(served_api: Background) -> None:
    assert httpx.get(f"{served_api.url}/openapi.json").json()["paths"] == DOCUMENT["paths"]


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_api_answers_as_documented(
    label: str, mode: GenerationMode, served_api: Background
) -> None:
    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same requests every run
        database=None,
    )
    @given(case=OPERATIONS[label].as_strategy(mode))
    def answers(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=served_api.url, checks=CHECKS)
        assert response.status_code < 500

    try:
        answers()
    except Unsatisfiable:  # no invalid request exists (e.g. any text is a valid id)
        assert mode is GenerationMode.NEGATIVE
