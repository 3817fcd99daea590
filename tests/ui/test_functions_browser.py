"""The Functions page in real Chromium against a real `ren`: write a function in the code
editor (a syntax error is marked at its line and not saved), save it, and try it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.async_api import expect

from tests.ui.conftest import RenApp

pytestmark = pytest.mark.browser

Page = Any  # playwright.async_api.Page

BROKEN = "from app import register_function\n\n\ndef double(state, factor:\n    return {}\n"
GOOD = '''from app import register_function


@register_function("browser.double")
def double(state, factor: int = 2):
    """Multiply x."""
    return {"x": state["x"] * factor}
'''


async def replace_code(page: Page, text: str) -> None:
    editor = page.locator(".cm-content")
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await page.keyboard.insert_text(text)


async def test_write_save_and_try_a_function(ren_app: RenApp, browser_page: Page) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/functions/new?name=browser.double&args=factor")
    await expect(page.locator(".cm-content")).to_contain_text(
        '@register_function("browser.double")'
    )
    await expect(page.locator(".cm-content")).to_contain_text("def double(state, factor):")

    await replace_code(page, BROKEN)
    problem = page.locator(".ren-code-problem")
    await expect(problem).to_contain_text("Line 4: syntax error")
    await expect(page.locator(".cm-line.ren-code-error")).to_have_count(1)
    await expect(page.locator(".cm-line.ren-code-error")).to_contain_text("def double(")
    await page.get_by_test_id("save-code").click()
    await expect(page.get_by_text("Not saved: fix the syntax error first")).to_be_visible()
    assert not (ren_app.home / "functions" / "browser_double.py").exists()

    await replace_code(page, GOOD)
    await expect(page.locator(".ren-code-problem")).to_have_count(0)
    await page.get_by_test_id("save-code").click()
    await expect(page).to_have_url(re.compile(r"/functions/edit/browser_double\.py$"))
    assert (ren_app.home / "functions" / "browser_double.py").read_text() == GOOD

    await page.goto(ren_app.url + "/functions")
    await expect(page.get_by_text("(state, factor: integer = 2)")).to_be_visible()
    await page.get_by_test_id("try-browser.double").click()
    await page.get_by_label("state (the node's input, JSON)").fill('{"x": 21}')
    await page.get_by_label("factor").fill("3")
    await page.get_by_test_id("try-run").click()
    output = page.locator(".q-dialog code, .q-dialog pre").first
    await expect(output).to_contain_text('"x": 63')
    shown = json.loads(await output.inner_text())
    assert shown == {"x": 63}
    await expect(page.get_by_text(re.compile(r"^\d+\.\d ms$"))).to_be_visible()
