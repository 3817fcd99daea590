"""The same workflow open in two tabs of a real browser: the second tab to save after the
other one is told its draft was changed elsewhere, and nothing is overwritten."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser import chromium
from tests.editor.test_editor_browser import (
    beside,
    drop_from_palette,
    editor_ready,
    new_workflow,
    node,
    saved,
)

pytestmark = pytest.mark.browser


async def test_two_tabs_on_one_workflow(ren_url: str) -> None:
    async with chromium(viewport={"width": 1440, "height": 900}) as context:
        errors: list[str] = []
        tab_a = await context.new_page()
        tab_b = await context.new_page()
        for tab in (tab_a, tab_b):
            tab.on("pageerror", lambda e: errors.append(str(e)))
        workflow_id = await new_workflow(tab_a, ren_url, "Two tabs")
        await tab_b.goto(f"{ren_url}/workflows/{workflow_id}")
        await editor_ready(tab_b)

        # tab B adds a Log node and saves it
        x, y = await beside(tab_b, "start")
        await drop_from_palette(tab_b, "log", x + 200, y)
        await saved(tab_b)

        # tab A, still on the draft it loaded, adds an End node: told, not saved
        x, y = await beside(tab_a, "start")
        await drop_from_palette(tab_a, "end", x + 200, y + 80)
        notice = tab_a.get_by_test_id("draft-conflict")
        await expect(notice).to_be_visible(timeout=5000)
        await expect(notice).to_contain_text("This draft was changed elsewhere")
        await expect(tab_a.locator(".ren-save-state")).to_have_text("Not saved")

        # Reload in tab A shows tab B's node and drops its own
        await tab_a.get_by_test_id("conflict-reload").click()
        await expect(notice).to_be_hidden()
        await expect(node(tab_a, "log_1")).to_be_visible()
        await expect(node(tab_a, "end_1")).to_have_count(0)
        await saved(tab_a)

        # tab B is still current: its next edit saves without a conflict
        await drop_from_palette(tab_b, "end", x + 420, y + 80)
        await saved(tab_b)
        await expect(tab_b.get_by_test_id("draft-conflict")).to_be_hidden()
        await tab_b.reload()
        await editor_ready(tab_b)
        await expect(tab_b.locator(".vue-flow__node")).to_have_count(3)
    assert not errors, errors
