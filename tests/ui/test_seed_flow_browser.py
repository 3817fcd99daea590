"""A new user's whole path in real Chromium against a real `ren` on an empty data folder (no
`--functions`): import a seed example on the Workflows page, open it, create each missing
function from the editor's problem list ("Create function", then the function's body pasted
into the code editor under the stub's name and arguments), try one, run the workflow from the
editor's Run button and see it succeed on the run page with the expected output."""

from __future__ import annotations

import ast
import json
import re
import shutil
import textwrap
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser import chromium, require_chromium, start_ren, stop_app
from tests.ren_cli import ROOT

pytestmark = pytest.mark.browser

Page = Any  # playwright.async_api.Page
EXAMPLES = ROOT / "examples"
SEED001 = "seed001_product_selection"


@dataclass
class EmptyApp:
    url: str
    home: Path


@pytest.fixture
def empty_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmptyApp]:
    """`ren` on a fresh, empty data folder: no workflows, no functions, no --functions."""
    require_chromium()
    home = tmp_path_factory.mktemp("ren-new-user")
    process, url = start_ren(home)
    yield EmptyApp(url, home)
    stop_app(process)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
async def page(empty_app: EmptyApp) -> AsyncIterator[Page]:
    """A fresh Chromium page; the test fails on JavaScript errors."""
    async with chromium(viewport={"width": 1360, "height": 880}) as context:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


def function_bodies(path: Path) -> dict[str, str]:
    """Each registered function's body in `path` (after its docstring), dedented: what a person
    copies from the example into the stub."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    bodies = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        decorator = node.decorator_list[0]
        assert isinstance(decorator, ast.Call) and isinstance(decorator.args[0], ast.Constant)
        docstring = ast.get_docstring(node) is not None
        first = node.body[1 if docstring else 0]
        body = "\n".join(lines[first.lineno - 1 : node.end_lineno])
        bodies[str(decorator.args[0].value)] = textwrap.dedent(body)
    return bodies


async def import_workflow(page: Page, url: str, file: Path, problems: int) -> None:
    await page.goto(url + "/workflows")
    await page.get_by_test_id("import").first.click()
    await page.locator(".q-dialog input[type=file]").set_input_files(str(file))
    await expect(page.get_by_text(f"as a draft: {problems} problems to fix")).to_be_visible()


async def open_workflow(page: Page, name: str) -> None:
    await page.get_by_text(name, exact=True).click()
    await page.wait_for_selector(".vue-flow__node")


async def problems_tab(page: Page) -> None:
    await page.get_by_role("tab", name=re.compile("^Problems")).click()


async def create_function(page: Page, workflow_id: str, name: str, args: str, body: str) -> None:
    """From the problem list: Create function, paste the body over the stub's `return {}`,
    save, and land back on the workflow."""
    await problems_tab(page)
    await page.get_by_test_id(f"create-function-{name}").click()
    code = page.locator(".cm-content")
    await expect(code).to_contain_text(f'@register_function("{name}")')
    short = name.rsplit(".", 1)[-1]
    await expect(code).to_contain_text(f"def {short}({args}):")
    await page.locator(".cm-line", has_text="return {}").click()
    await page.keyboard.press("End")
    await page.keyboard.press("Shift+Home")  # selects `return {}`, the indentation stays
    await page.keyboard.insert_text(textwrap.indent(body, "    ").removeprefix("    "))
    await expect(page.locator(".ren-code-problem")).to_have_count(0)
    await page.get_by_test_id("save-code").click()
    await page.wait_for_url(re.compile(rf"/workflows/{workflow_id}$"))
    await page.wait_for_selector(".vue-flow__node")


async def run_from_editor(page: Page, run_input: dict[str, Any]) -> None:
    await problems_tab(page)
    await expect(page.get_by_text("No problems: this workflow can be published.")).to_be_visible()
    await page.locator(".ren-run").click()
    await page.locator(".ren-run-dialog textarea").fill(json.dumps(run_input))
    await page.locator(".ren-run-go").click()
    await page.wait_for_url(re.compile(r"/runs/[^/]+$"))
    status = page.get_by_test_id("run-status")
    await expect(status).to_have_attribute("data-status", "succeeded", timeout=20_000)


async def shown_output(page: Page) -> Any:
    """The run page's "Run output" box, read back as JSON."""
    box = page.locator("xpath=//*[text()='Run output']/following-sibling::*[1]")
    return json.loads(await box.locator("pre.ren-json").inner_text())


async def test_seed001_from_the_app_alone(empty_app: EmptyApp, page: Page) -> None:
    url = empty_app.url
    await import_workflow(page, url, EXAMPLES / f"{SEED001}.json", problems=4)
    await open_workflow(page, "Seed001 product selection")

    bodies = function_bodies(EXAMPLES / "seed001_functions.py")
    assert len(bodies) == 4
    for name, body in bodies.items():
        args = "state, limit" if name == "data.scrape_products" else "state"
        await create_function(page, SEED001, name, args, body)
    saved = sorted(p.name for p in (empty_app.home / "functions").glob("*.py"))
    assert saved == [
        "data_export_excel.py",
        "data_scrape_products.py",
        "image_calculate_similarity.py",
        "image_process_batch.py",
    ]

    await page.goto(url + "/functions")
    await page.get_by_test_id("try-data.scrape_products").click()
    await page.get_by_label("state (the node's input, JSON)").fill('{"count": 2}')
    await page.get_by_label("limit").fill("5")
    await page.get_by_test_id("try-run").click()
    output = page.locator(".q-dialog code, .q-dialog pre").first
    await expect(output).to_contain_text('"product_count": 2')
    tried = json.loads(await output.inner_text())
    assert [p["id"] for p in tried["products"]] == ["p00001", "p00002"]
    await page.keyboard.press("Escape")

    await page.goto(url + "/workflows")
    await open_workflow(page, "Seed001 product selection")
    await run_from_editor(page, {"count": 100})  # >= 100 takes the branch through all four
    result = await shown_output(page)
    assert result["exported"] == 100
    assert result["rows"][0] == {
        "id": "p00001",
        "title": "Product 1",
        "price": 14.25,
        "similarity": 1.0,
    }
    assert [row["id"] for row in result["rows"]] == [f"p{i:05d}" for i in range(1, 101)]


async def test_seed004_from_the_app_alone(empty_app: EmptyApp, page: Page) -> None:
    await import_workflow(page, empty_app.url, EXAMPLES / "seed004_amount_approval.json", 2)
    await open_workflow(page, "示例工作流")
    for name, body in function_bodies(EXAMPLES / "seed004_functions.py").items():
        await create_function(page, "workflow_1", name, "state", body)
    await run_from_editor(page, {"data": {"amount": 1500}})
    assert await shown_output(page) == {"decision": "approved", "amount": 1500}
