"""A person fills in a workflow's public form in Chromium: `ren` runs as a subprocess, a wrong
answer is explained under its field, the right one starts the run and shows the thank-you text;
a form that answers with the run's output shows it; an unknown form is a 404 page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import expect

from app.engine.service import Engine
from tests.browser import chromium, require_chromium, start_ren, stop_app
from tests.nodes.test_form_trigger import form_flow
from tests.ui.conftest import RenApp

pytestmark = pytest.mark.browser

Page = Any  # playwright.async_api.Page


@pytest.fixture(scope="module")
def ren_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RenApp]:
    """`ren` on a data folder holding two published form workflows."""
    require_chromium()
    home = tmp_path_factory.mktemp("ren-forms")

    async def publish() -> None:
        engine = Engine(home)
        await engine.start()
        try:
            engine.import_workflow(
                form_flow(
                    title="Book a table",
                    thank_you="Thanks {{ input.name }}, see you soon.",
                    submit_label="Book",
                )
            )
            engine.import_workflow(form_flow("signup-out", response="output"))
        finally:
            await engine.stop()

    asyncio.run(publish())
    process, url = start_ren(home)
    yield RenApp(url, home, process, [])
    stop_app(process)


async def test_a_person_fills_in_the_form_and_is_thanked(
    ren_app: RenApp, browser_page: Page
) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/forms/signup")
    await expect(page.get_by_role("heading", name="Book a table")).to_be_visible()
    await page.get_by_label("Name").fill("Ana")
    await page.get_by_label("Seats").fill("eleven")
    await page.get_by_role("button", name="Book").click()
    problem = page.locator('[data-field="seats"] .ren-field-error')
    await expect(problem).to_have_text("Enter a whole number")

    await page.get_by_label("Seats").fill("4")
    await page.get_by_role("button", name="Book").click()
    await expect(page.get_by_text("Thanks Ana, see you soon.")).to_be_visible()
    await expect(page.get_by_role("button", name="Book")).to_have_count(0)


async def test_the_runs_output_is_shown(ren_app: RenApp, browser_page: Page) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/forms/signup-out")
    await page.get_by_label("Name").fill("Bo")
    await page.get_by_label("Seats").fill("2")
    await page.get_by_label("Seats").press("Enter")
    await expect(page.get_by_text("Booked 2 for Bo")).to_be_visible(timeout=15_000)


async def test_an_unknown_form_is_a_404_page(ren_app: RenApp) -> None:
    # its own page: the browser reports the 404 on its console, which browser_page refuses
    async with chromium() as context:
        page = await context.new_page()
        response = await page.goto(ren_app.url + "/forms/nobody")
        assert response is not None and response.status == 404
        await expect(page.get_by_role("heading", name="Form not found")).to_be_visible()
        await expect(page.get_by_text("There is no form at this address.")).to_be_visible()
