"""Token usage summed per run: an llm step and an ai_agent step against the local stub, their
tokens added up in the API's run detail (real HTTP) and under the run page's heading (NiceGUI's
simulated user); a run without AI steps shows none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nicegui.testing import User

from app.engine.service import Engine
from app.nodes.ai_ports import sub_node_edge
from tests.ai.openai_stub import OpenAIStub, Reply
from tests.api.v1_server import client, served
from tests.conftest import chain_workflow
from tests.ui.people import engine as app_engine

SUMMED = {"prompt_tokens": 22, "completion_tokens": 8, "total_tokens": 30}


def flow(base_url: str) -> dict[str, Any]:
    """start -> llm (12 + 3 tokens) -> agent (10 + 5 tokens)."""
    return {
        "schema": "ren.workflow/1",
        "id": "tokens",
        "name": "tokens",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "ask", "type": "llm", "config": {"prompt": "hi"}},
            {"id": "agent", "type": "ai_agent", "config": {"prompt": "{{ input.text }}"}},
            {"id": "gpt", "type": "chat_model", "config": {"base_url": base_url, "model": "m"}},
        ],
        "edges": [
            {"source": "start", "target": "ask"},
            {"source": "ask", "target": "agent"},
            sub_node_edge("gpt", "ask", "ai_language_model"),
            sub_node_edge("gpt", "agent", "ai_language_model"),
        ],
    }


def script() -> list[Reply]:
    return [Reply("Hello", usage=(12, 3)), Reply("Done", usage=(10, 5))]


async def test_the_api_run_detail_sums_the_tokens_of_the_ai_steps(engine: Engine) -> None:
    with OpenAIStub(script()) as stub:
        engine.import_workflow(flow(stub.base_url))
        run = await engine.run("tokens", {})
    assert run.status == "succeeded", run.error
    engine.import_workflow(chain_workflow(wid="plain"))
    async with served(engine) as api, client(api.url) as http:
        detail = (await http.get(f"/runs/{run.id}")).json()
        assert detail["usage"] == SUMMED
        plain = await http.post("/runs", json={"workflow": "plain", "input": {}, "wait": True})
        assert (await http.get(f"/runs/{plain.json()['run_id']}")).json()["usage"] is None


async def test_the_run_page_shows_the_runs_tokens(user: User, home: Path) -> None:
    await user.open("/runs")  # starts the app and its engine on `home`
    with OpenAIStub(script()) as stub:
        app_engine().import_workflow(flow(stub.base_url))
        run = await app_engine().run("tokens", {})
    assert run.status == "succeeded", run.error
    await user.open(f"/runs/{run.id}")
    await user.should_see("Tokens: 30 (prompt 22, completion 8)", marker="run-usage")
