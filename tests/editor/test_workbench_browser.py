"""The builder's workbench in Chromium, as a new user builds an expense approval with the mouse
(and typing only text into boxes), from an empty workflow:

run input `amount` → Human task (approve / reject) → Set node → End, and reject → End;
the title's `{{ input.amount }}` completed from a suggestion in the middle of the box, the Set
node's value dragged from the data panel's run input; tested up to the Human task (it waits),
an answer pinned, the rest tested; published, run, answered by a second person (a second
browser context), the run watched to its end on its graph, then re-run from the Set node with
an edited input.

Saves the data panel's screenshot for the README (in the test's temporary folder, or in
docs/screenshots/ with REN_REFRESH_SCREENSHOTS=1)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.editor.test_editor_browser import (
    beside,
    connect,
    drop_from_palette,
    field,
    new_workflow,
    node,
    saved,
)
from tests.screenshots import refreshing, screenshot_path

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the builder and the approver (each in their own context)."""
    require_chromium()
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        await browser.close()


async def new_page(browser: Browser, errors: list[str]) -> Page:
    context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    page = await context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


async def in_test_dialog(page: Page, run_input: dict[str, int]) -> None:
    dialog = page.locator(".ren-test-dialog")
    await expect(dialog).to_be_visible()
    await dialog.locator("textarea").fill(json.dumps(run_input))
    await dialog.locator('[data-testid="test-go"]').click()
    await expect(dialog).to_be_hidden(timeout=15000)


def status_of(page: Page, node_id: str) -> Locator:
    return node(page, node_id).locator(".ren-node")


async def test_build_test_pin_publish_answer_and_rerun_with_the_mouse(
    browser: Browser, ren_url: str, tmp_path: Path
) -> None:
    errors: list[str] = []
    page = await new_page(browser, errors)
    panel = page.locator(".ren-data-panel")
    await new_workflow(page, ren_url, "Expense approval")

    # the run input: a required whole number `amount`
    await page.locator(".ren-editor-canvas .vue-flow__pane").click(position={"x": 30, "y": 30})
    await page.locator(".ren-add-param").click()
    await page.locator(".ren-param-name input").fill("amount")
    await page.locator(".ren-param-type").click()
    await page.get_by_role("option", name="integer", exact=True).click()
    await page.locator(".ren-param-row").get_by_text("Required").click()

    # the nodes, dragged from the palette
    x, y = await beside(page, "start")
    await drop_from_palette(page, "human_task", x + 170, y)
    await drop_from_palette(page, "set", x + 430, y - 90)
    await drop_from_palette(page, "end", x + 430, y - 210)
    await drop_from_palette(page, "end", x + 430, y + 110)

    await connect(page, "start", "out", "human_task_1", "in")

    # the Human task: a title naming the amount, suggested as it is typed; the suggestion
    # completes the name left of the cursor, in the middle of the title
    await node(page, "human_task_1").locator(".ren-node__label").click()
    title = field(page, "title")
    await title.fill("Expense of {{ input.am }} to approve")
    await title.click()
    await page.keyboard.press("End")
    for _ in " }} to approve":
        await page.keyboard.press("ArrowLeft")
    await page.locator(".ren-expr-chip", has_text="input.amount").click()
    await expect(title).to_have_value("Expense of {{ input.amount }} to approve")
    at = await title.evaluate("(el) => [document.activeElement === el, el.selectionStart]")
    assert at == [True, len("Expense of {{ input.amount")]
    # two outcomes, approve and reject: two output ports
    await field(page, "outcomes[0].name").fill("approve")
    await field(page, "outcomes[0].label").fill("Approve")
    await page.locator(".ren-inspector").get_by_role("button", name="Add outcome").click()
    await field(page, "outcomes[1].name").fill("reject")
    await expect(handle_of(page, "human_task_1", "reject")).to_be_visible()

    # the other connections, port to port
    await connect(page, "human_task_1", "approve", "set_1", "in")
    await connect(page, "human_task_1", "reject", "end_2", "in")
    await connect(page, "set_1", "out", "end_1", "in")
    await page.locator(".ren-layout").click()  # tidy: left to right

    # the Set node books the run input's amount: dragged from the data panel
    await node(page, "set_1").locator(".ren-node__label").click()
    await expect(panel).to_contain_text("Data · Set")
    values = page.locator('.ren-inspector [data-field="values"]')
    await values.get_by_role("button", name="Add").click()
    key = values.locator(".ren-map-key input").first
    await key.fill("approved_amount")
    cut = await key.evaluate("(el) => el.scrollWidth > el.clientWidth")
    assert not cut, "the key box cuts its name"
    await panel.locator('[data-testid="data-source"]').click()
    await page.get_by_role("option", name=re.compile(r"Run input")).click()
    dragged = panel.locator('[data-expr="params.amount"]')
    await expect(dragged).to_be_visible()
    value_box = page.locator(".ren-inspector .ren-map-value input").first
    await dragged.drag_to(value_box)
    await expect(value_box).to_have_value("{{ params.amount }}")
    cut = await value_box.evaluate("(el) => el.scrollWidth > el.clientWidth")
    assert not cut, "the value box cuts its expression"
    await expect(page.locator(".ren-problems-button")).to_have_text(re.compile("No problems"))
    await saved(page)

    # test up to the Human task: it waits for a person, with the amount as typed
    await node(page, "human_task_1").locator(".ren-node__label").click()
    await expect(panel).to_contain_text("Data · Human task")
    await panel.locator('[data-testid="test-node"]').click()
    await in_test_dialog(page, {"amount": 1500})
    await expect(panel).to_contain_text("Waiting for a person")
    amount = panel.locator('[data-expr="input.amount"]')
    await expect(amount).to_contain_text("1500")
    await expect(amount).not_to_contain_text("1500.0")

    # pin a sample answer (approve) instead of waiting for someone
    await panel.locator('[data-testid="pin-typed"]').click()
    pin = page.locator(".ren-pin-dialog")
    await pin.locator("textarea").fill(json.dumps({"outcome": "approve", "values": {}}))
    await pin.locator('[data-testid="pin-save"]').click()
    await expect(panel.locator(".q-badge", has_text="pinned")).to_be_visible()

    # test the rest: the pinned answer stands in for the person
    await node(page, "set_1").locator(".ren-node__label").click()
    await expect(panel).to_contain_text("Data · Set")
    await panel.locator('[data-testid="test-node"]').click()
    await in_test_dialog(page, {"amount": 1500})
    booked = panel.locator('[data-expr="nodes.set_1.approved_amount"]')
    await expect(booked).to_contain_text("1500")
    await expect(status_of(page, "set_1")).to_have_class(re.compile("ren-status-succeeded"))
    if refreshing():  # the README's picture, without the toasts
        await expect(page.locator(".q-notification")).to_have_count(0, timeout=15000)
    await page.screenshot(path=str(screenshot_path(tmp_path, "data-panel.png")))

    # publish and run for real: the real run asks a person (pins are for tests only)
    await page.locator(".ren-publish").click()
    await page.locator(".ren-publish-go").click()
    await expect(page.locator(".q-notification").last).to_contain_text("Published version")
    # the Versions view lists it, its toggle in readable text
    await page.locator(".ren-versions").click()
    toggle = page.locator(".ren-diff-mode")
    await expect(toggle).to_contain_text("What it changed")
    size = await toggle.locator(".q-btn").first.evaluate(
        "(el) => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert size >= 12, size
    await page.keyboard.press("Escape")
    await expect(toggle).to_be_hidden()
    # the Run dialog: the amount field has the focus, Enter runs
    await page.locator(".ren-run").click()
    amount_field = page.locator('.ren-run-dialog [data-field="amount"]')
    await expect(amount_field).to_be_focused()
    await page.keyboard.type("1500")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r".*/runs/[^/]+$"))
    run_url = page.url
    status = page.locator('[data-testid="run-status"]')
    await expect(status).to_have_attribute("data-status", "waiting", timeout=15000)
    await expect(status_of(page, "human_task_1")).to_have_class(re.compile("ren-status-waiting"))

    # a second person answers in their own browser context, from the inbox
    approver = await new_page(browser, errors)
    await approver.goto(ren_url + "/inbox")
    task = approver.locator("a.ren-task-item", has_text="Expense of 1500 to approve").filter(
        has_not_text="Test:"
    )
    await task.first.click()
    await expect(approver.get_by_role("heading", name="Expense of 1500 to approve")).to_be_visible()
    await approver.get_by_label("Your name").fill("maria")  # no accounts: who answers
    await approver.get_by_test_id("outcome-approve").click()
    await expect(approver.get_by_text("your answer was recorded")).to_be_visible()

    # the builder's page follows the run to its end on the graph
    await expect(status).to_have_attribute("data-status", "succeeded", timeout=15000)
    for node_id, state in (("human_task_1", "succeeded"), ("set_1", "succeeded")):
        await expect(status_of(page, node_id)).to_have_class(re.compile(f"ren-status-{state}"))
    await expect(status_of(page, "end_2")).to_have_class(re.compile("ren-status-skipped"))

    # re-run from the Set node with an edited input: the person is not asked again
    await node(page, "set_1").click()
    detail = page.get_by_test_id("step-detail")
    await expect(detail).to_contain_text('"approved_amount": 1500')
    await detail.get_by_role("button", name="Re-run from here").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text('"outcome": "approve"')
    await dialog.locator(".cm-content").click()
    await page.keyboard.press("Control+a")
    await page.keyboard.insert_text('{"outcome": "approve", "values": {}, "checked": "twice"}')
    await dialog.get_by_role("button", name="Re-run").click()
    await expect(page).not_to_have_url(run_url)
    await expect(page.get_by_text("Re-run of")).to_be_visible()
    await expect(status).to_have_attribute("data-status", "succeeded", timeout=15000)
    await node(page, "set_1").click()
    await expect(page.get_by_test_id("step-detail")).to_contain_text('"checked": "twice"')
    await expect(page.get_by_test_id("step-detail")).to_contain_text('"approved_amount": 1500')
    assert not errors, errors


def handle_of(page: Page, node_id: str, port: str) -> Locator:
    return node(page, node_id).locator(f'.vue-flow__handle.source[data-handleid="{port}"]')
