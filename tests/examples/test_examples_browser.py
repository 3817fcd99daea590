"""Issue 11's browser scenario, as a new user builds it in real Chromium against a real `ren`:
"a form submission asks the manager, then appends a row to a CSV and emails a confirmation".

In the editor of a new workflow: drag a Form, a Human task, a Write file and a Send email node
from the palette, connect their ports, fill in their forms (the form's questions, the task's
outcomes, the CSV path, the smtp credential picked from the list), publish. Then a requester
fills in the form at /forms/<workflow>, the manager answers the task from the inbox in a second
browser context, and the CSV row and the email (at an aiosmtpd server the test started) are
checked."""

from __future__ import annotations

import asyncio
import csv
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from playwright.async_api import BrowserContext, Locator, Page, expect

from app.credentials.vault import close_vault, folder_vault
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium, start_ren, stop_app
from tests.editor.test_editor_browser import (
    connect,
    drop_from_palette,
    field,
    handle,
    new_workflow,
    node,
    saved,
)
from tests.nodes.smtp_server import PASSWORD, USER, SmtpServer
from tests.nodes.smtp_server import serve as serve_smtp

pytestmark = pytest.mark.browser

WAIT_MS = 20_000  # an upper bound for what the app does in the background


@dataclass
class App:
    url: str
    home: Path
    sheet: Path


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve_smtp()


@pytest.fixture
def app(tmp_path: Path, smtp: SmtpServer) -> Iterator[App]:
    """`ren` on a fresh data folder holding one smtp credential (a key file, no keyring)."""
    require_chromium()
    home = tmp_path / "ren-home"
    home.mkdir()
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        fields = {"host": "127.0.0.1", "port": smtp.port, "security": "none", "username": USER}
        folder_vault(home).put(
            "office-mail", "smtp", fields | {"password": PASSWORD, "from": "office@example.com"}
        )
        close_vault(home)
    finally:
        keyring.set_keyring(previous)
    process, url = start_ren(home, env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    yield App(url, home, tmp_path / "sheets" / "requests.csv")
    stop_app(process)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
async def browser() -> AsyncIterator[tuple[BrowserContext, BrowserContext]]:
    """Two browser contexts: the person building the workflow (and the requester), and the
    manager; the test fails on a JavaScript error in either."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            size = {"width": 1440, "height": 900}
            yield (
                await chromium.new_context(viewport=size),
                await chromium.new_context(viewport=size),
            )
        finally:
            await chromium.close()


def sub(page: Page, name: str) -> Locator:
    """A field of the side panel by its full name, e.g. fields[0].label."""
    return page.locator(f'.ren-inspector [data-field="{name}"]').first


async def select(page: Page, name: str, option: str) -> None:
    await field(page, name).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def put(page: Page, name: str, value: str) -> None:
    """Type into a side-panel field and wait until the draft with it is saved (the panel may
    be drawn again as the node changes; a value typed into the old one would be lost)."""
    box = sub(page, name)
    await box.fill(value)
    await expect(box).to_have_value(value)
    await saved(page)


async def open_node(page: Page, node_id: str) -> None:
    await node(page, node_id).locator(".ren-node__label").click()
    await expect(page.locator(".ren-inspector")).to_contain_text(f"id: {node_id}")


async def test_build_the_approval_flow_in_the_editor_and_run_it(
    app: App, smtp: SmtpServer, browser: tuple[BrowserContext, BrowserContext]
) -> None:
    builder, manager = browser
    page = await builder.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    workflow_id = await new_workflow(page, app.url, "Purchase request")

    # the form replaces Start as the trigger
    await open_node(page, "start")
    await page.keyboard.press("Delete")
    await expect(node(page, "start")).to_have_count(0)
    # drag the nodes from the palette onto the canvas, left to right
    for x, node_type in enumerate(("form_trigger", "human_task", "write_file", "send_email")):
        await drop_from_palette(page, node_type, 100 + 220 * x, 120)
    await drop_from_palette(page, "end", 100 + 220 * 2, 320)  # where a rejection goes

    # the form: three questions
    await open_node(page, "form_trigger_1")
    await put(page, "title", "Request a purchase")
    for i, (name, label) in enumerate(
        (("name", "Your name"), ("email", "Your email"), ("item", "What to buy"))
    ):
        await page.locator(".ren-inspector").get_by_role("button", name="Add field").click()
        await put(page, f"fields[{i}].name", name)
        await put(page, f"fields[{i}].label", label)

    # the manager's task: approve or reject
    await open_node(page, "human_task_1")
    await put(page, "title", "{{ params.name }} asks to buy {{ params.item }}")
    task = node(page, "human_task_1")
    await put(page, "outcomes[0].name", "approve")
    await expect(handle(page, "human_task_1", "approve", "source")).to_be_attached()
    await put(page, "outcomes[0].label", "Approve")
    await page.locator(".ren-inspector").get_by_role("button", name="Add outcome").click()
    await put(page, "outcomes[1].name", "reject")
    await expect(handle(page, "human_task_1", "reject", "source")).to_be_attached()
    await put(page, "outcomes[1].label", "Reject")
    await expect(task).to_contain_text("Approve")  # labels show once there are two ports
    await expect(task).to_contain_text("Reject")

    # connect the ports: the form's answers go to the task, its Approve port on to the file,
    # its Reject port to the end (an outcome leading nowhere is a problem)
    for source, port, target in (
        ("form_trigger_1", "out", "human_task_1"),
        ("human_task_1", "approve", "write_file_1"),
        ("human_task_1", "reject", "end_1"),
        ("write_file_1", "out", "send_email_1"),
    ):
        await connect(page, source, port, target, "in")

    # the row for the sheet, appended to a CSV file
    await open_node(page, "write_file_1")
    await put(page, "path", str(app.sheet))
    await select(page, "format", "csv")
    row = (
        '{"name": "{{ params.name }}", "email": "{{ params.email }}", '
        '"item": "{{ params.item }}", "approved_by": "{{ input.completed_by }}"}'
    )
    await put(page, "content", row)
    await select(page, "on_exists", "append")

    # the confirmation, sent with the smtp credential picked from the list
    await open_node(page, "send_email_1")
    await select(page, "credential", "office-mail (smtp)")
    await page.locator('.ren-inspector [data-field="to"]').get_by_role("button", name="Add").click()
    await put(page, "to[0]", "{{ params.email }}")
    await put(page, "subject", "Approved: {{ params.item }}")
    await put(
        page,
        "text",
        "Hello {{ params.name }}, {{ nodes.human_task_1.completed_by }} approved "
        "{{ params.item }}.",
    )

    # a node that appends to a file runs once a person trusted it: the toolbar asks
    await page.get_by_role("button", name="Review code").click()
    await page.get_by_role("button", name="Trust this code").click()
    await expect(page.locator(".ren-problems-button")).to_have_text(re.compile("No problems"))
    await page.locator(".ren-publish").click()
    await page.locator(".ren-publish-go").click()
    await expect(page.locator(".ren-version-chip")).to_have_text("Published · v1")

    # a requester fills in the form
    await page.goto(f"{app.url}/forms/{workflow_id}")
    await expect(page.get_by_role("heading", name="Request a purchase")).to_be_visible()
    await page.get_by_label("Your name").fill("Ana")
    await page.get_by_label("Your email").fill("ana@example.com")
    await page.get_by_label("What to buy").fill("a monitor")
    await page.get_by_role("button", name="Submit").click()
    await expect(page.get_by_role("button", name="Submit")).to_have_count(0)
    assert not app.sheet.exists() and smtp.mailbox.received == []  # the manager has not answered

    # the manager answers from the inbox, in a browser of their own
    boss = await manager.new_page()
    boss.on("pageerror", lambda e: errors.append(str(e)))
    await boss.goto(app.url + "/inbox")
    await boss.locator("a.ren-task-item", has_text="Ana asks to buy a monitor").click()
    await expect(boss.get_by_role("heading", name="Ana asks to buy a monitor")).to_be_visible()
    await boss.get_by_label("Your name").fill("maria")
    await boss.get_by_test_id("outcome-approve").click()
    await expect(boss.get_by_text("Thanks — your answer was recorded")).to_be_visible()

    # the row is in the CSV file and Ana has her email
    async def delivered() -> None:
        while not smtp.mailbox.received:
            await asyncio.sleep(0.1)

    await asyncio.wait_for(delivered(), WAIT_MS / 1000)
    with app.sheet.open(newline="") as file:
        assert list(csv.DictReader(file)) == [
            {"name": "Ana", "email": "ana@example.com", "item": "a monitor", "approved_by": "maria"}
        ]
    (mail,) = smtp.mailbox.received
    assert mail.recipients == ["ana@example.com"] and mail.login == USER
    assert mail.message["Subject"] == "Approved: a monitor"
    assert mail.message.get_content().strip() == "Hello Ana, maria approved a monitor."
    assert not errors, errors
