"""The run page in Chromium: the graph shows each node's state, clicking a node shows its
output, and "Re-run from here" with an edited input starts a run that reuses what came before.

Saves the run page's screenshots (the README's run-graph.png and rerun.png) in the test's
temporary folder, or in docs/screenshots/ with REN_REFRESH_SCREENSHOTS=1."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.screenshots import screenshot_path
from tests.ui.conftest import RenApp

pytestmark = pytest.mark.browser

Page = Any  # playwright.async_api.Page


def node(page: Page, node_id: str) -> Any:
    return page.locator(f'.vue-flow__node[data-id="{node_id}"]')


async def shot(page: Page, tmp_path: Path, name: str) -> None:
    await page.screenshot(path=str(screenshot_path(tmp_path, name)), full_page=False)


async def test_run_graph_states_node_output_and_rerun(
    ren_app: RenApp, browser_page: Page, tmp_path: Path
) -> None:
    page = browser_page
    run_id = ren_app.seeded_runs[0]  # seed 004 with amount 500: the `false` branch ran
    await page.goto(f"{ren_app.url}/runs/{run_id}")
    await expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    for node_id, state in (("node_1", "succeeded"), ("node_3", "skipped"), ("node_4", "succeeded")):
        await expect(node(page, node_id).locator(".ren-node")).to_have_class(
            re.compile(f"ren-status-{state}")
        )
    await node(page, "node_4").click()
    detail = page.get_by_test_id("step-detail")
    await expect(detail).to_contain_text("Output")
    await expect(detail).to_contain_text('"amount": 500')
    await expect(detail).to_contain_text(f"{run_id}:node_4:1")  # the idempotency key
    await shot(page, tmp_path, "run-graph.png")

    # re-run from the `if` with a bigger amount: this time the other branch runs
    await node(page, "node_2").click()
    await detail.get_by_role("button", name="Re-run from here").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("Re-run from")
    await expect(dialog).to_contain_text('"amount": 500')
    await dialog.locator(".cm-content").click()
    await page.keyboard.press("Control+a")
    await page.keyboard.insert_text('{"data": {"amount": 1234}')  # one brace short
    await expect(dialog).to_contain_text("Not valid JSON")
    await expect(dialog.get_by_role("button", name="Re-run")).to_be_disabled()
    await page.keyboard.press("Control+End")
    await page.keyboard.insert_text("}")
    await expect(dialog).not_to_contain_text("Not valid JSON")
    await shot(page, tmp_path, "rerun.png")
    await dialog.get_by_role("button", name="Re-run").click()
    await expect(page).not_to_have_url(re.compile(f"/runs/{run_id}$"))
    await expect(page.get_by_text("Re-run of")).to_be_visible()
    await expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    for node_id, state in (("node_1", "succeeded"), ("node_3", "succeeded"), ("node_4", "skipped")):
        await expect(node(page, node_id).locator(".ren-node")).to_have_class(
            re.compile(f"ren-status-{state}")
        )
    await node(page, "node_3").click()
    await expect(page.get_by_test_id("step-detail")).to_contain_text('"decision": "approved"')
    await expect(page.get_by_test_id("step-detail")).to_contain_text('"amount": 1234')
