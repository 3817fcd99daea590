"""The workbench in Chromium, as a new user would use it: an approval flow tested up to its
Human task, an answer pinned, the rest tested, `amount` dragged from the data panel into the
Set node, then published and run for real (the real run asks a person: pins are for tests).

Also saves the data panel's screenshot for the README (docs/screenshots/data-panel.png)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser import ROOT, chromium
from tests.editor.test_editor_browser import import_file, node

pytestmark = pytest.mark.browser

SHOT = ROOT / "docs" / "screenshots" / "data-panel.png"

FLOW = {
    "schema": "ren.workflow/1",
    "id": "expense-approval",
    "name": "Expense approval",
    "params": {
        "type": "object",
        "properties": {"amount": {"type": "integer"}, "who": {"type": "string"}},
        "required": ["amount"],
    },
    "nodes": [
        {"id": "start", "type": "start", "position": {"x": 40, "y": 120}},
        {
            "id": "approve",
            "type": "human_task",
            "name": "Approve expense",
            "position": {"x": 320, "y": 120},
            "config": {
                "title": "Expense of {{ params.amount }}",
                "fields": [{"name": "ok", "type": "yes_no"}],
                "outcomes": [{"name": "approve"}, {"name": "reject"}],
            },
        },
        {
            "id": "book",
            "type": "set",
            "name": "Book it",
            "position": {"x": 600, "y": 60},
            "config": {"values": {"approved_amount": ""}},
        },
        {"id": "done", "type": "end", "position": {"x": 880, "y": 60}},
        {"id": "rejected", "type": "end", "position": {"x": 600, "y": 220}},
    ],
    "edges": [
        {"source": "start", "target": "approve"},
        {"source": "approve", "source_port": "approve", "target": "book"},
        {"source": "approve", "source_port": "reject", "target": "rejected"},
        {"source": "book", "target": "done"},
    ],
}


@pytest.fixture
async def page(ren_url: str) -> AsyncIterator[Page]:
    async with chromium(viewport={"width": 1440, "height": 900}) as context:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
    assert not errors, errors


async def in_test_dialog(page: Page, run_input: dict[str, int]) -> None:
    dialog = page.locator(".ren-test-dialog")
    await expect(dialog).to_be_visible()
    await dialog.locator("textarea").fill(json.dumps(run_input))
    await dialog.locator('[data-testid="test-go"]').click()
    await expect(dialog).to_be_hidden(timeout=15000)


async def test_to_the_task_pin_test_the_rest_publish_and_run(
    page: Page, ren_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "expense-approval.json"
    source.write_text(json.dumps(FLOW))
    await import_file(page, ren_url, source)
    panel = page.locator(".ren-data-panel")

    # the task before any test: what it will receive, from the run input's schema
    await node(page, "approve").locator(".ren-node__label").click()
    await expect(panel).to_contain_text("Data · Approve expense")
    await expect(panel).to_contain_text("It will receive")
    await expect(panel.locator('[data-expr="input.amount"]')).to_be_visible()

    # test up to the task: it waits for a person
    await panel.locator('[data-testid="test-node"]').click()
    await in_test_dialog(page, {"amount": 1500, "who": "ana"})
    await expect(panel).to_contain_text("Waiting for a person")
    amount = panel.locator('[data-expr="input.amount"]')
    await expect(amount).to_contain_text("1500")
    await expect(amount).not_to_contain_text("1500.0")

    # pin a sample answer (approve)
    await panel.locator('[data-testid="pin-typed"]').click()
    pin = page.locator(".ren-pin-dialog")
    await pin.locator("textarea").fill(json.dumps({"outcome": "approve", "values": {"ok": True}}))
    await pin.locator('[data-testid="pin-save"]').click()
    await expect(panel).to_contain_text("pinned")
    await expect(node(page, "approve")).to_contain_text("Pinned")

    # the Set node: drag `amount` of the run input (params) into its value box
    await node(page, "book").locator(".ren-node__label").click()
    await expect(panel).to_contain_text("Data · Book it")
    await panel.locator('[data-testid="data-source"]').click()
    await page.get_by_role("option", name=re.compile(r"Run input")).click()
    dragged = panel.locator('[data-expr="params.amount"]')
    await expect(dragged).to_be_visible()
    value_box = page.locator(".ren-inspector .ren-map-value input").first
    await dragged.drag_to(value_box)
    await expect(value_box).to_have_value("{{ params.amount }}")

    # test the rest: the pinned answer stands in for the person
    await panel.locator('[data-testid="test-node"]').click()
    await in_test_dialog(page, {"amount": 1500, "who": "ana"})
    await expect(panel).to_contain_text("succeeded")
    booked = panel.locator('[data-expr="nodes.book.approved_amount"]')
    await expect(booked).to_contain_text("1500")
    await expect(page.locator(".q-notification")).to_have_count(0, timeout=15000)
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOT))

    # publish and run for real: the real run asks a person (pins are for tests only)
    await page.locator(".ren-publish").click()
    await page.locator(".ren-publish-go").click()
    await expect(page.locator(".q-notification").last).to_contain_text("Published version")
    await page.locator(".ren-run").click()
    await page.locator('.ren-run-dialog [data-field="amount"]').fill("1500")
    await page.locator(".ren-run-go").click()
    await page.wait_for_url(re.compile(r".*/runs/[^/]+$"))
    status = page.locator('[data-testid="run-status"]')
    await expect(status).to_have_attribute("data-status", "waiting", timeout=15000)
