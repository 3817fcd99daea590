"""A person answers a task in a real browser: `ren` runs as a subprocess on its own data
folder, `ren run` (a second process, which hands the run to the app) starts the expense
approval, and Chromium shows the task arriving in the inbox, opens it from the keyboard, sends
a wrong answer and then a right one, and follows the run to its end."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser import ROOT, require_chromium, start_ren, stop_app
from tests.ren_cli import ren_env
from tests.ui.conftest import EXAMPLES, RenApp

pytestmark = pytest.mark.browser

Page = Any  # playwright.async_api.Page


@pytest.fixture(scope="module")
def ren_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RenApp]:
    """`ren` on an empty data folder (this module's own: its inbox starts empty)."""
    require_chromium()
    home = tmp_path_factory.mktemp("ren-inbox")
    process, url = start_ren(home)
    yield RenApp(url, home, process, [])
    stop_app(process)


async def ren_command(home: Path, *args: str) -> tuple[int, str]:
    """Run `ren ARGS` as another process on the same data folder; (exit code, stdout)."""
    env = ren_env(home)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from app.cli import main; sys.exit(main())",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


async def test_a_person_answers_a_task_and_the_run_finishes(
    ren_app: RenApp, browser_page: Page
) -> None:
    page = browser_page
    await page.goto(ren_app.url + "/inbox")
    await expect(page.get_by_text("Nothing is waiting for you")).to_be_visible()
    await expect(page.get_by_test_id("inbox-count")).to_have_text("0")

    code, out = await ren_command(
        ren_app.home,
        "run",
        str(EXAMPLES / "expense_approval.json"),
        "--input",
        json.dumps({"who": "Ana", "amount": 120}),
        "--json",
    )
    assert code == 3, out  # waiting on a person
    report = json.loads(out.splitlines()[-1])
    run_id = report["run_id"]
    (task,) = report["tasks"]

    # the task arrives without a reload
    card = page.locator(f'a.ren-task-item[data-task="{task["id"]}"]')
    await expect(card).to_be_visible(timeout=10_000)
    await expect(card).to_contain_text("Expense of 120 EUR for Ana")
    await expect(card).to_contain_text("For manager")
    await expect(page.get_by_test_id("inbox-count")).to_have_text("1")

    # keyboard: focus the card, Enter opens the task
    await card.focus()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{ren_app.url}/tasks/{task['id']}")
    await expect(page.get_by_role("heading", name="Expense of 120 EUR for Ana")).to_be_visible()

    # a wrong answer: the required budget code is missing
    await page.get_by_label("Your name").fill("maria")
    await page.get_by_label("Comment").fill("Team lunch")
    await page.get_by_test_id("outcome-approve").click()
    problem = page.locator('[data-field="budget_code"] .ren-field-error')
    await expect(problem).to_have_text("This field is required")
    await expect(page.get_by_text("Please check the field marked below")).to_be_visible()

    # the right one
    await page.get_by_role("radio", name="TRAVEL").click()
    await page.get_by_test_id("outcome-approve").click()
    await expect(page.get_by_text("Thanks — your answer was recorded")).to_be_visible()
    await expect(problem).to_have_count(0)
    await expect(page.get_by_test_id("inbox-count")).to_have_text("0")

    # the run went on and succeeded
    await page.get_by_role("link", name="Expense approval").click()
    await expect(page).to_have_url(f"{ren_app.url}/runs/{run_id}")
    await expect(page.get_by_test_id("run-status")).to_have_text("Succeeded", timeout=10_000)
    await expect(page.get_by_test_id("run-pause")).to_be_hidden()

    # the command line sees the same answer
    code, out = await ren_command(ren_app.home, "show", run_id, "--json")
    assert code == 0, out
    shown = json.loads(out.splitlines()[-1])
    assert shown["status"] == "succeeded"
    assert re.search(r'"code":\s*"TRAVEL"', json.dumps(shown["output"]))
