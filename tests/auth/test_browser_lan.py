"""Real Chromium on a LAN-style bind (tests.auth.lan_server). Two people: an admin signs in
and watches ann's run; ann, in a second browser context, is sent to the login page by the
task's link, signs in, answers, and the admin's page shows the run going on to its end.
The API's docs page works with every request beyond this machine cut off. An open page whose
session ends or whose token is revoked goes to the login page by itself. Someone without an
account fills in a form shared by link."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import expect

from app.auth.accounts import Accounts
from app.auth.db import AuthDb
from app.auth.form_links import FormLinks
from app.auth.links import load_key
from app.auth.tokens import Tokens
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


async def test_an_open_page_goes_to_the_login_once_its_session_or_token_ends(
    server: LanServer,
) -> None:
    async with chromium() as context:
        page = await context.new_page()
        await page.goto(f"{server.url}/inbox")
        await sign_in(page, "bob")
        await expect(page.get_by_text("bob (assignee)")).to_be_visible()
        ended = await context.request.post(  # signed out in another tab (same cookie)
            f"{server.url}/auth/logout", headers=server.origin, max_redirects=0
        )
        assert ended.status == 303
        await expect(page).to_have_url(f"{server.url}/login?next=%2Finbox", timeout=15_000)

        db = AuthDb(server.home / "ren.sqlite")  # another process than the server, as `ren` is
        tokens = Tokens(db, Accounts(db))
        info, secret = tokens.create("bob", "a script")
        scripted = await context.browser.new_context(
            extra_http_headers={"Authorization": f"Bearer {secret}"}
        )
        by_token = await scripted.new_page()
        await by_token.goto(f"{server.url}/inbox")
        await expect(by_token.get_by_role("heading", name="My tasks")).to_be_visible()
        tokens.revoke(info.id)
        db.close()
        await expect(by_token).to_have_url(f"{server.url}/login?next=%2Finbox", timeout=15_000)
        await scripted.close()


async def test_someone_without_an_account_fills_in_a_form_shared_by_link(
    server: LanServer,
) -> None:
    db = AuthDb(server.home / "ren.sqlite")  # another process than the server, as `ren` is
    try:
        _, token = FormLinks(db, load_key(server.home)).create("signup", "", "flyer", "boss")
        async with chromium() as context:
            page = await context.new_page()
            await page.goto(f"{server.url}/forms/signup")
            await expect(page.get_by_text("Sign in to Ren")).to_be_visible()  # its own address
            await page.goto(f"{server.url}/f/{token}")
            await expect(page.get_by_role("heading", name="Book a table")).to_be_visible()
            await page.get_by_label("Name").fill("Cleo")
            await page.get_by_label("Seats").fill("3")
            await page.get_by_test_id("form-submit").click()
            await expect(page.get_by_text("Thank you! Your answers were sent.")).to_be_visible()
        (started,) = db.rows("SELECT target FROM audit WHERE who = 'form-link:flyer'")
        run = db.row("SELECT input FROM run WHERE id = ?", (started["target"],))
        assert run is not None and json.loads(run["input"])["name"] == "Cleo"
    finally:
        db.close()
