"""In the editor (real Chromium): AI sub-node ports are their own kinds, on the bottom of an AI
node and the top of a sub-node; a connection between two kinds is refused with a message, one
of the same kind becomes a dashed sub-node edge."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.editor.conftest import ren_home, ren_url  # noqa: F401 - fixtures
from tests.editor.test_editor_browser import (
    beside,
    connect,
    drag,
    drop_from_palette,
    handle,
    new_workflow,
    page,  # noqa: F401 - fixture
)


async def test_a_model_into_a_data_input_is_refused_and_into_its_own_kind_attaches(
    page: Page,  # noqa: F811
    ren_url: str,  # noqa: F811
) -> None:
    await new_workflow(page, ren_url, "AI ports")
    x, y = await beside(page, "start")
    await drop_from_palette(page, "llm", x + 150, y)
    await drop_from_palette(page, "chat_model", x + 150, y + 170)
    model_out = handle(page, "chat_model_1", "ai_language_model", "source")
    model_in = handle(page, "llm_1", "ai_language_model", "target")
    # Kinds are told apart by the handles: position and data-ptype (their colour).
    await expect(model_out).to_have_class(
        re.compile(r"vue-flow__handle-top.*ren-port--ai|ren-port--ai.*handle-top")
    )
    await expect(model_out).to_have_attribute("data-ptype", "ai_language_model")
    await expect(model_in).to_have_attribute("data-ptype", "ai_language_model")
    await expect(page.locator('.vue-flow__node[data-id="llm_1"] .ren-ai-ports__name')).to_have_text(
        "Model"
    )

    edges = await page.locator(".vue-flow__edge").count()
    await drag(page, model_out, handle(page, "llm_1", "in", "target"))
    notice = page.locator(".ren-flow-notice")
    await expect(notice).to_contain_text("gives Model (ai_language_model) but this input of")
    await expect(notice).to_contain_text("takes data ('in'); connect ports of the same kind")
    assert await page.locator(".vue-flow__edge").count() == edges

    await connect(page, "chat_model_1", "ai_language_model", "llm_1", "ai_language_model")
    await expect(page.locator(".vue-flow__edge.ren-edge--ai")).to_have_count(1)
