"""The New schedule dialog in Chromium on a laptop-sized window: at 1280×900 and 1280×720 its
Add and Cancel buttons are on screen without scrolling the page, and Add works."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from tests.ui.conftest import RenApp

pytestmark = pytest.mark.browser


async def test_new_schedule_buttons_are_visible_and_work_at_laptop_heights(
    ren_app: RenApp, browser_page: Any
) -> None:
    page = browser_page
    for height in (900, 720):
        await page.set_viewport_size({"width": 1280, "height": height})
        await page.goto(f"{ren_app.url}/schedules")
        await page.get_by_test_id("new-schedule").first.click()
        dialog = page.get_by_role("dialog")
        await expect(dialog).to_contain_text("New schedule")
        add = dialog.get_by_test_id("save-schedule")
        cancel = dialog.get_by_role("button", name="Cancel")
        # an input long enough to grow the box: the actions still stay on screen
        box = dialog.get_by_label("Input for each run (JSON)")
        await box.fill("{\n" + ",\n".join(f'  "k{i}": {i}' for i in range(12)) + "\n}")
        for button in (add, cancel):
            await expect(button).to_be_in_viewport(ratio=1)
            shown = await button.bounding_box()
            assert shown is not None and shown["y"] + shown["height"] <= height, (height, shown)
        if height == 900:
            await cancel.click()
            await expect(dialog).to_be_hidden()
    # Add is clickable (nothing covers it) and adds the schedule
    await dialog.get_by_text("Weekdays at 9:00").click()
    await box.fill('{"data": {"amount": 5}}')
    await add.click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator(".q-notification").last).to_contain_text("Schedule added")
