"""A conversation on the chat page in a real browser: `ren` runs as a subprocess, the model is
the local OpenAI-compatible stub. The agent asks to call a tool that needs approval; the chat
page says it waits, a person approves the call in the inbox (a second tab), and the reply
appears on the chat page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from app.engine.service import Engine
from app.nodes.ai_ports import sub_node_edge
from tests.ai.openai_stub import OpenAIStub, Reply, tool_call
from tests.browser import chromium, require_chromium, start_ren, stop_app
from tests.ui.conftest import FUNCTION_FILES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def chat_flow(stub: OpenAIStub) -> dict[str, Any]:
    nap = {"function": "t.sleep", "name": "nap", "require_approval": True}
    return {
        "id": "helpdesk",
        "name": "Helpdesk",
        "nodes": [
            {"id": "chat", "type": "chat_trigger", "config": {"title": "Helpdesk chat"}},
            {"id": "agent", "type": "ai_agent", "config": {"prompt": "{{ input.message }}"}},
            {
                "id": "gpt",
                "type": "chat_model",
                "config": {"base_url": stub.base_url, "model": "m"},
            },
            {"id": "mem", "type": "memory_window", "config": {}},
            {"id": "nap", "type": "function_tool", "config": nap},
        ],
        "edges": [
            {"source": "chat", "target": "agent"},
            sub_node_edge("gpt", "agent", "ai_language_model"),
            sub_node_edge("mem", "agent", "ai_memory"),
            sub_node_edge("nap", "agent", "ai_tool"),
        ],
    }


@pytest.fixture(scope="module")
def ren_url(tmp_path_factory: pytest.TempPathFactory, stub: OpenAIStub) -> Iterator[str]:
    require_chromium()
    home = tmp_path_factory.mktemp("ren-chat")

    async def publish() -> None:
        from app.nodes.functions import load_functions

        for path in FUNCTION_FILES:
            load_functions(str(path))
        engine = Engine(home)
        await engine.start(recover=False)
        try:
            engine.import_workflow(chat_flow(stub))
        finally:
            await engine.stop()

    asyncio.run(publish())
    functions = [arg for path in FUNCTION_FILES for arg in ("--functions", str(path))]
    process, url = start_ren(home, *functions)
    yield url
    stop_app(process)


async def test_a_chat_message_waits_for_an_approval_in_the_inbox_then_answers(
    ren_url: str, stub: OpenAIStub, tmp_path: Path
) -> None:
    stub.script = [
        Reply(tool_calls=[tool_call("c1", "nap", {"seconds": 0})]),
        Reply("Rested and ready."),
    ]
    async with chromium(viewport={"width": 1280, "height": 860}) as context:
        chat = await context.new_page()
        await chat.goto(ren_url + "/chat/helpdesk")
        await expect(chat.get_by_text("Helpdesk chat")).to_be_visible()
        await chat.get_by_placeholder("Type a message").fill("Take a nap, please")
        await chat.get_by_role("button", name="Send").click()
        await expect(chat.get_by_text("Take a nap, please")).to_be_visible()
        await expect(chat.get_by_text("Waiting for a person to approve")).to_be_visible(
            timeout=15_000
        )

        inbox = await context.new_page()
        await inbox.goto(ren_url + "/inbox")
        card = inbox.locator("a.ren-task-item").filter(has_text="Approve tool call: nap")
        await expect(card).to_be_visible(timeout=10_000)
        await card.click()
        await inbox.get_by_label("Your name").fill("maria")
        await inbox.get_by_test_id("outcome-approve").click()
        await expect(inbox.get_by_text("Thanks — your answer was recorded")).to_be_visible()

        await expect(chat.get_by_text("Rested and ready.")).to_be_visible(timeout=20_000)
        await expect(chat.get_by_text("Waiting for a person to approve")).to_have_count(0)
    tool_answer = stub.chat_requests()[1]["messages"][-1]
    assert tool_answer["role"] == "tool" and "slept" in tool_answer["content"]
