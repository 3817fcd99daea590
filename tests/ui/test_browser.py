"""The app in a real browser: `ren` runs as a subprocess on a free port with its own data
folder (see conftest's `ren_app`), async Playwright drives /usr/bin/chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from tests.ui.conftest import EXAMPLES, RenApp

pytestmark = pytest.mark.browser

Page = Any  # playwright.async_api.Page

PAGES = [
    ("/workflows", "Workflows"),
    ("/runs", "Runs"),
    ("/inbox", "Inbox"),
    ("/schedules", "Schedules"),
    ("/settings", "Settings"),
]


async def test_every_page_renders_and_navigates(ren_app: RenApp, browser_page: Page) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/")
    await expect(page.get_by_role("heading", name="Workflows")).to_be_visible()
    for path, title in PAGES:
        await page.locator(f'a[href="{path}"].ren-nav-item').click()
        await expect(page).to_have_url(ren_app.url + path)
        await expect(page.get_by_role("heading", name=title)).to_be_visible()
        await expect(page.locator(f'a[href="{path}"].ren-nav-item')).to_have_class(
            re.compile("active")
        )
        await expect(page.get_by_test_id("inbox-count")).to_have_text("0")
    await expect(page).to_have_title("Settings · Ren")


async def test_theme_switch_persists_across_pages(ren_app: RenApp, browser_page: Page) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/workflows")
    body = page.locator("body")
    dark = await body.evaluate("b => b.classList.contains('body--dark')")
    await page.get_by_test_id("theme-switch").click()
    await expect(body).to_have_class(re.compile("body--light" if dark else "body--dark"))
    await page.goto(ren_app.url + "/runs")
    await expect(body).to_have_class(re.compile("body--light" if dark else "body--dark"))
    await page.get_by_test_id("theme-switch").click()  # back as it was
    await expect(body).to_have_class(re.compile("body--dark" if dark else "body--light"))


async def test_import_a_seed_file_and_see_it_listed(ren_app: RenApp, browser_page: Page) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/workflows")
    await page.get_by_test_id("import").click()
    await page.locator("input[type=file]").set_input_files(
        EXAMPLES / "seed001_product_selection.json"
    )
    # seed 001 calls functions this app has not registered: kept as a draft, and said so
    await expect(page.get_by_text("as a draft")).to_be_visible()
    row = page.locator('[data-workflow="seed001_product_selection"]')
    await expect(row).to_be_visible()
    await expect(row.get_by_text("Draft only")).to_be_visible()
    await expect(row.get_by_role("link", name="Seed001 product selection")).to_be_visible()


async def test_a_bad_file_is_refused_with_the_reason(ren_app: RenApp, browser_page: Page) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/workflows")
    before = await page.locator(".ren-list-row[data-workflow]").count()
    await page.get_by_test_id("import").click()
    await page.locator("input[type=file]").set_input_files(
        {"name": "broken.json", "mimeType": "application/json", "buffer": b'{"nodes": [1,'}
    )
    error = page.get_by_test_id("import-error")
    await expect(error).to_contain_text("Couldn't import broken.json")
    await expect(error).to_contain_text("invalid JSON at line 1")
    await page.keyboard.press("Escape")
    await page.reload()
    await expect(page.locator(".ren-list-row[data-workflow]")).to_have_count(before)


async def test_create_from_the_keyboard_opens_the_editor(
    ren_app: RenApp, browser_page: Page
) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/workflows")
    await expect(page.get_by_role("heading", name="Workflows")).to_be_visible()
    await page.keyboard.press("n")
    name = page.get_by_label("Name")
    await expect(name).to_be_focused()
    await name.fill("Browser made")
    await name.press("Enter")
    await expect(page).to_have_url(ren_app.url + "/workflows/browser-made")


async def test_slash_focuses_search_and_search_filters(ren_app: RenApp, browser_page: Page) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/workflows")
    await expect(page.locator('[data-workflow="slow"]')).to_be_visible()
    await page.keyboard.press("/")
    search = page.get_by_placeholder("Search workflows")
    await expect(search).to_be_focused()
    await search.fill("slo")
    await expect(page.locator('[data-workflow="slow"]')).to_be_visible()
    await expect(page.locator('[data-workflow="workflow_1"]')).to_have_count(0)
    await search.fill("zzz")
    await expect(page.get_by_text("No workflows match")).to_be_visible()


async def test_delete_asks_first(ren_app: RenApp, browser_page: Page) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/workflows")
    await page.get_by_test_id("new-workflow").click()
    await page.get_by_label("Name").fill("Short lived")
    await page.get_by_test_id("create").click()
    await expect(page).to_have_url(ren_app.url + "/workflows/short-lived")
    await page.goto(ren_app.url + "/workflows")
    row = page.locator('[data-workflow="short-lived"]')
    await row.get_by_role("button", name="More actions for Short lived").click()
    await page.get_by_test_id("delete").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("Delete “Short lived”?")
    await expect(dialog).to_contain_text("It has no runs.")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(row).to_be_visible()
    await row.get_by_role("button", name="More actions for Short lived").click()
    await page.get_by_test_id("delete").click()
    await page.get_by_test_id("confirm-delete").click()
    await expect(row).to_have_count(0)


async def test_run_again_shows_the_run_live_and_the_list_follows(
    ren_app: RenApp, browser_page: Page
) -> None:
    page = browser_page
    runs = await page.context.new_page()
    await runs.goto(ren_app.url + "/runs")
    grid_rows = runs.locator(".ag-center-cols-container .ag-row")
    await expect(grid_rows.first).to_be_visible()  # the list is read on a worker thread
    count = await grid_rows.count()
    assert count >= len(ren_app.seeded_runs)

    slow_run = ren_app.seeded_runs[-1]
    await page.goto(f"{ren_app.url}/runs/{slow_run}")
    await expect(page.get_by_test_id("run-status")).to_have_text("Succeeded")
    await page.get_by_test_id("run-again").click()
    await expect(page).not_to_have_url(f"{ren_app.url}/runs/{slow_run}")
    new_id = page.url.rsplit("/", 1)[-1]
    await expect(page.get_by_test_id("run-status")).to_have_text("Succeeded", timeout=15_000)
    step = page.locator('.ag-row[row-id="n1"]')
    await expect(step.locator(".ren-status")).to_have_text("Succeeded")
    await step.click()
    detail = page.get_by_test_id("step-detail")
    await expect(detail).to_contain_text('"slept"')
    await expect(detail).to_contain_text("n1")

    new_row = runs.locator(f'.ag-row[row-id="{new_id}"]')
    await expect(new_row).to_be_visible()
    await expect(new_row.locator(".ren-status")).to_have_text("Succeeded")
    await expect(grid_rows).to_have_count(count + 1)
    await new_row.click()
    await expect(runs).to_have_url(f"{ren_app.url}/runs/{new_id}")
