"""The chat page through NiceGUI's simulated user: each message starts a run of the published
workflow with the page's session, the agent's reply appears (a streamed one as it is written),
the memory carries the conversation into the next message, and an address without a chat is a
404 page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from nicegui.testing import User

from app.nodes.ai_ports import sub_node_edge
from tests.ai.openai_stub import Error, OpenAIStub, Reply
from tests.ui.conftest import forget_pages, ren_home  # noqa: F401 - autouse fixtures
from tests.ui.people import engine, wait_for


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def chat_flow(stub: OpenAIStub, **chat: Any) -> dict[str, Any]:
    return {
        "id": "helpdesk",
        "name": "Helpdesk",
        "nodes": [
            {"id": "chat", "type": "chat_trigger", "config": chat},
            {"id": "agent", "type": "ai_agent", "config": {"prompt": "{{ input.message }}"}},
            {
                "id": "gpt",
                "type": "chat_model",
                "config": {"base_url": stub.base_url, "model": "m"},
            },
            {"id": "mem", "type": "memory_window", "config": {"turns": 5}},
        ],
        "edges": [
            {"source": "chat", "target": "agent"},
            sub_node_edge("gpt", "agent", "ai_language_model"),
            sub_node_edge("mem", "agent", "ai_memory"),
        ],
    }


PATIENT = 200  # should_see tries every 0.1 s; a run on a loaded machine may take seconds


async def say(user: User, text: str) -> None:
    user.find(marker="chat-input").type(text)
    user.find(marker="chat-send").click()


async def test_messages_start_runs_and_replies_carry_the_conversation(
    user: User, stub: OpenAIStub
) -> None:
    eng = engine()
    eng.import_workflow(chat_flow(stub, title="Ask the helpdesk", welcome="Hi! How can I help?"))
    stub.script = [Reply("Have you tried turning it off?"), Reply("Then call us.")]
    await user.open("/chat/helpdesk")
    await user.should_see("Ask the helpdesk")
    await user.should_see("Hi! How can I help?")
    await say(user, "My printer is broken")
    await user.should_see("Have you tried turning it off?", marker="chat-reply", retries=PATIENT)
    await say(user, "Yes, still broken")
    await user.should_see("Then call us.", marker="chat-reply", retries=PATIENT)

    runs = sorted(eng.list_runs(), key=lambda r: r.created_at)
    assert [r.input["message"] for r in runs] == ["My printer is broken", "Yes, still broken"]
    assert runs[0].input["session"] == runs[1].input["session"]
    second = stub.chat_requests()[1]["messages"]
    assert [m["content"] for m in second[1:]] == [
        "My printer is broken",
        "Have you tried turning it off?",
        "Yes, still broken",
    ]


async def test_a_streamed_reply_shows_as_it_is_written(user: User, stub: OpenAIStub) -> None:
    eng = engine()
    eng.import_workflow(chat_flow(stub))
    written = threading.Event()
    stub.script = [Reply("Have you tried turning it off?", hold=written, hold_after=3)]
    await user.open("/chat/helpdesk")
    await say(user, "My printer is broken")
    await user.should_see("Have you tried", marker="chat-streaming", retries=PATIENT)
    await user.should_not_see("turning it off?")  # the rest is not written yet
    written.set()
    await user.should_see("Have you tried turning it off?", marker="chat-reply", retries=PATIENT)
    await user.should_not_see(marker="chat-streaming")  # the run's reply took its place
    (run,) = eng.list_runs()
    assert eng.steps(run.id)[-1].output["text"] == "Have you tried turning it off?"


async def test_a_failed_run_is_said_and_the_page_goes_on(user: User, stub: OpenAIStub) -> None:
    eng = engine()
    flow = chat_flow(stub)
    flow["nodes"][2]["config"]["retries"] = 0
    eng.import_workflow(flow)
    stub.script = [Error(400, "model not loaded")]
    await user.open("/chat/helpdesk")
    await say(user, "hello")
    await wait_for(lambda: [r.status for r in eng.list_runs()] == ["failed"], timeout=30)
    await user.should_see(marker="chat-failed")
    await user.should_see("model not loaded")  # the reason, in the notification


async def test_an_address_without_a_chat_is_a_404(user: User, stub: OpenAIStub) -> None:
    with pytest.raises(AssertionError, match="got 404"):
        await user.open("/chat/nothing-here")


async def test_the_chat_page_is_behind_the_host_guard(user: User, stub: OpenAIStub) -> None:
    eng = engine()
    eng.import_workflow(chat_flow(stub, title="Ask the helpdesk"))
    refused = await user.http_client.get("/chat/helpdesk", headers={"Host": "evil.example"})
    assert refused.status_code == 421
    assert "Ask the helpdesk" not in refused.text
    assert eng.list_runs() == []
