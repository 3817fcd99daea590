"""An AI chat built and used in a real browser, as a new user would, with the mouse: in the
editor, a Chat trigger, an AI agent, a Chat model (the local OpenAI-compatible stub), two
function tools (one needing approval) and a memory are dropped from the palette and wired
together, configured in the side panel and published; on the chat page a message makes the
agent call both tools; the page says it waits for a person, who approves the call in the inbox
(a second tab), and the reply appears in the chat. One `ren` process, one browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.ai.openai_stub import OpenAIStub, Reply, Step, tool_call
from tests.browser import chromium, require_chromium, start_ren, stop_app
from tests.editor.test_editor_browser import (
    connect,
    drop_from_palette,
    field,
    new_workflow,
    node,
    saved,
)
from tests.ui.conftest import FUNCTION_FILES

pytestmark = pytest.mark.browser


def helpdesk(body: dict[str, Any]) -> Step:
    """t.add (no approval), then t.sleep (needs approval), then the answer; the tools are
    named after their functions."""
    done = [m for m in body["messages"] if m["role"] == "tool"]
    if not done:
        return Reply(tool_calls=[tool_call("c1", "t_add", {"by": 2})])
    if len(done) == 1:
        return Reply(tool_calls=[tool_call("c2", "t_sleep", {"seconds": 0})])
    return Reply("Rested and ready.")


@pytest.fixture(scope="module")
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(responder=helpdesk) as server:
        yield server


@pytest.fixture(scope="module")
def ren_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    home = tmp_path_factory.mktemp("ren-chat")
    functions = [arg for path in FUNCTION_FILES for arg in ("--functions", str(path))]
    process, url = start_ren(home, *functions)
    yield url
    stop_app(process)


async def configure(page: Page, node_id: str, values: dict[str, str]) -> None:
    """Select a node and type its settings into the side panel."""
    await node(page, node_id).locator(".ren-node__label").click()
    await expect(page.locator(".ren-inspector")).to_contain_text(f"id: {node_id}")
    for name, value in values.items():
        await type_into(page, name, value)


async def type_into(page: Page, name: str, value: str) -> None:
    """Fill a side-panel field and leave it; again if the panel was redrawn meanwhile (a
    change redraws it, and a fill that lands in the old one is lost, as a person would see)."""
    for _ in range(3):
        await field(page, name).fill(value)
        await field(page, name).press("Tab")
        try:
            await expect(field(page, name)).to_have_value(value, timeout=2_000)
            return
        except AssertionError:
            continue
    await expect(field(page, name)).to_have_value(value)


async def pick_function(page: Page, node_id: str, name: str) -> None:
    """Select a tool node and choose its function from the side panel's list of functions."""
    await configure(page, node_id, {})
    picker = page.locator('.ren-inspector [data-field="function"]')
    await picker.click()
    await page.get_by_role("option", name=re.compile(re.escape(name) + "$")).click()
    await expect(picker).to_have_value(name)


async def switch_on(page: Page, name: str) -> None:
    toggle = page.locator(f'.ren-inspector [data-field="{name}"]')
    for _ in range(3):
        if await toggle.get_attribute("aria-checked") != "true":  # a redrawn panel: off again
            await toggle.click()
        try:
            await expect(toggle).to_have_attribute("aria-checked", "true", timeout=2_000)
            return
        except AssertionError:
            continue
    await expect(toggle).to_have_attribute("aria-checked", "true")


async def build_helpdesk(page: Page, url: str, stub: OpenAIStub) -> str:
    workflow_id = await new_workflow(page, url, "Helpdesk")
    await node(page, "start").locator(".ren-node__label").click()
    await page.keyboard.press("Delete")  # a chat starts this flow, not Start
    await expect(node(page, "start")).to_have_count(0)
    canvas = await page.locator(".ren-editor-canvas").bounding_box()
    assert canvas
    w, h = canvas["width"], canvas["height"]
    await drop_from_palette(page, "chat_trigger", w * 0.15, h * 0.12)
    await drop_from_palette(page, "ai_agent", w * 0.5, h * 0.12)
    for n, sub in enumerate(("chat_model", "function_tool", "function_tool", "memory_window")):
        await drop_from_palette(page, sub, w * (0.14 + 0.22 * n), h * 0.4)

    await connect(page, "chat_trigger_1", "out", "ai_agent_1", "in")
    await connect(page, "chat_model_1", "ai_language_model", "ai_agent_1", "ai_language_model")
    await connect(page, "function_tool_1", "ai_tool", "ai_agent_1", "ai_tool")
    await connect(page, "function_tool_2", "ai_tool", "ai_agent_1", "ai_tool")
    await connect(page, "memory_window_1", "ai_memory", "ai_agent_1", "ai_memory")
    await expect(page.locator(".vue-flow__edge.ren-edge--ai")).to_have_count(4)

    await configure(page, "chat_trigger_1", {"title": "Helpdesk chat"})
    await configure(page, "ai_agent_1", {"prompt": "{{ input.message }}"})
    await configure(page, "chat_model_1", {"base_url": stub.base_url, "model": "stub"})
    await pick_function(page, "function_tool_1", "t.add")
    await pick_function(page, "function_tool_2", "t.sleep")
    await switch_on(page, "require_approval")
    await expect(node(page, "function_tool_2").locator(".ren-node__problems")).to_have_count(0)
    await expect(page.locator(".ren-problems-button")).to_contain_text("No problems")
    await saved(page)

    await page.locator(".ren-publish").click()
    await page.locator(".ren-publish-message input").fill("First chat")
    await page.locator(".ren-publish-go").click()
    await expect(page.locator(".q-notification")).to_contain_text("Published version 1")
    return workflow_id


async def test_build_an_agent_in_the_editor_chat_with_it_and_approve_its_tool_call(
    ren_url: str, stub: OpenAIStub
) -> None:
    async with chromium(viewport={"width": 1440, "height": 900}) as context:
        editor = await context.new_page()
        workflow_id = await build_helpdesk(editor, ren_url, stub)

        chat = await context.new_page()
        await chat.goto(f"{ren_url}/chat/{workflow_id}")
        await expect(chat.get_by_text("Helpdesk chat")).to_be_visible()
        await chat.get_by_placeholder("Type a message").fill("Count to two, then nap")
        await chat.get_by_role("button", name="Send").click()
        await expect(chat.get_by_text("Count to two, then nap")).to_be_visible()
        await expect(chat.get_by_text("Waiting for a person to approve")).to_be_visible(
            timeout=20_000
        )

        inbox = editor  # the same person, another page of the app
        await inbox.goto(ren_url + "/inbox")
        card = inbox.locator("a.ren-task-item").filter(has_text="Approve tool call: t_sleep")
        await expect(card).to_be_visible(timeout=10_000)
        await card.click()
        await inbox.get_by_label("Your name").fill("maria")
        await inbox.get_by_test_id("outcome-approve").click()
        await expect(inbox.get_by_text("Thanks — your answer was recorded")).to_be_visible()

        reply = chat.locator(".q-message-text-content").filter(has_text="Rested and ready.")
        await expect(reply).to_be_visible(timeout=20_000)
        await expect(chat.get_by_text("Waiting for a person to approve")).to_have_count(0)

    bodies = stub.chat_requests()
    assert [t["function"]["name"] for t in bodies[0]["tools"]] == ["t_add", "t_sleep"]
    assert bodies[0]["model"] == "stub"
    counted, napped = [m for m in bodies[-1]["messages"] if m["role"] == "tool"]
    assert '"counter": 2' in counted["content"] and "slept" in napped["content"]
