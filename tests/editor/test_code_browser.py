"""A workflow file with a Code node, imported in a real browser: it cannot run until the
person reads its code in the review dialog and trusts it; then it runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.editor.test_editor_browser import import_file, page  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

CODE = "words = str(state.get('text', 'a b c')).split()\nreturn {'count': len(words)}"


async def test_imported_code_runs_only_after_review(
    page: Page,  # noqa: F811 - the fixture imported above
    ren_url: str,
    tmp_path: Path,
) -> None:
    path = tmp_path / "word_count.json"
    doc = {
        "schema": "ren.workflow/1",
        "name": "Word count",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "count", "type": "code", "config": {"code": CODE}},
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "start", "target": "count"}, {"source": "count", "target": "end"}],
    }
    path.write_text(json.dumps(doc))
    await import_file(page, ren_url, path)

    # untrusted: a problem on the node, and Run refuses
    await expect(page.locator(".ren-problems-button")).to_contain_text("1 problem")
    review = page.get_by_test_id("review-code")
    await expect(review).to_be_visible()
    await page.locator(".ren-run").click()
    await page.locator(".ren-run-go").click()
    await expect(page.locator(".ren-run-dialog")).to_contain_text("cannot run yet")
    await expect(page.locator(".ren-run-dialog")).to_contain_text("review and trust it")
    await page.locator(".ren-run-dialog").get_by_role("button", name="Cancel").click()

    # the dialog shows the code; trusting it clears the problem
    await review.click()
    dialog = page.locator(".ren-dialog").filter(has_text="Review code")
    await expect(dialog).to_contain_text("return {'count': len(words)}")
    await expect(dialog).to_contain_text("not trusted")
    await page.get_by_test_id("trust-code").click()
    await expect(page.locator(".ren-problems-button")).to_have_text(re.compile("No problems"))
    await expect(review).to_be_hidden()

    # now it runs
    await page.locator(".ren-run").click()
    await page.locator(".ren-run-go").click()
    await page.wait_for_url(re.compile(r".*/runs/[^/]+$"))
    status = page.locator('[data-testid="run-status"]')
    await expect(status).to_have_attribute("data-status", "succeeded", timeout=15000)
