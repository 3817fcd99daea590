"""Real Chromium on a LAN-style bind (tests.auth.lan_server). Two people: an admin signs in
and watches ann's run; ann, in a second browser context, is sent to the login page by the
task's link, signs in, answers, and the admin's page shows the run going on to its end.
The API's docs page works with every request beyond this machine cut off."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import expect

from tests.auth.lan_server import PASSWORDS, LanServer, start_lan_server
from tests.browser import chromium, require_chromium, stop_app

pytestmark = pytest.mark.browser

Page = Any  # playwright.async_api.Page


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LanServer]:
    require_chromium()
    running = start_lan_server(tmp_path_factory.mktemp("lan-browser") / "home")
    yield running
    stop_app(running.process)


async def sign_in(page: Page, name: str) -> None:
    await expect(page.get_by_text("Sign in to Ren")).to_be_visible()
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(PASSWORDS[name])
    await page.get_by_test_id("login-submit").click()


async def test_an_assignee_answers_while_an_admin_watches_the_run(server: LanServer) -> None:
    run_id, task_id = server.runs["ann"], server.tasks["ann"]
    async with chromium() as admin_context:
        watcher = await admin_context.new_page()
        await watcher.goto(f"{server.url}/runs/{run_id}")
        await expect(watcher).to_have_url(f"{server.url}/login?next=%2Fruns%2F{run_id}")
        await sign_in(watcher, "boss")
        await expect(watcher).to_have_url(f"{server.url}/runs/{run_id}")
        status = watcher.get_by_test_id("run-status")
        await expect(status).not_to_have_text("Succeeded")

        assignee_context = await admin_context.browser.new_context()  # another person
        person = await assignee_context.new_page()
        await person.goto(f"{server.url}/tasks/{task_id}")
        await sign_in(person, "ann")
        await expect(person).to_have_url(f"{server.url}/tasks/{task_id}")
        await expect(person.get_by_role("heading", name="For ann")).to_be_visible()
        await expect(person.locator('[data-nav="runs"]')).to_have_count(0)
        await person.get_by_test_id("outcome-submit").click()
        await expect(person.get_by_text("Thanks — your answer was recorded")).to_be_visible()

        await expect(status).to_have_text("Succeeded", timeout=15_000)  # live, no reload
        audit = await watcher.request.get(f"{server.url}/api/v1/audit?what=task%20completed")
        (entry,) = (await audit.json())["entries"]
        assert (entry["who"], entry["target"]) == ("ann", task_id)

        refused = await person.request.get(f"{server.url}/runs/{run_id}")
        assert refused.status == 403
        await person.goto(f"{server.url}/inbox")
        await expect(person.get_by_text("ann (assignee)")).to_be_visible()
        await person.get_by_test_id("sign-out").click()
        await expect(person).to_have_url(f"{server.url}/login")
        await person.goto(f"{server.url}/inbox")
        await expect(person.get_by_text("Sign in to Ren")).to_be_visible()
        await assignee_context.close()


def on_this_machine(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def test_the_api_docs_page_lists_the_endpoints_offline(server: LanServer) -> None:
    async with chromium() as context:
        cut_off: list[str] = []

        async def offline(route: Any) -> None:
            if on_this_machine(route.request.url):
                await route.continue_()
            else:
                cut_off.append(route.request.url)
                await route.abort("internetdisconnected")

        await context.route("**/*", offline)
        page = await context.new_page()
        await page.goto(f"{server.url}/api/v1/docs")
        await sign_in(page, "boss")  # the docs need a login on the network, as the API does
        await expect(page).to_have_url(f"{server.url}/api/v1/docs")
        paths = page.locator(".opblock-summary-path")
        await expect(paths.filter(has_text="/runs/{run_id}").first).to_be_visible()
        await expect(paths.filter(has_text="/schedules/{schedule_id}").first).to_be_visible()
        assert await paths.count() > 30
        assert cut_off == []  # it never even tried the internet
